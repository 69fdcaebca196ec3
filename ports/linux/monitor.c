// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * The Linux port's `monitor` commands: ksyms (where `kstub symbols`
 * finds the symbol table) and ltt (the trace buffer's state).  They run
 * on the debugger master with every other CPU parked.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include "../../stub/kstub.h"
#include "../../trace/ltt.h"
#include "kstub_linux.h"

static void monitor_ksyms(const char *args, void (*out)(const char *text))
{
	char line[200];
	u64 addr, size;
	u32 count, crc;
	(void)args;
	kl_symtab_where(&addr, &size, &count, &crc);
	/* One line gdb-scripts/kstub_symbols.py parses. */
	snprintf(line, sizeof(line), "ksyms 0x%llx %llu %u %08x %s %s\n",
		 (unsigned long long)addr, (unsigned long long)size, count, crc,
		 init_utsname()->release, THIS_MODULE->name);
	out(line);
}

static void monitor_ltt(const char *args, void (*out)(const char *text))
{
	struct ltt_area *a = ltt_get_area();
	char line[160];
	while (*args == ' ')
		args++;
	if (!strcmp(args, "start")) {
		ltt_start();
	} else if (!strcmp(args, "stop")) {
		ltt_stop();
	} else if (*args && strcmp(args, "status")) {
		out("usage: monitor ltt [status|start|stop]\n");
		return;
	}
	snprintf(line, sizeof(line),
		 "ltt: %s, %s, %u CPUs x %u sub-buffers of %u bytes, %u events\n",
		 a->active ? "tracing" : "stopped",
		 a->mode == LTT_DISCARD ? "discard" : "overwrite", a->ncpus,
		 a->n_subbufs, a->subbuf_size, a->nevents);
	out(line);
	for (u32 c = 0; c < a->ncpus; c++) {
		struct ltt_cpu *cb = ltt_area_cpu(a, c);
		snprintf(line, sizeof(line),
			 "  CPU %u: %llu events, lost full %llu wrap %llu toobig %llu nest %llu\n",
			 c, (unsigned long long)cb->events,
			 (unsigned long long)cb->lost[LTT_LOST_FULL],
			 (unsigned long long)cb->lost[LTT_LOST_WRAP],
			 (unsigned long long)cb->lost[LTT_LOST_TOOBIG],
			 (unsigned long long)cb->lost[LTT_LOST_NEST]);
		out(line);
	}
}

static const struct kstub_monitor_cmd cmds[] = {
	{ "ksyms", "ksyms: where the kallsyms table for `kstub symbols` is", monitor_ksyms },
	{ "ltt", "ltt [status|start|stop]: the LTT trace buffer", monitor_ltt },
};

void kl_monitor_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (kstub_monitor_register(&cmds[i]))
			pr_warn("kstub: no room for `monitor %s`\n", cmds[i].name);
}
