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
#include "../../trace/ltt_print.h"
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

static const struct kstub_monitor_cmd cmds[] = {
	{ "ksyms", "ksyms: where the kallsyms table for `kstub symbols` is", monitor_ksyms },
	{ "ltt", "ltt [status|start|stop]: the LTT trace buffer", ltt_monitor },
};

void kl_monitor_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (kstub_monitor_register(&cmds[i]))
			pr_warn("kstub: no room for `monitor %s`\n", cmds[i].name);
}
