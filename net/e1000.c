/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Polled Intel 8254x driver: see e1000.h.  Register offsets and bits are
 * from the PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual (8254x), chapters 3 (descriptors), 13 (registers)
 * and 14 (initialization).
 */
#include "e1000.h"
#include "../stub/kstub_port.h"
#include "../lib/fmt.h"
#include "../arch/x86_64/cpu.h"

#define REG_CTRL 0x0000
#define REG_STATUS 0x0008
#define REG_EERD 0x0014
#define REG_ICR 0x00c0
#define REG_IMC 0x00d8
#define REG_RCTL 0x0100
#define REG_TCTL 0x0400
#define REG_TIPG 0x0410
#define REG_RDBAL 0x2800
#define REG_RDBAH 0x2804
#define REG_RDLEN 0x2808
#define REG_RDH 0x2810
#define REG_RDT 0x2818
#define REG_TDBAL 0x3800
#define REG_TDBAH 0x3804
#define REG_TDLEN 0x3808
#define REG_TDH 0x3810
#define REG_TDT 0x3818
#define REG_MTA 0x5200		/* 128 multicast table entries */
#define REG_RAL0 0x5400
#define REG_RAH0 0x5404

#define CTRL_ASDE (1u << 5)	/* auto speed detection */
#define CTRL_SLU (1u << 6)	/* set link up */
#define CTRL_RST (1u << 26)
#define CTRL_LRST (1u << 3)
#define CTRL_ILOS (1u << 7)
#define CTRL_VME (1u << 30)
#define CTRL_PHY_RST (1u << 31)
#define EERD_START (1u << 0)
#define EERD_DONE (1u << 4)
#define RAH_AV (1u << 31)	/* address valid */
#define RCTL_EN (1u << 1)
#define RCTL_BAM (1u << 15)	/* accept broadcast (ARP requests) */
#define RCTL_SECRC (1u << 26)	/* strip the Ethernet CRC */
				/* BSIZE 00: 2048-byte buffers */
#define TCTL_EN (1u << 1)
#define TCTL_PSP (1u << 3)	/* pad short packets to 64 bytes */
#define TCTL_CT (0x0fu << 4)	/* collision threshold */
#define TCTL_COLD (0x40u << 12)	/* collision distance, full duplex */
#define TIPG_COPPER (10u | 8u << 10 | 6u << 20)

struct rx_desc {
	u64 addr;
	u16 len;
	u16 csum;
	u8 status;
	u8 errors;
	u16 special;
};

struct tx_desc {
	u64 addr;
	u16 len;
	u8 cso;
	u8 cmd;
	u8 status;
	u8 css;
	u16 special;
};

#define DESC_DD (1u << 0)	/* descriptor done */
#define DESC_EOP (1u << 1)	/* rx status: end of packet */
#define TXCMD_EOP (1u << 0)
#define TXCMD_IFCS (1u << 1)	/* insert the CRC */
#define TXCMD_RS (1u << 3)	/* report status (sets DD) */

/* Ring sizes: a multiple of 8 descriptors (128 bytes).  A 64 KiB
 * datagram is 45 fragments; while the kernel runs the ring is drained
 * once a tick, so it holds several (512 KiB of buffers). */
#define NRX 256
#define NTX 32
#define BUF_SIZE 2048
_Static_assert(E1000_RX_BUF_BYTES == NRX * BUF_SIZE, "rx buffers");
_Static_assert(E1000_TX_BUF_BYTES == NTX * BUF_SIZE, "tx buffers");
_Static_assert(E1000_RX_RING_BYTES >= NRX * 16 && E1000_TX_RING_BYTES >= NTX * 16, "rings");
#define TX_WAIT_US 100000

static volatile u8 *regs;
static volatile struct rx_desc *rx;
static volatile struct tx_desc *tx;
static u8 *rx_buf, *tx_buf;
static unsigned rx_next, tx_next;
static u8 mac[6];
static struct e1000_stats stats;

