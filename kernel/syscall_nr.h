/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* System call numbers, shared by the kernel and the ring-3 task. */
#ifndef KERNEL_SYSCALL_NR_H
#define KERNEL_SYSCALL_NR_H

#define SYS_WRITE 0
#define SYS_GETPID 1
#define SYS_YIELD 2
#define SYS_SLEEP 3
#define SYS_EXIT 4

#endif
