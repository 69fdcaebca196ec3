# SPDX-License-Identifier: MIT OR GPL-2.0-only
# kstub — one entry point.
#   make          build the kernel, host tools and hosted unit tests
#   make run      boot the reference kernel in QEMU (TRANSPORT=serial|udp)
#   make test     install what is missing, build, run every test
#   make bench    benchmarks and peer comparisons (prints tables)
#   make clean

B := build
CC := gcc
LD := ld
OBJCOPY := objcopy
PYTHON := /usr/bin/python3

# Freestanding code: stub/ hooks/ trace/ arch/ kernel/ lib/.  No libc
# headers (-nostdinc; only the compiler's own stdint.h & co.), no SSE/x87.
# -fno-reorder-blocks-and-partition: every function lies between its
# symbol and the next, which a jump probe's proof relies on (probe.c).
KCFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -ffreestanding -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	-fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-stack-protector -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-optimize-sibling-calls \
	-fno-delete-null-pointer-checks -fno-reorder-blocks-and-partition \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-fno-common -MMD -MP
KLDFLAGS := -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments

# The portable core, built for the kernel and hosted for unit tests.
CORE_SRCS := $(wildcard lib/*.c stub/*.c hooks/*.c trace/*.c net/*.c)
KERNEL_SRCS := $(CORE_SRCS) $(wildcard kernel/*.c kernel/port/*.c kernel/selftest/*.c \
	arch/x86_64/*.c arch/x86_64/*.S)
USER_SRCS := $(wildcard kernel/user/*.c)

KOBJS := $(patsubst %,$(B)/k/%.o,$(KERNEL_SRCS))
UOBJS := $(patsubst %,$(B)/k/%.user.o,$(USER_SRCS))

all: $(B)/kernel.elf unit-build host-tools

# Flags live here: a change to this file rebuilds everything.
$(KOBJS) $(UOBJS): Makefile

$(B)/k/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

$(B)/k/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

# Ring-3 code: its sections become .user.* so it lands in the user pages.
$(B)/k/%.c.user.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -fno-builtin -c $< -o $@.tmp
	$(OBJCOPY) --prefix-alloc-sections=.user $@.tmp $@
	@rm -f $@.tmp

# Two-pass link: the symbol table of pass 1 goes into .ksyms, which the
# linker script puts last, so pass 2 moves nothing else (checked below).
$(B)/ksyms0.S: tools/gen-ksyms.sh
	@mkdir -p $(B)
	sh tools/gen-ksyms.sh > $@
$(B)/kernel.pass1.elf: $(KOBJS) $(UOBJS) $(B)/ksyms0.o arch/x86_64/kernel.ld
	$(LD) $(KLDFLAGS) -T arch/x86_64/kernel.ld -o $@ $(KOBJS) $(UOBJS) $(B)/ksyms0.o
$(B)/ksyms.S: $(B)/kernel.pass1.elf tools/gen-ksyms.sh
	sh tools/gen-ksyms.sh $< > $@
$(B)/%.o: $(B)/%.S
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@
$(B)/kernel.elf: $(B)/kernel.pass1.elf $(B)/ksyms.o
	$(LD) $(KLDFLAGS) -T arch/x86_64/kernel.ld -o $@ $(KOBJS) $(UOBJS) $(B)/ksyms.o
	@nm -n $(B)/kernel.pass1.elf | grep -i ' t ' > $(B)/syms1.txt
	@nm -n $@ | grep -i ' t ' > $(B)/syms2.txt
	@cmp -s $(B)/syms1.txt $(B)/syms2.txt || { echo "ksyms: second link moved text symbols" >&2; rm -f $@; exit 1; }

# Hosted build of the portable core for unit tests: ASan + UBSan.
HCFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -DKSTUB_HOSTED \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -MMD -MP -I.
HOBJS := $(patsubst %,$(B)/h/%.o,$(CORE_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/h/%,$(UNIT_SRCS))

$(B)/h/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HCFLAGS) -c $< -o $@
$(B)/h/libkcore.a: $(HOBJS)
	rm -f $@
	ar rcs $@ $^
$(B)/h/test_%: tests/unit/test_%.c $(B)/h/libkcore.a
	$(CC) $(HCFLAGS) $< -o $@ $(B)/h/libkcore.a -lcmocka -lpthread

unit-build: $(UNIT_BINS) $(B)/h/decode_zydis

# Differential test of arch/x86_64/decode.c against Zydis.
include tests/unit/zydis.mk
# Host tools: ltt-convert.
include host-tools/host-tools.mk
# kstub.ko for a stock Linux kernel: make linux-module.
include mk/linux-module.mk
# libFuzzer targets: make fuzz.
include tests/fuzz/fuzz.mk

deps:
	@sh mk/deps.sh

unit: deps
	@$(MAKE) --no-print-directory unit-build
	@sh mk/run-unit.sh $(UNIT_BINS)
	$(PYTHON) -m pytest -p no:cacheprovider -q tests/unit/test_kstub_xfer.py tests/unit/test_linux_peer.py tests/unit/test_kstub_symbols.py

test: deps
	@$(MAKE) --no-print-directory all
	@sh mk/run-unit.sh $(UNIT_BINS)
	@$(MAKE) --no-print-directory decode-zydis
	@$(MAKE) --no-print-directory fuzz
	$(PYTHON) -m pytest -p no:cacheprovider -q tests/unit/test_kstub_xfer.py tests/unit/test_linux_peer.py tests/unit/test_kstub_symbols.py
	$(PYTHON) -m pytest -p no:cacheprovider tests/e2e $(PYTEST_ARGS)

TRANSPORT ?= serial
CPUS ?= 4
run: deps
	@$(MAKE) --no-print-directory $(B)/kernel.elf
	$(PYTHON) tools/run.py --transport $(TRANSPORT) --cpus $(CPUS) $(if $(UDP_PORT),--port $(UDP_PORT)) $(RUN_ARGS)

bench: deps
	@$(MAKE) --no-print-directory all
	@for b in bench/bench_*.py; do $(PYTHON) $$b || exit 1; done

clean:
	rm -rf $(B)

.PHONY: all deps unit unit-build test run bench clean
-include $(shell find $(B) -name '*.d' 2>/dev/null)