const u16 e1000_device_ids[] = {
	0x100e,		/* 82540EM: QEMU's "e1000" */
	0x100c,		/* 82544GC: "e1000-82544gc" */
	0x100f,		/* 82545EM: "e1000-82545em" */
};
const size_t e1000_ndevice_ids = ARRAY_SIZE(e1000_device_ids);

static u32 rd(u32 reg)
{
	return *(volatile u32 *)(regs + reg);
}

static void wr(u32 reg, u32 v)
{
	*(volatile u32 *)(regs + reg) = v;
}

/* The port's clock: like everything the debugger calls, not probeable. */
static u64 now_us(void)
{
	return port_time_us();
}

/* Descriptor contents must be in memory before the tail register write
 * that hands them to the device.  x86 keeps stores in order, including
 * the uncached MMIO store that follows; the compiler must too. */
static inline void dma_wmb(void)
{
	__asm__ volatile("" ::: "memory");
}

static bool eeprom_read(u8 word, u16 *out)
{
	wr(REG_EERD, (u32)word << 8 | EERD_START);
	u64 end = now_us() + 10000;
	while (now_us() < end) {
		u32 v = rd(REG_EERD);
		if (v & EERD_DONE) {
			*out = (u16)(v >> 16);
			return true;
		}
		cpu_relax();
	}
	return false;
}

/* The MAC from the receive address registers (loaded from the EEPROM at
 * reset), else straight from the EEPROM (words 0-2, little-endian). */
static bool read_mac(void)
{
	u32 lo = rd(REG_RAL0), hi = rd(REG_RAH0);
	if ((hi & RAH_AV) && (lo || (hi & 0xffff))) {
		for (int i = 0; i < 4; i++)
			mac[i] = (u8)(lo >> (8 * i));
		mac[4] = (u8)hi;
		mac[5] = (u8)(hi >> 8);
		return true;
	}
	for (u8 w = 0; w < 3; w++) {
		u16 v;
		if (!eeprom_read(w, &v))
			return false;
		mac[2 * w] = (u8)v;
		mac[2 * w + 1] = (u8)(v >> 8);
	}
	wr(REG_RAL0, (u32)mac[0] | (u32)mac[1] << 8 | (u32)mac[2] << 16 |
			     (u32)mac[3] << 24);
	wr(REG_RAH0, (u32)mac[4] | (u32)mac[5] << 8 | RAH_AV);
	return true;
}

static void reset(void)
{
	wr(REG_IMC, 0xffffffff);
	wr(REG_CTRL, rd(REG_CTRL) | CTRL_RST);
	u64 end = now_us() + 100000;
	/* The manual asks for 1 us before the next register access. */
	u64 settle = now_us() + 10;
	while (now_us() < settle)
		cpu_relax();
	while ((rd(REG_CTRL) & CTRL_RST) && now_us() < end)
		cpu_relax();
	wr(REG_IMC, 0xffffffff);	/* reset re-enables nothing, but be sure */
	(void)rd(REG_ICR);		/* clear pending causes */
}

