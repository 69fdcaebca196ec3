// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * What Linux 6.1 does not export to modules, through kallsyms.
 * kallsyms_lookup_name itself is not exported since 5.7: a kprobe on it
 * tells its address (register, read kp.addr, unregister).
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/kallsyms.h>
#include <linux/nmi.h>
#include <linux/ftrace.h>
#include <asm/tsc.h>
#include "../../lib/types.h"
#include "kstub_linux.h"

static unsigned long (*lookup_name)(const char *name);
static int (*lookup_size_offset)(unsigned long addr, unsigned long *size,
				 unsigned long *off);
static const char *(*lookup)(unsigned long addr, unsigned long *size,
			     unsigned long *off, char **modname, char *buf);
static int (*core_text)(unsigned long addr);
static struct module *(*module_text)(unsigned long addr);
static const void *(*search_extables)(unsigned long addr);
static bool (*kprobe_bl)(unsigned long addr);
static unsigned long (*ftrace_loc)(unsigned long ip);
static long (*copy_to_nofault)(void *dst, const void *src, size_t size);
static void (*rcu_stall_reset)(void);
static void (*cs_touch_watchdog)(void);
static void (*softlockup_sync)(void);
static int *rcu_stall_suppress;

unsigned long kl_lookup(const char *name)
{
	return lookup_name ? lookup_name(name) : 0;
}

#define NEED(var, name)							\
	do {								\
		*(unsigned long *)&(var) = kl_lookup(name);		\
		if (!(var)) {						\
			pr_err("kstub: kernel symbol %s not found\n", name); \
			return -ENOENT;					\
		}							\
	} while (0)
#define WANT(var, name) (*(unsigned long *)&(var) = kl_lookup(name))

int kl_ksyms_init(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int err = register_kprobe(&kp);
	if (err) {
		pr_err("kstub: cannot find kallsyms_lookup_name (kprobe: %d)\n", err);
		return err;
	}
	lookup_name = (void *)kp.addr;
	unregister_kprobe(&kp);
	NEED(lookup_size_offset, "kallsyms_lookup_size_offset");
	NEED(lookup, "kallsyms_lookup");
	NEED(core_text, "core_kernel_text");
	NEED(kprobe_bl, "within_kprobe_blacklist");
	NEED(module_text, "__module_text_address");
	NEED(search_extables, "search_exception_tables");
	NEED(copy_to_nofault, "copy_to_kernel_nofault");
	/* Optional: a kernel without them just has less to refuse or touch. */
	WANT(ftrace_loc, "ftrace_location");
	WANT(rcu_stall_reset, "rcu_cpu_stall_reset");
	WANT(cs_touch_watchdog, "clocksource_touch_watchdog");
	WANT(softlockup_sync, "touch_softlockup_watchdog_sync");
	WANT(rcu_stall_suppress, "rcu_cpu_stall_suppress");
	return 0;
}

bool kl_sym_of(unsigned long addr, unsigned long *start, unsigned long *size,
	       char *buf)
{
	unsigned long sz, off;
	char *mod;
	if (!lookup(addr, &sz, &off, &mod, buf))
		return false;
	*start = addr - off;
	*size = sz;
	return true;
}

bool kl_core_kernel_text(unsigned long addr)
{
	return core_text(addr);
}

struct module *kl_module_of(unsigned long addr)
{
	return module_text(addr);
}

bool kl_module_text(unsigned long addr)
{
	bool yes;
	/* The module list is RCU-sched protected. */
	preempt_disable_notrace();
	yes = module_text(addr) != NULL;
	preempt_enable_notrace();
	return yes;
}

bool kl_has_fixup(unsigned long addr)
{
	return search_extables(addr) != NULL;
}

bool kl_kprobe_blacklisted(unsigned long addr)
{
	return kprobe_bl(addr);
}

const char *kl_kernel_patches(unsigned long addr, size_t len)
{
	/* ftrace_location() also answers for an address inside the 5-byte
	 * call site (it looks the range up). */
	for (size_t i = 0; ftrace_loc && i < len; i++)
		if (ftrace_loc(addr + i))
			return "ftrace call site (Linux patches it)";
	return kl_sites_reserved(addr, len);
}

size_t kl_ftrace_nop_at(unsigned long addr)
{
	/* ftrace_location(func+0) names the call site even when it is not
	 * at +0 (after an ENDBR): only the site itself is skipped. */
	return ftrace_loc && ftrace_loc(addr) == addr ? MCOUNT_INSN_SIZE : 0;
}

long kl_copy_to_kernel_nofault(void *dst, const void *src, size_t n)
{
	return copy_to_nofault(dst, src, n);
}

void kl_touch_watchdogs(void)
{
	touch_softlockup_watchdog();
	if (softlockup_sync)
		softlockup_sync();
	if (cs_touch_watchdog)
		cs_touch_watchdog();
	if (rcu_stall_reset)
		rcu_stall_reset();
}

/*
 * RCU stall reports stay off for a while after a stop.  jiffies catch up
 * with the stop only at the timekeeping CPU's next tick; a grace period
 * that starts before that records its start (and the stall deadline) in
 * stale jiffies, and a 25 s stop then came out as a "self-detected
 * stall" of 6,400 jiffies (1 run in 30 of the long-stop test).  The
 * stall clock is reset once more when the reports come back on, with
 * jiffies up to date.  TSC cycles; 0: not pending.
 */
static u64 stall_quiet_until;

void kl_rcu_stall_suppress(bool on)
{
	if (!rcu_stall_suppress)
		return;
	WRITE_ONCE(stall_quiet_until, on ? 0 : rdtsc() + (u64)tsc_khz * 1000);
	WRITE_ONCE(*rcu_stall_suppress, 1);
}

void kl_rcu_stall_settle(bool now)
{
	u64 until = READ_ONCE(stall_quiet_until);
	if (!until || (!now && rdtsc() < until))
		return;
	if (cmpxchg(&stall_quiet_until, until, 0) != until)
		return;
	if (rcu_stall_reset)
		rcu_stall_reset();
	WRITE_ONCE(*rcu_stall_suppress, 0);
	/* A stop that began meanwhile (this CPU parked by its NMI just
	 * above) has its own quiet second: it stays off. */
	if (READ_ONCE(stall_quiet_until))
		WRITE_ONCE(*rcu_stall_suppress, 1);
}
