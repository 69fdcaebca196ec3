/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The reference kernel's port for kstub (stub/kstub_port.h): the serial
 * and UDP transports, CPUs, NMI roundup, text bounds, time, reboot; and
 * the command-line options kstub=ttyS0|ttyS1[,baud], kstub=udp[:IP[:PORT]]
 * (with kstub.gw=IP) and kstub.wait.
 */
#include "../kernel.h"
#include "../task.h"
#include "../spinlock.h"
#include "../uart.h"
#include "../../net/e1000.h"
#include "../../net/udp_link.h"
#include "../../lib/inet.h"
#include "../../stub/kstub.h"
#include "../../stub/kstub_port.h"
#include "../../hooks/patch.h"
#include "../../arch/x86_64/cpu.h"
#include "../../arch/x86_64/lapic.h"
#include "../../arch/x86_64/trap.h"
#include "../../arch/x86_64/regs.h"

extern char _text_start[], _text_end[];

static u16 link_port;
static const char *link_name;
static char link_name_buf[32];

static int serial_getc(u32 timeout_ms)
{
	int c = uart_getc(link_port);
	if (c >= 0 || !timeout_ms)
		return c;
	u64 end = port_time_us() + (u64)timeout_ms * 1000;
	for (u32 polls = 1;; polls++) {
		c = uart_getc(link_port);
		if (c >= 0)
			return c;
		/* The clock only every 64th poll: bytes of one packet follow
		 * each other within microseconds. */
		if (!(polls & 63) && port_time_us() >= end)
			return -1;
		/* Each port read is an exit to the emulator or a slow bus
		 * cycle, and under QEMU it takes the emulator's global lock:
		 * a vCPU hammering the UART starves the thread that feeds it
		 * and vCPUs waking from hlt.  With 4 pauses instead of 64,
		 * one stop in three took a parked CPU over a second to
		 * resume. */
		for (int i = 0; i < 64; i++)
			cpu_relax();
	}
}

static void serial_write(const u8 *buf, size_t n)
{
	uart_write(link_port, buf, n);
}

/* A serial line can lose bytes: acks stay on. */
static const struct rsp_transport serial_transport = {
	.name = "serial",
	.getc = serial_getc,
	.write = serial_write,
	.reliable = false,
};



/* kstub=udp[:IP[:PORT]]: bring up the NIC and the UDP transport. */
static const struct rsp_transport *udp_port_init(const char *v, size_t n)
{
	u32 ip = UDP_DEFAULT_IP, gw = UDP_DEFAULT_GW;
	u16 port = UDP_DEFAULT_PORT;
	if (!inet_parse_udp_spec(v, n, &ip, &port)) {
		printk("kstub: bad kstub= value (use udp, udp:IP or udp:IP:PORT)\n");
		return 0;
	}
	const char *g;
	size_t gn;
	if (kcmd_get(kern_cmdline, "kstub.gw", &g, &gn) &&
	    !inet_parse_addr(g, gn, &gw))
		printk("kstub: bad kstub.gw=, using 10.0.2.2\n");
	const struct rsp_transport *t = 0;
	if (!kern_e1000_probe())
		t = udp_link_init(ip, gw, port, link_name_buf, sizeof(link_name_buf));
	if (!t)
		printk("kstub: no network: UDP transport off\n");
	return t;
}

unsigned port_cpu_count(void)
{
	return ncpus;
}

unsigned port_cpu_id(void)
{
	return kern_cpu_id();
}

bool port_cpu_online(unsigned cpu)
{
	return cpu < ncpus && percpu[cpu].online;
}

void port_roundup_others(void)
{
	unsigned me = kern_cpu_id();
	for (unsigned i = 0; i < ncpus; i++)
		if (i != me && percpu[i].online)
			lapic_send_nmi(percpu[i].apic_id);
}

size_t port_bp_skip(u64 addr)
{
	(void)addr;	/* the reference kernel patches nothing by itself */
	return 0;
}

void port_stopped(bool stopped)
{
	(void)stopped;	/* no watchdogs here */
}

bool port_nonstop_ok(void)
{
	return true;
}

void port_nmi_cpu(unsigned cpu)
{
	if (cpu < ncpus && percpu[cpu].online && cpu != kern_cpu_id())
		lapic_send_nmi(percpu[cpu].apic_id);
}

void port_call_others(void (*fn)(void *), void *arg)
{
	smp_call_others(fn, arg);
}

void port_kick_cpu(unsigned cpu)
{
	if (cpu < ncpus && percpu[cpu].online)
		lapic_send_ipi(percpu[cpu].apic_id, VEC_IPI_KICK);
}

