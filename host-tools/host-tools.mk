# SPDX-License-Identifier: MIT OR GPL-2.0-only
# Host tools (C, hosted).  Included by the top-level Makefile:
#   include host-tools/host-tools.mk
# Builds build/host/ltt-convert and build/host/kstub-bridge; `make
# host-tools` builds them all.  Their checks live in tests/e2e/test_ltt.py
# (which builds ltt-convert through this file if needed),
# tests/unit/test_ltt.c (the decoder), tests/e2e/test_bridge.py and
# tests/unit/test_bridge_split.c (the bridge's stream splitter).
#
# ltt-convert reuses the portable decoder (trace/ltt_decode.c) and lib/
# compiled hosted (-DKSTUB_HOSTED), with warnings as errors.  kstub-bridge
# is a hosted tool on libserialport (docs/kstub-bridge.md).

HOST_B := build/host
HOST_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -DKSTUB_HOSTED -I. \
	-D_DEFAULT_SOURCE -MMD -MP
LTT_CONVERT_SRCS := host-tools/ltt-convert.c trace/ltt_decode.c lib/fmt.c lib/string.c

$(HOST_B)/ltt-convert: $(LTT_CONVERT_SRCS) $(wildcard trace/*.h lib/*.h) host-tools/host-tools.mk
	@mkdir -p $(HOST_B)
	$(CC) $(HOST_CFLAGS) -o $@ $(LTT_CONVERT_SRCS)

BRIDGE_SRCS := host-tools/kstub-bridge.c host-tools/bridge_split.c \
	host-tools/bridge_port.c host-tools/bridge_os.c lib/string.c

$(HOST_B)/kstub-bridge: $(BRIDGE_SRCS) $(wildcard host-tools/bridge_*.h) host-tools/host-tools.mk
	@mkdir -p $(HOST_B)
	$(CC) $(HOST_CFLAGS) -o $@ $(BRIDGE_SRCS) -lserialport

# The splitter's cmocka test.  The top-level Makefile lists it in
# UNIT_BINS (tests/unit/test_*.c), so make unit and make test build and
# run it; this explicit rule overrides the test_% pattern rule so that it
# links the splitter (pure C, sanitized like the other unit tests)
# instead of libkcore.a.
$(B)/h/test_bridge_split: tests/unit/test_bridge_split.c host-tools/bridge_split.c \
		host-tools/bridge_split.h lib/string.c host-tools/host-tools.mk
	@mkdir -p $(dir $@)
	$(CC) $(HCFLAGS) tests/unit/test_bridge_split.c host-tools/bridge_split.c \
		lib/string.c -o $@ -lcmocka

host-tools: $(HOST_B)/ltt-convert $(HOST_B)/kstub-bridge

.PHONY: host-tools
