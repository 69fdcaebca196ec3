/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The reference kernel's side of the e1000 driver (net/e1000.c): find the
 * NIC on the PCI bus, map its registers, give it identity-mapped pages
 * for DMA (virtual == physical here).
 */
#include "kernel.h"
#include "pci.h"
#include "../net/e1000.h"
#include "../arch/x86_64/paging.h"

int kern_e1000_probe(void)
{
	struct pci_dev d;
	if (!pci_find(0x8086, e1000_device_ids, e1000_ndevice_ids, &d)) {
		printk("e1000: no Intel 8254x NIC on the PCI bus (QEMU: -device e1000)\n");
		return -1;
	}
	u64 bar = pci_bar_mem(&d, 0);
	if (!bar) {
		printk("e1000: %02x:%02x.%u has no memory BAR0\n", d.bus, d.dev, d.fn);
		return -1;
	}
	pci_enable_mmio_dma(&d);
	arch_map_mmio(bar, 0x20000);
	struct e1000_mem m = {
		.regs = (volatile u8 *)bar,
		.rx_ring = kalloc_pages(E1000_RX_RING_BYTES / 4096),
		.tx_ring = kalloc_pages(E1000_TX_RING_BYTES / 4096),
		.rx_buf = kalloc_pages(E1000_RX_BUF_BYTES / 4096),
		.tx_buf = kalloc_pages(E1000_TX_BUF_BYTES / 4096),
	};
	m.rx_ring_dma = (u64)m.rx_ring;
	m.tx_ring_dma = (u64)m.tx_ring;
	m.rx_buf_dma = (u64)m.rx_buf;
	m.tx_buf_dma = (u64)m.tx_buf;
	if (e1000_init(&m))
		return -1;
	u8 mac[6];
	e1000_mac(mac);
	printk("e1000: %02x:%02x.%u %04x:%04x at 0x%lx, MAC "
	       "%02x:%02x:%02x:%02x:%02x:%02x, %s\n",
	       d.bus, d.dev, d.fn, d.vendor, d.device, bar, mac[0], mac[1],
	       mac[2], mac[3], mac[4], mac[5], e1000_link());
	return 0;
}
