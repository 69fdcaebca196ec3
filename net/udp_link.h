/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * kstub's UDP link (stub/rsp_packet.h's transport) on net/net.c: one
 * packet a datagram, the session bound to the first peer, acks kept and
 * loss, duplicates and reordering survived (udp_link.c says how).  Used
 * by the reference kernel and by kstub.ko alike.
 */
#ifndef NET_UDP_LINK_H
#define NET_UDP_LINK_H

#include "../lib/types.h"
#include "../stub/rsp_packet.h"

#define UDP_DEFAULT_IP 0x0a00020f	/* 10.0.2.15: QEMU user networking */
#define UDP_DEFAULT_GW 0x0a000202	/* 10.0.2.2: its gateway, the host */
#define UDP_DEFAULT_PORT 1234

/*
 * On a NIC already up (e1000_init): address ip (a /24, host order),
 * gateway gw, gdb on UDP port `port`; registers `monitor net` and writes
 * "udp:IP:PORT" into name.  The transport, or NULL.  Boot or module
 * load, once.
 */
const struct rsp_transport *udp_link_init(u32 ip, u32 gw, u16 port,
					   char *name, size_t name_size);

#endif
