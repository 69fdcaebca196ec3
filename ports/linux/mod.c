// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * kstub.ko: the gdb stub, hook layer and LTT trace buffer in a stock
 * Linux kernel.  Loading claims the link and the trap hooks; unloading
 * takes every breakpoint and probe out of the text first (kstub_shutdown)
 * and gives everything back.  While a gdb is attached the module is in
 * use and rmmod refuses (traps.c holds the reference).
 *
 *   insmod kstub.ko kstub=ttyS1[,BAUD]     serial, on a UART the module owns
 *   insmod kstub.ko kstub=udp:IP:PORT      UDP, on an e1000 no driver holds
 *   ltt_size=BYTES                         trace buffer per CPU (131072)
 *   ltt=on|off                             trace from load (off)
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/vmalloc.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <asm/tsc.h>
#include <asm/msr.h>
#include "../../stub/kstub.h"
#include "../../stub/rsp_packet.h"
#include "../../hooks/hook.h"
#include "../../trace/ltt.h"
#include "kstub_linux.h"

static char *link_param = "";
module_param_named(kstub, link_param, charp, 0444);
MODULE_PARM_DESC(kstub, "the gdb link: ttyS0..ttyS3[,baud] or udp:IP:PORT");
static ulong ltt_size = 131072;
module_param(ltt_size, ulong, 0444);
MODULE_PARM_DESC(ltt_size, "LTT trace buffer per CPU, bytes (4096..64 MiB)");
static char *ltt_param = "off";
module_param_named(ltt, ltt_param, charp, 0444);
MODULE_PARM_DESC(ltt, "on: trace Linux's key events from load");

static void *ltt_mem;

/* Frees what debugger sessions retired in the hook layer (hooks/hook.h,
 * hook_reclaim needs the CPUs running). */
static void reaper(struct work_struct *w);
static DECLARE_DELAYED_WORK(reaper_work, reaper);
static bool reaper_stop;

static void reaper(struct work_struct *w)
{
	(void)w;
	if (READ_ONCE(reaper_stop))
		return;
	if (!kstub_cpus_parked())
		hook_reclaim();
	schedule_delayed_work(&reaper_work, msecs_to_jiffies(100));
}

static int ltt_setup(void)
{
	struct ltt_config cfg = {
		.ncpus = nr_cpu_ids,
		.data_per_cpu = ALIGN(ltt_size, 4096),
		.subbuf_size = 4096,
		.mode = LTT_OVERWRITE,
		.clock_hz = (u64)tsc_khz * 1000,
		.uuid_seed = rdtsc(),
	};
	if (ltt_size < 8192 || ltt_size > (64ul << 20)) {
		pr_err("kstub: ltt_size=%lu: 8192 .. 64 MiB a CPU\n", ltt_size);
		return -EINVAL;
	}
	cfg.n_subbufs = (u32)min_t(u64, cfg.data_per_cpu / cfg.subbuf_size, LTT_MAX_SUBBUF);
	u64 size = ltt_area_size(&cfg);
	ltt_mem = vzalloc(size);
	if (!ltt_mem)
		return -ENOMEM;
	if (ltt_init(ltt_mem, &cfg)) {
		pr_err("kstub: LTT geometry refused (ltt_size=%lu)\n", ltt_size);
		return -EINVAL;
	}
	return 0;
}

static const struct rsp_transport *link_setup(void)
{
	char tty[8];
	unsigned baud = 115200;
	const char *comma = strchr(link_param, ',');
	size_t n = comma ? (size_t)(comma - link_param) : strlen(link_param);

	if (!strncmp(link_param, "udp:", 4))
		return kl_udp_init(link_param + 4);
	if (!n || n >= sizeof(tty)) {
		pr_err("kstub: kstub=%s: say kstub=ttyS1 (or ttyS0..3[,baud], udp:IP:PORT)\n",
		       link_param);
		return NULL;
	}
	memcpy(tty, link_param, n);
	tty[n] = 0;
	if (comma && kstrtouint(comma + 1, 10, &baud)) {
		pr_err("kstub: kstub=%s: bad baud rate\n", link_param);
		return NULL;
	}
	return kl_uart_init(tty, baud);
}

static void link_release(void)
{
	kl_uart_exit();
	kl_udp_exit();
}

static int __init kstub_mod_init(void)
{
	const struct rsp_transport *t;
	int err;

	if (strcmp(ltt_param, "on") && strcmp(ltt_param, "off")) {
		pr_err("kstub: ltt=%s: on or off\n", ltt_param);
		return -EINVAL;
	}
	err = kl_ksyms_init();
	if (err)
		return err;
	err = kl_noprobe_init();
	if (err)
		return err;
	err = kl_alias_init();
	if (err)
		goto out_noprobe;
	err = ltt_setup();
	if (err)
		goto out_alias;
	err = kl_symtab_init();
	if (err)
		goto out_ltt;
	t = link_setup();
	if (!t) {
		err = -ENODEV;
		goto out_symtab;
	}
	hook_init();
	kstub_init(t, false);
	kl_monitor_init();
	err = kl_ltt_events_init();
	if (err)
		goto out_link;
	kl_debugregs_init();
	err = kl_nmi_init();
	if (err)
		goto out_dr;
	err = kl_traps_init();
	if (err)
		goto out_nmi;
	schedule_delayed_work(&reaper_work, msecs_to_jiffies(100));
	if (!strcmp(ltt_param, "on"))
		ltt_start();
	pr_info("kstub: gdb stub on %s; LTT %u CPUs x %lu KiB%s\n", link_param,
		nr_cpu_ids, ltt_size >> 10, ltt_is_active() ? ", tracing" : "");
	return 0;

out_nmi:
	kl_nmi_exit();
out_dr:
	kl_debugregs_exit();
	kl_ltt_events_exit();
out_link:
	kstub_shutdown();
	link_release();
out_symtab:
	kl_symtab_exit();
out_ltt:
	vfree(ltt_mem);
out_alias:
	kl_alias_exit();
out_noprobe:
	kl_noprobe_exit();
	return err;
}

static void __exit kstub_mod_exit(void)
{
	/* No new session (the poll timers stop), then everything out of
	 * the text while the trap hooks still catch a CPU in flight, then
	 * the hooks, and one more NMI round: no CPU is left in our code. */
	kl_traps_stop_poll();
	WRITE_ONCE(reaper_stop, true);
	cancel_delayed_work_sync(&reaper_work);
	ltt_stop();
	kl_ltt_events_exit();
	kstub_shutdown();
	hook_reclaim();
	kl_traps_exit();
	kl_nmi_call_others(NULL, NULL);
	kl_nmi_exit();
	kl_debugregs_exit();
	link_release();
	kl_symtab_exit();
	vfree(ltt_mem);
	kl_alias_exit();
	kl_noprobe_exit();
	pr_info("kstub: unloaded, nothing left patched\n");
}

module_init(kstub_mod_init);
module_exit(kstub_mod_exit);
MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION("kstub: gdb remote stub, tracepoints and LTT trace for Linux");
