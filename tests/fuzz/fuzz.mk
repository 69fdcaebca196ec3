# SPDX-License-Identifier: MIT OR GPL-2.0-only
# libFuzzer targets for what comes off the wire or out of a file:
# RSP framing and command parsers (fuzz_rsp), Ethernet/ARP/IPv4/UDP
# parsing and reassembly (fuzz_net), trace dump decoding (fuzz_ltt),
# tracepoint packet parsers (fuzz_tp), agent bytecode and dprintf
# formats (fuzz_ax).
# Built with clang, libFuzzer, ASan and UBSan; included by the top-level
# Makefile, which defines B.
#
#   make fuzz                          each target for its FUZZ_RUNS_<t> inputs
#   make fuzz FUZZ_RUNS=5000000        every target for that many
#   build/fuzz/fuzz_net -max_total_time=600 build/fuzz/corpus/net
#
# Corpora grow in build/fuzz/corpus/<target>; crashes are written to
# build/fuzz/ (crash-*, with the input that reproduces it).

FUZZ_CC ?= clang
# Inputs per target in make test (10-30 s each on one core).
FUZZ_RUNS_rsp ?= 150000
FUZZ_RUNS_net ?= 500000
FUZZ_RUNS_ltt ?= 30000
FUZZ_RUNS_tp ?= 2000000
FUZZ_RUNS_ax ?= 600000
FUZZ_SEED ?= 1
FUZZ_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -DKSTUB_HOSTED -I. \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_TARGETS := rsp net ltt tp ax

FUZZ_SRCS_rsp := stub/rsp_packet.c stub/rsp_parse.c lib/string.c
FUZZ_SRCS_net := lib/inet.c lib/string.c
FUZZ_SRCS_ltt := trace/ltt_buf.c trace/ltt_ctl.c trace/ltt_decode.c \
	trace/ltt_events.c trace/ltt_meta.c lib/fmt.c lib/string.c
FUZZ_SRCS_tp := stub/tp_parse.c stub/rsp_parse.c lib/string.c
FUZZ_SRCS_ax := stub/ax.c stub/ax_printf.c lib/string.c

define fuzz_rule
$(B)/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c $$(FUZZ_SRCS_$(1)) tests/fuzz/fuzz.mk
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$< $$(FUZZ_SRCS_$(1)) -o $$@
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

fuzz-build: $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZ_TARGETS))

fuzz: fuzz-build
	@/usr/bin/python3 tests/fuzz/seeds.py $(B)/fuzz/seeds
	@for t in $(FUZZ_TARGETS); do \
		case $$t in rsp) n=$(or $(FUZZ_RUNS),$(FUZZ_RUNS_rsp));; \
			net) n=$(or $(FUZZ_RUNS),$(FUZZ_RUNS_net));; \
			tp) n=$(or $(FUZZ_RUNS),$(FUZZ_RUNS_tp));; \
			ax) n=$(or $(FUZZ_RUNS),$(FUZZ_RUNS_ax));; \
			*) n=$(or $(FUZZ_RUNS),$(FUZZ_RUNS_ltt));; esac; \
		mkdir -p $(B)/fuzz/corpus/$$t; \
		echo "fuzz_$$t: $$n runs, seed $(FUZZ_SEED)"; \
		$(B)/fuzz/fuzz_$$t -runs=$$n -seed=$(FUZZ_SEED) \
			-artifact_prefix=$(B)/fuzz/ -print_final_stats=1 \
			$(B)/fuzz/corpus/$$t $(B)/fuzz/seeds/$$t \
			> $(B)/fuzz/fuzz_$$t.log 2>&1 \
		|| { tail -60 $(B)/fuzz/fuzz_$$t.log; exit 1; }; \
		grep -E "^#[0-9]+[[:space:]]+DONE|^Done" \
			$(B)/fuzz/fuzz_$$t.log | tail -2; \
	done

.PHONY: fuzz fuzz-build