int e1000_init(const struct e1000_mem *m)
{
	regs = m->regs;
	reset();

	/* Link up, auto-speed; no PHY reset, no VLAN mode. */
	u32 ctrl = rd(REG_CTRL);
	ctrl &= ~(CTRL_LRST | CTRL_ILOS | CTRL_VME | CTRL_PHY_RST);
	wr(REG_CTRL, ctrl | CTRL_SLU | CTRL_ASDE);
	if (!read_mac()) {
		port_log("e1000: cannot read the MAC address");
		regs = 0;
		return -1;
	}
	for (u32 i = 0; i < 128; i++)
		wr(REG_MTA + 4 * i, 0);

	rx = m->rx_ring;
	tx = m->tx_ring;
	rx_buf = m->rx_buf;
	tx_buf = m->tx_buf;
	for (unsigned i = 0; i < NRX; i++) {
		rx[i].addr = m->rx_buf_dma + i * BUF_SIZE;
		rx[i].status = 0;
	}
	for (unsigned i = 0; i < NTX; i++) {
		tx[i].addr = m->tx_buf_dma + i * BUF_SIZE;
		tx[i].status = DESC_DD;		/* free */
	}
	dma_wmb();
	wr(REG_RDBAL, (u32)m->rx_ring_dma);
	wr(REG_RDBAH, (u32)(m->rx_ring_dma >> 32));
	wr(REG_RDLEN, NRX * sizeof(struct rx_desc));
	wr(REG_RDH, 0);
	wr(REG_RDT, NRX - 1);	/* all but one buffer belong to the NIC */
	wr(REG_RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);
	wr(REG_TDBAL, (u32)m->tx_ring_dma);
	wr(REG_TDBAH, (u32)(m->tx_ring_dma >> 32));
	wr(REG_TDLEN, NTX * sizeof(struct tx_desc));
	wr(REG_TDH, 0);
	wr(REG_TDT, 0);
	wr(REG_TIPG, TIPG_COPPER);
	wr(REG_TCTL, TCTL_EN | TCTL_PSP | TCTL_CT | TCTL_COLD);
	rx_next = tx_next = 0;
	return 0;
}

void e1000_stop(void)
{
	if (!regs)
		return;
	wr(REG_RCTL, 0);
	wr(REG_TCTL, 0);
	reset();
	regs = 0;
}

const char *e1000_link(void)
{
	return regs && (rd(REG_STATUS) & 2) ? "link up" : "link down";
}

void e1000_mac(u8 out[6])
{
	for (int i = 0; i < 6; i++)
		out[i] = mac[i];
}

const u8 *e1000_rx_peek(size_t *len)
{
	if (!regs)
		return 0;
	for (;;) {
		volatile struct rx_desc *d = &rx[rx_next];
		if (!(d->status & DESC_DD))
			return 0;
		__asm__ volatile("" ::: "memory");	/* status before data */
		if ((d->status & DESC_EOP) && !d->errors && d->len <= BUF_SIZE) {
			*len = d->len;
			stats.rx_frames++;
			return rx_buf + rx_next * BUF_SIZE;
		}
		stats.rx_errors++;
		e1000_rx_done();
	}
}

void e1000_rx_done(void)
{
	volatile struct rx_desc *d = &rx[rx_next];
	d->status = 0;
	dma_wmb();
	/* The tail is the first descriptor the NIC may not fill: giving
	 * back this one makes it the NIC's last. */
	wr(REG_RDT, rx_next);
	rx_next = (rx_next + 1) % NRX;
}

u8 *e1000_tx_begin(void)
{
	if (!regs)
		return 0;
	volatile struct tx_desc *d = &tx[tx_next];
	if (!(d->status & DESC_DD)) {
		u64 end = now_us() + TX_WAIT_US;
		while (!(d->status & DESC_DD)) {
			if (now_us() > end) {
				stats.tx_stuck++;
				return 0;
			}
			cpu_relax();
		}
	}
	return tx_buf + tx_next * BUF_SIZE;
}

void e1000_tx_commit(size_t len)
{
	volatile struct tx_desc *d = &tx[tx_next];
	d->len = (u16)(len > E1000_FRAME_MAX ? E1000_FRAME_MAX : len);
	d->cso = 0;
	d->css = 0;
	d->special = 0;
	d->cmd = TXCMD_EOP | TXCMD_IFCS | TXCMD_RS;
	d->status = 0;
	tx_next = (tx_next + 1) % NTX;
	dma_wmb();
	wr(REG_TDT, tx_next);
	stats.tx_frames++;
}

const struct e1000_stats *e1000_stats(void)
{
	return &stats;
}
