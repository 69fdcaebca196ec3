/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * PCI configuration space through configuration mechanism #1 (ports
 * 0xCF8/0xCFC), bus 0..255 scan.  Boot time only: no locking.
 */
#ifndef KERNEL_PCI_H
#define KERNEL_PCI_H

#include "../lib/types.h"

struct pci_dev {
	u8 bus, dev, fn;
	u16 vendor, device;
};

#define PCI_COMMAND 0x04
#define PCI_CMD_MEM (1u << 1)		/* memory space decoding */
#define PCI_CMD_MASTER (1u << 2)	/* bus master: the device may DMA */
#define PCI_CMD_INTX_OFF (1u << 10)
#define PCI_BAR0 0x10

u32 pci_read32(const struct pci_dev *d, u8 off);
void pci_write32(const struct pci_dev *d, u8 off, u32 v);
/* Find the first function whose vendor matches and whose device id is in
 * ids[0..n).  Returns true and fills *out. */
bool pci_find(u16 vendor, const u16 *ids, size_t n, struct pci_dev *out);
/* Physical address of a memory BAR (32 or 64 bit), 0 if it is an I/O BAR
 * or unassigned. */
u64 pci_bar_mem(const struct pci_dev *d, int bar);
/* Turn on memory decoding and bus mastering, INTx off (we poll). */
void pci_enable_mmio_dma(const struct pci_dev *d);

#endif
