/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* PCI configuration mechanism #1: see pci.h. */
#include "pci.h"
#include "../arch/x86_64/cpu.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

static u32 cfg_addr(const struct pci_dev *d, u8 off)
{
	return 1u << 31 | (u32)d->bus << 16 | (u32)d->dev << 11 |
	       (u32)d->fn << 8 | (off & 0xfc);
}

u32 pci_read32(const struct pci_dev *d, u8 off)
{
	outl(PCI_ADDR, cfg_addr(d, off));
	return inl(PCI_DATA);
}

void pci_write32(const struct pci_dev *d, u8 off, u32 v)
{
	outl(PCI_ADDR, cfg_addr(d, off));
	outl(PCI_DATA, v);
}

bool pci_find(u16 vendor, const u16 *ids, size_t n, struct pci_dev *out)
{
	struct pci_dev d = { 0 };
	for (unsigned bus = 0; bus < 256; bus++) {
		for (unsigned dev = 0; dev < 32; dev++) {
			for (unsigned fn = 0; fn < 8; fn++) {
				d.bus = (u8)bus;
				d.dev = (u8)dev;
				d.fn = (u8)fn;
				u32 id = pci_read32(&d, 0);
				if ((id & 0xffff) == 0xffff) {
					if (fn == 0)
						break;	/* no device here */
					continue;
				}
				d.vendor = (u16)id;
				d.device = (u16)(id >> 16);
				for (size_t i = 0; i < n; i++) {
					if (d.vendor == vendor && d.device == ids[i]) {
						*out = d;
						return true;
					}
				}
				/* Header type bit 7: multi-function device. */
				if (fn == 0 && !(pci_read32(&d, 0x0c) & 0x800000))
					break;
			}
		}
	}
	return false;
}

u64 pci_bar_mem(const struct pci_dev *d, int bar)
{
	u8 off = (u8)(PCI_BAR0 + 4 * bar);
	u32 lo = pci_read32(d, off);
	if (lo & 1)
		return 0;			/* I/O space */
	u64 addr = lo & ~0xfull;
	if (((lo >> 1) & 3) == 2 && bar < 5)	/* 64-bit BAR */
		addr |= (u64)pci_read32(d, (u8)(off + 4)) << 32;
	return addr;
}

void pci_enable_mmio_dma(const struct pci_dev *d)
{
	u32 cmd = pci_read32(d, PCI_COMMAND);
	/* The upper half is the status register: write-1-to-clear bits,
	 * so write zeros there. */
	cmd = (cmd & 0xffff) | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_OFF;
	pci_write32(d, PCI_COMMAND, cmd);
}
