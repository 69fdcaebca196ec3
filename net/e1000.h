/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Polled driver for the Intel 8254x gigabit NIC ("e1000", QEMU -device
 * e1000): one receive and one transmit descriptor ring, no interrupts.
 * The host kernel finds the device, maps its registers and gives the
 * DMA memory (kernel/e1000_pci.c, ports/linux/udp.c).
 *
 * Context: boot (or module load) for e1000_init(); afterwards any
 * context with IRQs off
 * (the debugger, the timer tick), one caller at a time: the caller
 * serializes (kstub's link lock does).  No locks are taken inside, so a
 * stopped kernel can never hold one the debugger needs.
 */
#ifndef NET_E1000_H
#define NET_E1000_H

#include "../lib/types.h"

#define E1000_FRAME_MAX 1514	/* without the CRC, which the NIC adds */

struct e1000_stats {
	u32 rx_frames;
	u32 rx_errors;		/* descriptor error bits, or a frame split over
				 * several descriptors (never sent to us) */
	u32 tx_frames;
	u32 tx_stuck;		/* no free transmit descriptor in time */
};

/* PCI ids the driver knows (vendor 0x8086). */
extern const u16 e1000_device_ids[];
extern const size_t e1000_ndevice_ids;

/* What the host provides: the registers (BAR0, 128 KiB, mapped uncached)
 * and four DMA areas, each with the address the CPU uses and the one the
 * device uses. */
#define E1000_RX_RING_BYTES 4096
#define E1000_TX_RING_BYTES 4096
#define E1000_RX_BUF_BYTES (256 * 2048)
#define E1000_TX_BUF_BYTES (32 * 2048)
struct e1000_mem {
	volatile u8 *regs;
	void *rx_ring, *tx_ring, *rx_buf, *tx_buf;
	u64 rx_ring_dma, tx_ring_dma, rx_buf_dma, tx_buf_dma;
};
/* Reset the NIC, set up the rings and read the MAC address.  Returns 0,
 * or -1 after logging why (port_log). */
int e1000_init(const struct e1000_mem *m);
/* Stop receiving and sending, reset: the DMA memory is the host's again
 * (module unload). */
void e1000_stop(void);
/* "link up" or "link down". */
const char *e1000_link(void);
void e1000_mac(u8 mac[6]);
/* The next received frame (without CRC), or NULL when none is waiting.
 * It stays valid until e1000_rx_done() gives the buffer back. */
const u8 *e1000_rx_peek(size_t *len);
void e1000_rx_done(void);
/* A buffer for the next frame (E1000_FRAME_MAX bytes), or NULL when the
 * ring has not drained in a while; e1000_tx_commit() sends len bytes of
 * it. */
u8 *e1000_tx_begin(void);
void e1000_tx_commit(size_t len);
const struct e1000_stats *e1000_stats(void);

#endif
