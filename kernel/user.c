/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Starting the ring-3 task: a kernel thread that drops to user mode. */
#include "kernel.h"
#include "task.h"

void user_main(void);
void arch_enter_user(u64 rip, u64 rsp) __attribute__((noreturn));

/* In the user pages: see kernel/user/init.c. */
extern char user_stack_top[];

static void user_thread(void *arg)
{
	(void)arg;
	current_task()->user = true;
	arch_enter_user((u64)user_main, (u64)user_stack_top);
}

void user_start(void)
{
	if (kcmd_is(kern_cmdline, "demo", "off"))
		return;
	task_create("user_init", ncpus > 2 ? 2 : 0, user_thread, 0);
}