void port_cpu_task(unsigned cpu, char *buf, size_t size)
{
	struct task *t = cpu_current_task(cpu);
	kstr_copy(buf, t ? t->name : "?", size);
}

void port_cpu_note(unsigned cpu, char *buf, size_t size)
{
	buf[0] = 0;
	if (cpu >= ncpus)
		return;
	u64 l = (u64)percpu[cpu].spinning_on, off;
	if (!l)
		return;
	const char *name = ksym_lookup(l, &off);
	if (name && !off)
		kfmt_snprintf(buf, size, "spinning on %s", name);
	else
		kfmt_snprintf(buf, size, "spinning on the lock at 0x%lx", l);
}

bool port_is_text(u64 addr, size_t len)
{
	return addr < (u64)_text_end && addr + len > (u64)_text_start;
}

extern char _noprobe_start[], _noprobe_end[];

const char *port_is_noprobe(u64 addr)
{
	if (addr >= (u64)_noprobe_start && addr < (u64)_noprobe_end)
		return "inside the debugger or patch engine";
	return 0;
}

u64 port_time_us(void)
{
	u64 mhz = arch_tsc_hz() / 1000000;
	return rdtsc() / (mhz ? mhz : 1000);
}

void port_reboot(void)
{
	irq_disable();
	outb(0x64, 0xfe); /* keyboard controller reset line */
	/* Triple fault if that did not work. */
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) null_idt = { 0, 0 };
	__asm__ volatile("lidt %0; int3" :: "m"(null_idt));
	for (;;)
		cpu_halt();
}

void port_log(const char *s)
{
	printk("%s\n", s);
}

static void serialize(void *arg)
{
	(void)arg;
	cpu_serialize();
}

unsigned port_sync_others(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < ncpus; i++)
		if (i != kern_cpu_id() && percpu[i].online)
			n++;
	smp_call_others(serialize, 0);
	return n;
}

extern bool (*kern_fatal_hook)(struct arch_regs *r, const char *why, bool is_panic);

static bool fatal_to_debugger(struct arch_regs *r, const char *why, bool is_panic)
{
	struct kstub_stop st = {
		.kind = is_panic ? KSTUB_STOP_PANIC : KSTUB_STOP_FAULT,
		.sig = is_panic ? 6 : arch_fault_signal(r->vector),
		.why = why,
	};
	printk("kstub: %s on CPU %u, waiting for gdb on %s\n", why,
	       kern_cpu_id(), link_name);
	kstub_enter(r, &st);
	return true;
}

/* Where gdb finds the kernel stopped with kstub.wait. */
__attribute__((noinline)) void kstub_breakpoint(void)
{
	__asm__ volatile("int3");
}

void kstub_port_init(void)
{
	const char *v;
	size_t n;
	if (!kcmd_get(kern_cmdline, "kstub", &v, &n))
		return;
	if (n >= 3 && !memcmp(v, "udp", 3)) {
		const struct rsp_transport *t = udp_port_init(v, n);
		if (!t)
			return;
		/* The console stays on COM1. */
		kstub_init(t, false);
		kern_fatal_hook = fatal_to_debugger;
		link_name = link_name_buf;
		printk("kstub: gdb stub on %s\n", link_name);
		return;
	}
	u32 baud = 115200;
	if (n >= 5 && !memcmp(v, "ttyS0", 5)) {
		link_port = COM1;
		link_name = "ttyS0";
	} else if (n >= 5 && !memcmp(v, "ttyS1", 5)) {
		link_port = COM2;
		link_name = "ttyS1";
	} else {
		printk("kstub: unknown port in kstub= (use ttyS0, ttyS1 or udp)\n");
		return;
	}
	if (n > 6 && v[5] == ',') {
		u64 b;
		if (kstr_to_u64(v + 6, n - 6, &b) && b && b <= 115200)
			baud = (u32)b;
		else
			printk("kstub: bad baud rate in kstub=, using 115200\n");
	} else if (n != 5) {
		printk("kstub: unknown port in kstub= (use ttyS0 or ttyS1)\n");
		return;
	}
	if (link_port != COM1)
		uart_init(link_port, baud);
	else if (baud != 115200)
		uart_init(COM1, baud);
	kstub_init(&serial_transport, link_port == COM1);
	if (link_port == COM1)
		console_sink = kstub_console_out;
	kern_fatal_hook = fatal_to_debugger;
	printk("kstub: gdb stub on %s (%u baud)\n", link_name, baud);
}

void kstub_port_wait(void)
{
	if (!kstub_enabled() || !kcmd_flag(kern_cmdline, "kstub.wait"))
		return;
	printk("kstub: waiting for gdb on %s\n", link_name);
	kstub_breakpoint();
}
