/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#include "uart.h"
#include "../arch/x86_64/cpu.h"

void uart_init(u16 port, u32 baud)
{
	u16 div = (u16)(115200 / (baud ? baud : 115200));
	outb(port + 1, 0x00);	/* no interrupts */
	outb(port + 3, 0x80);	/* DLAB */
	outb(port + 0, (u8)div);
	outb(port + 1, (u8)(div >> 8));
	outb(port + 3, 0x03);	/* 8N1 */
	outb(port + 2, 0xc7);	/* FIFOs on, cleared */
	outb(port + 4, 0x03);	/* DTR, RTS */
}

void uart_putc(u16 port, u8 c)
{
	while (!(inb(port + 5) & 0x20))
		cpu_relax();
	outb(port, c);
}

int uart_getc(u16 port)
{
	if (!(inb(port + 5) & 0x01))
		return -1;
	return inb(port);
}

void uart_write(u16 port, const u8 *buf, size_t n)
{
	/* THRE means the 16-byte transmit FIFO is empty: fill it at once. */
	while (n) {
		while (!(inb(port + 5) & 0x20))
			cpu_relax();
		size_t k = n < 16 ? n : 16;
		for (size_t i = 0; i < k; i++)
			outb(port, buf[i]);
		buf += k;
		n -= k;
	}
}
