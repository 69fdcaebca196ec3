/*
 * The reference kernel's side of the hook layer: the port functions of
 * hooks/hook_port.h, `monitor hooks`, and boot.
 */
#include "kernel.h"
#include "../hooks/hook.h"
#include "../hooks/hook_port.h"
#include "../stub/kstub.h"

bool port_hooks_parked(void)
{
	/* While a debugger session is active, the CPU running kernel code
	 * is its master: every other one is parked. */
	return kstub_is_active();
}

u64 port_sym_start(u64 addr, const char **name)
{
	u64 off;
	const char *n = ksym_lookup(addr, &off);
	if (!n)
		return 0;
	if (name)
		*name = n;
	return addr - off;
}

static void monitor_hooks(const char *args, void (*out)(const char *text))
{
	hook_print(out, args);
}

static const struct kstub_monitor_cmd hooks_cmd = {
	.name = "hooks",
	.help = "hooks [PREFIX]: hook points, their exits, priorities, armed state",
	.fn = monitor_hooks,
};

void hooks_port_init(void)
{
	hook_init();
	if (kstub_monitor_register(&hooks_cmd))
		printk("hooks: no room for `monitor hooks`\n");
}
