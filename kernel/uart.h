/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Polled 16550 UART.  No interrupts: the console and the stub both poll. */
#ifndef KERNEL_UART_H
#define KERNEL_UART_H

#include "../lib/types.h"

#define COM1 0x3f8
#define COM2 0x2f8

/* Boot, once per port. */
void uart_init(u16 port, u32 baud);
/* Any context; spins until the transmitter has room. */
void uart_putc(u16 port, u8 c);
/* Any context; sends n bytes, a FIFO-full at a time. */
void uart_write(u16 port, const u8 *buf, size_t n);
/* Any context; -1 when no byte is waiting. */
int uart_getc(u16 port);

#endif
