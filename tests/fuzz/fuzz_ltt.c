/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * libFuzzer target: trace dumps as host-tools/ltt-convert reads them
 * (trace/ltt_decode.c), which must refuse any corrupt or truncated dump
 * with an error instead of reading outside it.
 *
 * Input byte 0, bit 0 clear: the rest is the dump.  Set: the rest
 * patches a real dump made at start-up by the trace writer itself (two
 * CPUs, every field type, wrapped sub-buffers): bytes 1-3 give the length
 * to cut it to, then each 4-byte record [off_hi off_mid off_lo value]
 * overwrites one byte.  Every dump is decoded from an exact-size copy,
 * so ASan sees a read past its end.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "trace/ltt.h"
#include "trace/ltt_port.h"
#include "trace/ltt_decode.h"

static unsigned cpu_now;
static u64 clock_now;
static u8 *pristine;
static size_t pristine_size;

u64 ltt_port_clock(void)
{
	return clock_now += 977;
}

unsigned ltt_port_cpu(void)
{
	return cpu_now;
}

static int on_record(const struct ltt_dec_record *r, void *arg)
{
	char buf[256];
	(void)arg;
	ltt_dec_fields(r, false, buf, sizeof(buf));
	ltt_dec_fields(r, true, buf, 16);	/* truncated output */
	return 0;
}

static int on_packet(const struct ltt_dec_packet *p, void *arg)
{
	return ltt_dec_records(arg, p, on_record, 0) < 0 ? 0 : 0;
}

static void decode(const u8 *img, size_t n)
{
	struct ltt_dec d;
	if (ltt_dec_open(&d, img, n))
		return;
	for (unsigned cpu = 0; cpu < d.a->ncpus; cpu++)
		ltt_dec_packets(&d, cpu, on_packet, &d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ltt_config cfg = {
		.ncpus = 2, .data_per_cpu = 4 * 1024, .subbuf_size = 1024,
		.n_subbufs = 4, .mode = LTT_OVERWRITE, .clock_hz = 1000000000ull,
		.uuid_seed = 7,
	};
	(void)argc;
	(void)argv;
	pristine_size = (size_t)ltt_area_size(&cfg);
	void *area = aligned_alloc(4096, ALIGN_UP(pristine_size, 4096));
	if (!area || ltt_init(area, &cfg))
		abort();
	int a = ltt_event_declare("fz:ints", "u8 a, u16 b, u32 c, u64 d, s8 e, "
				  "s16 f, s32 g, s64 h");
	int b = ltt_event_declare("fz:str", "x64 n, string s, bytes blob");
	int c = ltt_event_declare_raw("fz:raw", 64);
	if (a < 0 || b < 0 || c < 0)
		abort();
	ltt_start();
	for (u64 i = 0; i < 300; i++) {
		u64 v[8] = { i, i * 3, ~i, i << 40, (u64)-1, 5, 6, 7 };
		char raw[40];
		cpu_now = (unsigned)(i & 1);
		memset(raw, (int)i, sizeof(raw));
		if (i % 3 == 0)
			ltt_log_values((u32)a, v, 8);
		else if (i % 3 == 1)
			ltt_log_raw((u32)c, raw, (u32)(i % sizeof(raw)));
		else {
			u64 w[4] = { i, (u64)(uintptr_t)"a string", (u64)(uintptr_t)raw,
				     i % sizeof(raw) };
			ltt_log_values((u32)b, w, 4);
		}
	}
	pristine = area;
	decode(pristine, pristine_size);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (!(data[0] & 1)) {
		u8 *img = malloc(size - 1 ? size - 1 : 1);
		memcpy(img, data + 1, size - 1);
		decode(img, size - 1);
		free(img);
		return 0;
	}
	size_t n = pristine_size;
	if (size >= 4) {
		size_t cut = (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3];
		if (cut && cut < n)
			n = cut;
	}
	u8 *img = malloc(n);
	memcpy(img, pristine, n);
	for (size_t i = 4; i + 4 <= size; i += 4) {
		size_t off = ((size_t)data[i] << 16 | (size_t)data[i + 1] << 8 |
			      data[i + 2]) % n;
		img[off] = data[i + 3];
	}
	decode(img, n);
	free(img);
	return 0;
}
