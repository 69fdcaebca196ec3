/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* System calls of the ring-3 task: int 0x80, rax = number, rdi/rsi/rdx. */
#include "kernel.h"
#include "task.h"
#include "syscall_nr.h"
#include "../arch/x86_64/trap.h"
#include "../trace/ltt_site.h"

extern char _user_start[], _user_end[];

static s64 sys_write(u64 fd, u64 buf, u64 len)
{
	char kbuf[256];
	if (fd != 1 && fd != 2)
		return -9; /* EBADF */
	if (len > sizeof(kbuf))
		len = sizeof(kbuf);
	/* Only the user image is user memory in this kernel. */
	if (buf < (u64)_user_start || buf + len > (u64)_user_end || buf + len < buf)
		return -14; /* EFAULT */
	if (arch_copy_safe(kbuf, (const void *)buf, len))
		return -14;
	console_write(kbuf, len);
	return (s64)len;
}

void kern_syscall(struct arch_regs *r)
{
	struct task *t = current_task();
	s64 ret;

	LTT_SITE(syscall_entry, r->rax, r->rdi, r->rsi, r->rdx);
	switch (r->rax) {
	case SYS_WRITE:
		ret = sys_write(r->rdi, r->rsi, r->rdx);
		break;
	case SYS_GETPID:
		ret = t->pid;
		break;
	case SYS_YIELD:
		schedule();
		ret = 0;
		break;
	case SYS_SLEEP:
		sleep_ms(r->rdi);
		ret = 0;
		break;
	case SYS_EXIT:
		printk("task %s (pid %u) exited with %ld\n", t->name, t->pid,
		       (s64)r->rdi);
		task_exit();
	default:
		ret = -38; /* ENOSYS */
		break;
	}
	LTT_SITE(syscall_exit, r->rax, ret);
	r->rax = (u64)ret;
}
