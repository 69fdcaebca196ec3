// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * The UDP link on Linux: the same polled e1000 driver and UDP link as the
 * reference kernel (net/), on an Intel 8254x that no Linux driver holds
 * (Linux's e1000.ko is a module; on real machines blacklist it or unbind
 * the NIC).  netpoll cannot receive in 6.1, so the module drives the NIC
 * itself: PCI enable, BAR0 mapped, coherent DMA memory for the rings.
 */
#include <linux/kernel.h>
#include <linux/pci.h>
#include <linux/dma-mapping.h>
#include <linux/inet.h>
#include <linux/string.h>
#include "../../net/e1000.h"
#include "../../net/udp_link.h"
#include "kstub_linux.h"

static struct pci_dev *pdev;
static void __iomem *bar;
static bool regions, enabled;
static struct {
	void *cpu;
	dma_addr_t dma;
	size_t size;
} areas[4];
static char link_name[32];

static void release(void)
{
	e1000_stop();
	for (int i = 0; i < 4; i++) {
		if (areas[i].cpu)
			dma_free_coherent(&pdev->dev, areas[i].size, areas[i].cpu,
					  areas[i].dma);
		areas[i].cpu = NULL;
	}
	if (bar)
		pci_iounmap(pdev, bar);
	bar = NULL;
	if (regions)
		pci_release_regions(pdev);
	regions = false;
	if (enabled) {
		pci_clear_master(pdev);
		pci_disable_device(pdev);
	}
	enabled = false;
	if (pdev)
		pci_dev_put(pdev);
	pdev = NULL;
}

static struct pci_dev *find_nic(void)
{
	for (size_t i = 0; i < e1000_ndevice_ids; i++) {
		struct pci_dev *d = pci_get_device(PCI_VENDOR_ID_INTEL,
						   e1000_device_ids[i], NULL);
		if (d)
			return d;
	}
	return NULL;
}

/* "IP:PORT" (the module parameter after "udp:"). */
static bool parse(const char *s, u32 *ip, u16 *port)
{
	const char *colon = strrchr(s, ':');
	u8 a[4];
	unsigned p;
	if (!colon || !in4_pton(s, colon - s, a, -1, NULL) ||
	    kstrtouint(colon + 1, 10, &p) || !p || p > 65535)
		return false;
	*ip = (u32)a[0] << 24 | (u32)a[1] << 16 | (u32)a[2] << 8 | a[3];
	*port = (u16)p;
	return true;
}

const struct rsp_transport *kl_udp_init(const char *where)
{
	u32 ip;
	u16 port;
	/* The gateway (the gdb host's side): QEMU user networking's. */
	u32 gw = UDP_DEFAULT_GW;
	if (!parse(where, &ip, &port)) {
		pr_err("kstub: kstub=udp:%s: say kstub=udp:IP:PORT\n", where);
		return NULL;
	}
	pdev = find_nic();
	if (!pdev) {
		pr_err("kstub: kstub=udp:%s: no e1000 (Intel 8254x) NIC on the PCI bus\n",
		       where);
		return NULL;
	}
	if (pdev->driver) {
		pr_err("kstub: the e1000 at %s is driven by %s: unbind it (or blacklist e1000)\n",
		       pci_name(pdev), pdev->driver->name);
		goto fail;
	}
	if (pci_enable_device(pdev)) {
		pr_err("kstub: cannot enable the e1000 at %s\n", pci_name(pdev));
		goto fail;
	}
	enabled = true;
	if (pci_request_regions(pdev, "kstub")) {
		pr_err("kstub: the e1000 at %s is in use\n", pci_name(pdev));
		goto fail;
	}
	regions = true;
	pci_set_master(pdev);
	if (dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32))) {
		pr_err("kstub: no 32-bit DMA for the e1000 at %s\n", pci_name(pdev));
		goto fail;
	}
	bar = pci_iomap(pdev, 0, 0x20000);
	if (!bar) {
		pr_err("kstub: cannot map the e1000's registers\n");
		goto fail;
	}
	static const size_t sizes[4] = { E1000_RX_RING_BYTES, E1000_TX_RING_BYTES,
					 E1000_RX_BUF_BYTES, E1000_TX_BUF_BYTES };
	for (int i = 0; i < 4; i++) {
		areas[i].size = sizes[i];
		areas[i].cpu = dma_alloc_coherent(&pdev->dev, sizes[i], &areas[i].dma,
						  GFP_KERNEL);
		if (!areas[i].cpu) {
			pr_err("kstub: no DMA memory for the e1000\n");
			goto fail;
		}
	}
	struct e1000_mem m = {
		.regs = (volatile u8 __force *)bar,
		.rx_ring = areas[0].cpu, .rx_ring_dma = areas[0].dma,
		.tx_ring = areas[1].cpu, .tx_ring_dma = areas[1].dma,
		.rx_buf = areas[2].cpu, .rx_buf_dma = areas[2].dma,
		.tx_buf = areas[3].cpu, .tx_buf_dma = areas[3].dma,
	};
	if (e1000_init(&m))
		goto fail;
	const struct rsp_transport *t = udp_link_init(ip, gw, port, link_name,
						      sizeof(link_name));
	if (!t)
		goto fail;
	u8 mac[6];
	e1000_mac(mac);
	pr_info("kstub: e1000 at %s, MAC %pM, %s; gdb on %s\n", pci_name(pdev), mac,
		e1000_link(), link_name);
	return t;
fail:
	release();
	return NULL;
}

void kl_udp_exit(void)
{
	if (pdev)
		release();
}
