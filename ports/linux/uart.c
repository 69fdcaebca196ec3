// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * The serial link: a 16550 the module owns, polled.  Linux 6.1 is built
 * without CONSOLE_POLL, so the stub cannot share a UART with the 8250
 * driver the way kgdboc does: it takes the port from the driver
 * (serial8250_unregister_port), claims its I/O range, and gives it back
 * on unload.  Never the console's UART.
 */
#include <linux/kernel.h>
#include <linux/ioport.h>
#include <linux/io.h>
#include <linux/console.h>
#include <linux/string.h>
#include <linux/serial_8250.h>
#include <linux/serial_core.h>
#include <asm/tsc.h>
#include "../../stub/rsp_packet.h"
#include "../../stub/kstub_port.h"
#include "kstub_linux.h"

/* Exported (GPL) by the 8250 core but declared only in its private
 * header. */
struct uart_8250_port *serial8250_get_port(int line);

static u16 base;
static int line = -1;
static unsigned irq;
static bool region;

static int uart_getc(void)
{
	if (!(inb(base + 5) & 0x01))
		return -1;
	return inb(base);
}

static int kl_serial_getc(u32 timeout_ms)
{
	int c = uart_getc();
	if (c >= 0 || !timeout_ms)
		return c;
	u64 end = port_time_us() + (u64)timeout_ms * 1000;
	for (u32 polls = 1;; polls++) {
		c = uart_getc();
		if (c >= 0)
			return c;
		if (!(polls & 63) && port_time_us() >= end)
			return -1;
		cpu_relax();
	}
}

static void kl_serial_write(const u8 *buf, size_t n)
{
	/* THRE: the 16-byte transmit FIFO is empty; fill it at once. */
	while (n) {
		while (!(inb(base + 5) & 0x20))
			cpu_relax();
		size_t k = n < 16 ? n : 16;
		for (size_t i = 0; i < k; i++)
			outb(buf[i], base);
		buf += k;
		n -= k;
	}
}

/* A serial line can lose bytes: acks stay on. */
static const struct rsp_transport kl_serial = {
	.name = "serial",
	.getc = kl_serial_getc,
	.write = kl_serial_write,
	.reliable = false,
};

static bool is_console(int idx)
{
	struct console *c;
	bool yes = false;
	console_lock();
	for_each_console(c)
		if (!strcmp(c->name, "ttyS") && c->index == idx &&
		    (c->flags & CON_ENABLED))
			yes = true;
	console_unlock();
	return yes;
}

const struct rsp_transport *kl_uart_init(const char *tty, unsigned baud)
{
	static const u16 bases[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
	static const u8 irqs[] = { 4, 3, 4, 3 };
	int idx;
	if (strlen(tty) != 5 || strncmp(tty, "ttyS", 4) || tty[4] < '0' || tty[4] > '3') {
		pr_err("kstub: kstub=%s: the serial port is ttyS0..ttyS3\n", tty);
		return NULL;
	}
	if (!baud || 115200 % baud || baud > 115200) {
		pr_err("kstub: kstub=%s,%u: the baud rate divides 115200\n", tty, baud);
		return NULL;
	}
	idx = tty[4] - '0';
	if (is_console(idx)) {
		pr_err("kstub: %s is the kernel console: give kstub another UART (kstub=ttyS1)\n", tty);
		return NULL;
	}
	base = bases[idx];
	irq = irqs[idx];
	/* Is there a UART?  The scratch register keeps what we write. */
	outb(0x5a, base + 7);
	if (inb(base + 7) != 0x5a) {
		pr_err("kstub: no UART at %s (I/O 0x%x)\n", tty, base);
		return NULL;
	}
	/* The 8250 driver holds the standard ports from boot: release the
	 * line that has this I/O port (not always ttyS<idx>: ACPI may have
	 * registered COM2 first). */
	for (int l = 0; l < 4; l++) {
		struct uart_8250_port *up = serial8250_get_port(l);
		if (up && up->port.iobase == base && up->port.type != PORT_UNKNOWN) {
			serial8250_unregister_port(l);
			line = l;
			break;
		}
	}
	if (!request_region(base, 8, "kstub")) {
		pr_err("kstub: I/O 0x%x (%s) is in use by another driver\n", base, tty);
		kl_uart_exit();
		return NULL;
	}
	region = true;
	u16 div = (u16)(115200 / baud);
	outb(0x00, base + 1);	/* no interrupts: polled */
	outb(0x80, base + 3);	/* DLAB */
	outb((u8)div, base + 0);
	outb((u8)(div >> 8), base + 1);
	outb(0x03, base + 3);	/* 8N1 */
	outb(0xc7, base + 2);	/* FIFOs on, cleared */
	outb(0x03, base + 4);	/* DTR, RTS */
	return &kl_serial;
}

void kl_uart_exit(void)
{
	if (region)
		release_region(base, 8);
	region = false;
	if (line >= 0) {
		/* Back to the 8250 driver, as it found the port at boot (it
		 * may get another ttyS number). */
		struct uart_8250_port up = { 0 };
		up.port.iobase = base;
		up.port.irq = irq;
		up.port.uartclk = 1843200;
		up.port.iotype = UPIO_PORT;
		up.port.flags = UPF_BOOT_AUTOCONF | UPF_SKIP_TEST;
		if (serial8250_register_8250_port(&up) < 0)
			pr_warn("kstub: could not give I/O 0x%x back to the 8250 driver\n", base);
	}
	line = -1;
}
