# SPDX-License-Identifier: MIT OR GPL-2.0-only
# Differential test of the x86_64 decoder (arch/x86_64/decode.c) against
# Zydis 4, Debian's libzydis-dev.  Included by the top-level Makefile,
# which defines B and CC:
#
#   include tests/unit/zydis.mk
#
#   make decode-zydis                      1,000,000 cases + build/kernel.elf
#   make decode-zydis ZYDIS_CASES=20000000 ZYDIS_SEED=7
#
# The binary is named decode_zydis, not test_*, so the generic unit-test
# rule (cmocka, libkcore.a) does not pick it up.

ZYDIS_CASES ?= 1000000
ZYDIS_SEED ?= 1
ZYDIS_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -DKSTUB_HOSTED \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -MMD -MP -I.

$(B)/h/decode_zydis: tests/unit/decode_fuzz_zydis.c arch/x86_64/decode.c \
		arch/x86_64/decode.h tests/unit/zydis.mk
	@mkdir -p $(dir $@)
	$(CC) $(ZYDIS_CFLAGS) $< -o $@ -lZydis

decode-zydis: $(B)/h/decode_zydis $(B)/kernel.elf
	$(B)/h/decode_zydis -n $(ZYDIS_CASES) -s $(ZYDIS_SEED) -e $(B)/kernel.elf

.PHONY: decode-zydis
