# Host tools (C, hosted).  Included by the top-level Makefile:
#   include host-tools/host-tools.mk
# Builds build/host/ltt-convert; `make host-tools` builds them all.  Their
# checks live in tests/e2e/test_ltt.py (which builds ltt-convert through
# this file if needed) and tests/unit/test_ltt.c (the decoder).
#
# ltt-convert reuses the portable decoder (trace/ltt_decode.c) and lib/
# compiled hosted (-DKSTUB_HOSTED), with warnings as errors.  The serial
# bridge (libserialport) is not written yet; its rule will go here.

HOST_B := build/host
HOST_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -DKSTUB_HOSTED -I. \
	-D_DEFAULT_SOURCE -MMD -MP
LTT_CONVERT_SRCS := host-tools/ltt-convert.c trace/ltt_decode.c lib/fmt.c lib/string.c

$(HOST_B)/ltt-convert: $(LTT_CONVERT_SRCS) $(wildcard trace/*.h lib/*.h) host-tools/host-tools.mk
	@mkdir -p $(HOST_B)
	$(CC) $(HOST_CFLAGS) -o $@ $(LTT_CONVERT_SRCS)

host-tools: $(HOST_B)/ltt-convert

.PHONY: host-tools
