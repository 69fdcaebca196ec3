/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Polled driver for the Intel 8254x gigabit NIC ("e1000", QEMU -device
 * e1000): PCI discovery, one receive and one transmit descriptor ring in
 * identity-mapped pages, no interrupts.
 *
 * Context: boot for e1000_init(); afterwards any context with IRQs off
 * (the debugger, the timer tick), one caller at a time: the caller
 * serializes (kstub's link lock does).  No locks are taken inside, so a
 * stopped kernel can never hold one the debugger needs.
 */
#ifndef KERNEL_E1000_H
#define KERNEL_E1000_H

#include "../lib/types.h"

#define E1000_FRAME_MAX 1514	/* without the CRC, which the NIC adds */

struct e1000_stats {
	u32 rx_frames;
	u32 rx_errors;		/* descriptor error bits, or a frame split over
				 * several descriptors (never sent to us) */
	u32 tx_frames;
	u32 tx_stuck;		/* no free transmit descriptor in time */
};

/* Find the NIC, map its registers, reset it, set up the rings and read
 * the MAC address.  Returns 0, or -1 after printing why. */
int e1000_init(void);
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
