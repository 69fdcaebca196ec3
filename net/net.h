/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * A minimal polled IPv4 host on the e1000: ARP (reply to requests for our
 * address, resolve next hops, RFC 826 merge), IPv4 with fragmentation on
 * send and reassembly on receive, UDP on one port.  Enough for the gdb
 * stub's UDP transport; no routing table (one on-link /24 and a gateway),
 * no ICMP, no options.  The wire formats live in lib/inet.c.
 *
 * Context: net_init() at boot; everything else polled with IRQs off by
 * one caller at a time (the kstub link lock serializes), from the
 * debugger or the timer tick.  No locks, no allocation after init.
 * Whatever arrives is checked before use; what fails a check is dropped
 * and counted by cause (net_print_stats()).
 */
#ifndef NET_NET_H
#define NET_NET_H

#include "../lib/types.h"

/* A whole (reassembled) UDP datagram for the listening port.  data is
 * valid only during the call. */
typedef void (*net_udp_handler)(u32 src, u16 sport, const u8 *data,
				size_t len);

/* On a NIC already up (e1000_init), take address ip/mask (host order)
 * and gateway gw, and deliver datagrams for UDP port `port` to fn.
 * Returns 0. */
int net_init(u32 ip, u32 mask, u32 gw, u16 port, net_udp_handler fn);
/* Handle the frames that have arrived (at most a ring's worth); returns
 * how many. */
unsigned net_poll(void);
/* Send one UDP datagram from our port, in IPv4 fragments when it does
 * not fit a frame.  Resolves the next hop by ARP first if needed (polling
 * for up to a second, delivering what else arrives meanwhile).  Returns
 * false when the datagram could not be sent (counted). */
bool net_udp_send(u32 dst, u16 dport, const u8 *data, size_t len);
/* One line per group of counters, for `monitor net`. */
void net_print_stats(void (*out)(const char *line));

#endif
