/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#include "kernel.h"
#include "spinlock.h"
#include "uart.h"
#include "../arch/x86_64/cpu.h"

static spinlock_t console_lock;
bool (*console_sink)(const char *s, size_t n);

void console_init(void)
{
	uart_init(COM1, 115200);
}

static void console_uart_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(COM1, '\r');
		uart_putc(COM1, (u8)s[i]);
	}
}

void console_write(const char *s, size_t n)
{
	u64 f = irq_save();
	/* A CPU that died holding the lock (or an NMI that interrupted the
	 * holder on this CPU) must not silence a panic: give up waiting after
	 * a bounded time. */
	bool locked = false;
	for (u64 spins = 0; spins < 50000000; spins++) {
		if (spin_trylock(&console_lock)) {
			locked = true;
			break;
		}
		cpu_relax();
	}
	if (!console_sink || !console_sink(s, n))
		console_uart_write(s, n);
	if (locked)
		spin_unlock(&console_lock);
	irq_restore(f);
}

void printk(const char *fmt, ...)
{
	char buf[320];
	va_list ap;
	va_start(ap, fmt);
	size_t n = kfmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, n);
}
