/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Host unit tests for the x86_64 instruction decoder (arch/x86_64/decode.c,
 * included directly: arch/ is not part of the hosted core library).
 * Hand-picked encodings: lengths, ModRM/SIB/displacement/immediate
 * placement, RIP-relative operands, branch classes, probe flags, invalid
 * and truncated input.  tests/unit/decode_fuzz_zydis.c checks the same
 * decoder against Zydis over millions of byte strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/decode.c"

/*
 * Decode hex bytes from an exactly-sized heap copy, so ASan catches any
 * read past avail.  Returns x86_decode's result.
 */
static int dec_hex(const char *hex, struct x86_insn *in)
{
	size_t n = strlen(hex) / 2;
	u8 *buf = malloc(n ? n : 1);
	int ret;

	assert_non_null(buf);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		buf[i] = (u8)v;
	}
	ret = x86_decode(buf, n, in);
	free(buf);
	return ret;
}

/* Valid instruction of the given length that uses all of the bytes. */
#define LEN(hex, n)                                                          \
	do {                                                                 \
		struct x86_insn in_;                                         \
		assert_int_equal(dec_hex(hex, &in_), n);                     \
		assert_int_equal(in_.len, n);                                \
	} while (0)

#define INVALID(hex)                                                         \
	do {                                                                 \
		struct x86_insn in_;                                         \
		assert_int_equal(dec_hex(hex, &in_), X86_EINVALID);          \
	} while (0)

#define TRUNC(hex)                                                           \
	do {                                                                 \
		struct x86_insn in_;                                         \
		assert_int_equal(dec_hex(hex, &in_), X86_ETRUNC);            \
	} while (0)

static void lengths_common(void **state)
{
	(void)state;
	LEN("90", 1);			/* nop */
	LEN("55", 1);			/* push rbp */
	LEN("4889e5", 3);		/* mov rbp, rsp */
	LEN("4883ec08", 4);		/* sub rsp, 8 */
	LEN("4881ec00010000", 7);	/* sub rsp, 0x100 */
	LEN("c3", 1);			/* ret */
	LEN("c20800", 3);		/* ret 8 */
	LEN("0f1f440000", 5);		/* 5-byte nop (hook sites) */
	LEN("660f1f440000", 6);
	LEN("662e0f1f840000000000", 10); /* nopw cs:[rax+rax*1+0] */
	LEN("f30f1efa", 4);		/* endbr64 */
	LEN("0fa2", 2);			/* cpuid */
	LEN("f390", 2);			/* pause */
	LEN("c8100001", 4);		/* enter 0x10, 1 */
	LEN("6a01", 2);			/* push 1 */
	LEN("6878563412", 5);		/* push 0x12345678 */
	LEN("66687856", 4);		/* push word 0x5678 */
	LEN("0f05", 2);			/* syscall */
	LEN("f3a4", 2);			/* rep movsb */
	LEN("d9c0", 2);			/* fld st0 */
	LEN("dd00", 2);			/* fld qword [rax] */
}

static void immediates(void **state)
{
	struct x86_insn in;

	(void)state;
	/* mov rax, imm64: REX.W turns B8+r into imm64 */
	assert_int_equal(dec_hex("48b88877665544332211", &in), 10);
	assert_int_equal(in.imm_size, 8);
	assert_int_equal(in.imm_offset, 2);
	assert_true(in.imm == 0x1122334455667788ull);
	assert_true(in.rex);
	assert_int_equal(in.rex_bits, 8);
	LEN("b878563412", 5);		/* mov eax, imm32 */
	LEN("66b83412", 4);		/* mov ax, imm16: 66 shrinks it */
	LEN("6648b88877665544332211", 11); /* REX.W wins over 66 */
	LEN("48c7c078563412", 7);	/* mov rax, simm32: no imm64 */
	/* F6/F7: only /0 and /1 (test) take an immediate */
	LEN("f6c001", 3);		/* test al, 1 */
	LEN("f7c078563412", 6);		/* test eax, imm32 */
	LEN("66f7c03412", 5);		/* test ax, imm16 */
	LEN("f7d0", 2);			/* not eax */
	LEN("f6d8", 2);			/* neg al */
	LEN("48f7e1", 3);		/* mul rcx */
	/* moffs: 8-byte address, 4 with 67 */
	assert_int_equal(dec_hex("48a18877665544332211", &in), 10);
	assert_int_equal(in.imm_size, 8);
	assert_int_equal(in.disp_size, 0);
	LEN("67a178563412", 6);
	LEN("a2efcdab8967452301", 9);	/* mov [moffs64], al */
	/* ENTER: imm16 then imm8, as one 3-byte immediate */
	assert_int_equal(dec_hex("c8341202", &in), 4);
	assert_int_equal(in.imm_size, 3);
	assert_true(in.imm == 0x021234);
	/* extrq xmm, imm8, imm8 (SSE4a) */
	LEN("660f78c00102", 6);
}

static void modrm_sib_disp(void **state)
{
	struct x86_insn in;

	(void)state;
	/* mov rax, [rsp + 8]: SIB and disp8 */
	assert_int_equal(dec_hex("488b442408", &in), 5);
	assert_true(in.has_modrm);
	assert_int_equal(in.modrm_offset, 2);
	assert_true(in.has_sib);
	assert_int_equal(in.sib, 0x24);
	assert_int_equal(in.disp_size, 1);
	assert_int_equal(in.disp, 8);
	assert_int_equal(in.disp_offset, 4);
	assert_false(in.rip_relative);
	/* mov qword [rbp - 8], 0: disp8 then imm32 */
	assert_int_equal(dec_hex("48c745f800000000", &in), 8);
	assert_int_equal(in.disp, -8);
	assert_int_equal(in.imm_size, 4);
	assert_int_equal(in.imm_offset, 4);
	/* SIB with no base: disp32 */
	assert_int_equal(dec_hex("8b04c500100000", &in), 7);
	assert_int_equal(in.disp_size, 4);
	assert_false(in.rip_relative);
	/* mod 2: disp32 */
	LEN("8b8000010000", 6);
	/* mov to and from control registers ignore ModRM.mod: no disp */
	assert_int_equal(dec_hex("0f2005", &in), 3);
	assert_int_equal(in.disp_size, 0);
	assert_false(in.rip_relative);
	LEN("0f22d8", 3);		/* mov cr3, rax */
	LEN("440f20c0", 4);		/* mov rax, cr8 */
}

static void rip_relative(void **state)
{
	struct x86_insn in;

	(void)state;
	/* lea rax, [rip + 0x1000] */
	assert_int_equal(dec_hex("488d0500100000", &in), 7);
	assert_true(in.rip_relative);
	assert_int_equal(in.disp, 0x1000);
	assert_int_equal(in.disp_offset, 3);
	assert_int_equal(in.disp_size, 4);
	assert_true(x86_rip_target(&in, 0xffffffff80000000ull) == 0xffffffff80001007ull);
	/* test byte [rip - 16], 1: the immediate follows, and the target is
	 * relative to the end of the whole instruction */
	assert_int_equal(dec_hex("f605f0ffffff01", &in), 7);
	assert_true(in.rip_relative);
	assert_int_equal(in.disp, -16);
	assert_int_equal(in.imm_size, 1);
	assert_true(x86_rip_target(&in, 0x1000) == 0x1000 + 7 - 16);
	/* cmp dword [rip + 4], imm32 */
	assert_int_equal(dec_hex("813d0400000078563412", &in), 10);
	assert_true(in.rip_relative);
	assert_int_equal(in.disp_offset, 2);
	assert_int_equal(in.imm_offset, 6);
	/* 67: eip-relative, still flagged */
	assert_int_equal(dec_hex("678b0500000000", &in), 7);
	assert_true(in.rip_relative);
	assert_int_equal(in.addrsize, 4);
	/* [rbp + disp32] via SIB is not RIP-relative */
	assert_int_equal(dec_hex("8b042500000000", &in), 7);
	assert_false(in.rip_relative);
	/* call [rip + x] is both indirect and RIP-relative */
	assert_int_equal(dec_hex("ff1500000000", &in), 6);
	assert_true(in.rip_relative);
	assert_int_equal(in.branch, X86_BR_CALL_IND);
	/* VEX and EVEX memory operands too */
	assert_int_equal(dec_hex("c5f8100510000000", &in), 8);	/* vmovups xmm0, [rip+16] */
	assert_true(in.rip_relative);
	assert_int_equal(in.encoding, X86_ENC_VEX);
	assert_int_equal(dec_hex("62f17c48580510000000", &in), 10); /* vaddps zmm0, zmm0, [rip+16] */
	assert_true(in.rip_relative);
	assert_int_equal(in.encoding, X86_ENC_EVEX);
	assert_int_equal(in.disp_offset, 6);
}

static void branches(void **state)
{
	struct x86_insn in;

	(void)state;
	assert_int_equal(dec_hex("e800010000", &in), 5);
	assert_int_equal(in.branch, X86_BR_CALL_REL);
	assert_int_equal(in.rel, 0x100);
	assert_true(x86_branch_target(&in, 0x1000) == 0x1105);
	assert_int_equal(dec_hex("e9fbffffff", &in), 5);
	assert_int_equal(in.branch, X86_BR_JMP_REL);
	assert_int_equal(in.rel, -5);
	assert_true(x86_branch_target(&in, 0x1000) == 0x1000);
	assert_int_equal(dec_hex("ebfe", &in), 2);
	assert_int_equal(in.branch, X86_BR_JMP_REL);
	assert_int_equal(in.rel, -2);
	assert_int_equal(dec_hex("7410", &in), 2);
	assert_int_equal(in.branch, X86_BR_JCC_REL);
	assert_int_equal(in.rel, 16);
	assert_int_equal(dec_hex("7f80", &in), 2);
	assert_int_equal(in.branch, X86_BR_JCC_REL);
	assert_int_equal(in.rel, -128);
	assert_int_equal(dec_hex("0f8400010000", &in), 6);
	assert_int_equal(in.branch, X86_BR_JCC_REL);
	assert_int_equal(in.rel, 0x100);
	assert_int_equal(dec_hex("0f8ffcffffff", &in), 6);
	assert_int_equal(in.branch, X86_BR_JCC_REL);
	assert_int_equal(in.rel, -4);
	/* 66 does not shrink near branches in 64-bit mode (Intel) */
	assert_int_equal(dec_hex("66e800000000", &in), 6);
	assert_int_equal(in.branch, X86_BR_CALL_REL);
	LEN("660f8400000000", 7);
	assert_int_equal(dec_hex("e2fe", &in), 2);
	assert_int_equal(in.branch, X86_BR_LOOP_REL);
	assert_int_equal(dec_hex("e300", &in), 2);	/* jrcxz */
	assert_int_equal(in.branch, X86_BR_LOOP_REL);
	assert_int_equal(dec_hex("ffd0", &in), 2);	/* call rax */
	assert_int_equal(in.branch, X86_BR_CALL_IND);
	assert_int_equal(dec_hex("41ff14c4", &in), 4);	/* call [r12 + rax*8] */
	assert_int_equal(in.branch, X86_BR_CALL_IND);
	assert_int_equal(dec_hex("ffe0", &in), 2);	/* jmp rax */
	assert_int_equal(in.branch, X86_BR_JMP_IND);
	assert_int_equal(dec_hex("ff24c500000000", &in), 7); /* jmp [rax*8 + table] */
	assert_int_equal(in.branch, X86_BR_JMP_IND);
	assert_int_equal(dec_hex("ff18", &in), 2);	/* call far [rax] */
	assert_int_equal(in.branch, X86_BR_FAR);
	assert_int_equal(dec_hex("48ff28", &in), 3);	/* jmp far [rax] */
	assert_int_equal(in.branch, X86_BR_FAR);
	INVALID("ffd8");	/* far forms need memory */
	INVALID("ffe8");
	assert_int_equal(dec_hex("c3", &in), 1);
	assert_int_equal(in.branch, X86_BR_RET);
	assert_int_equal(dec_hex("c21000", &in), 3);
	assert_int_equal(in.branch, X86_BR_RET);
	assert_int_equal(dec_hex("cb", &in), 1);
	assert_int_equal(in.branch, X86_BR_FAR);
	assert_int_equal(dec_hex("48cb", &in), 2);
	assert_int_equal(in.branch, X86_BR_FAR);
	assert_int_equal(dec_hex("ca0800", &in), 3);
	assert_int_equal(in.branch, X86_BR_FAR);
	assert_int_equal(dec_hex("cf", &in), 1);
	assert_int_equal(in.branch, X86_BR_IRET);
	assert_int_equal(dec_hex("48cf", &in), 2);	/* iretq */
	assert_int_equal(in.branch, X86_BR_IRET);
	assert_int_equal(dec_hex("c7f800010000", &in), 6);
	assert_int_equal(in.branch, X86_BR_XBEGIN);
	assert_int_equal(in.rel, 0x100);
	assert_int_equal(dec_hex("90", &in), 1);
	assert_int_equal(in.branch, X86_BR_NONE);
	assert_string_equal(x86_branch_name(X86_BR_JCC_REL), "jcc rel");
}

static void interrupts_and_flags(void **state)
{
	struct x86_insn in;

	(void)state;
	assert_int_equal(dec_hex("cc", &in), 1);
	assert_int_equal(in.branch, X86_BR_INT);
	assert_true(in.flags & X86_F_INT3);
	assert_int_equal(dec_hex("cd03", &in), 2);	/* int 3, the long form */
	assert_int_equal(in.branch, X86_BR_INT);
	assert_false(in.flags & X86_F_INT3);
	assert_int_equal(dec_hex("cd80", &in), 2);
	assert_int_equal(in.branch, X86_BR_INT);
	assert_int_equal(dec_hex("f1", &in), 1);	/* int1 */
	assert_int_equal(in.branch, X86_BR_INT);
	assert_int_equal(dec_hex("0f05", &in), 2);	/* syscall */
	assert_int_equal(in.branch, X86_BR_INT);
	assert_int_equal(dec_hex("480f07", &in), 3);	/* sysretq */
	assert_int_equal(in.branch, X86_BR_INT);
	assert_int_equal(dec_hex("0f34", &in), 2);	/* sysenter */
	assert_int_equal(in.branch, X86_BR_INT);
	assert_int_equal(dec_hex("0f01c1", &in), 3);	/* vmcall */
	assert_int_equal(in.branch, X86_BR_INT);

	assert_int_equal(dec_hex("fa", &in), 1);	/* cli */
	assert_true(in.flags & X86_F_CHANGES_IF);
	assert_int_equal(dec_hex("fb", &in), 1);	/* sti */
	assert_true(in.flags & X86_F_CHANGES_IF);
	assert_int_equal(dec_hex("9d", &in), 1);	/* popf */
	assert_true(in.flags & X86_F_CHANGES_IF);
	assert_int_equal(dec_hex("48cf", &in), 2);	/* iretq */
	assert_true(in.flags & X86_F_CHANGES_IF);
	assert_int_equal(dec_hex("9c", &in), 1);	/* pushf */
	assert_false(in.flags & X86_F_CHANGES_IF);
	assert_int_equal(dec_hex("8ed0", &in), 2);	/* mov ss, eax */
	assert_true(in.flags & X86_F_LOADS_SS);
	assert_int_equal(dec_hex("8ed8", &in), 2);	/* mov ds, eax */
	assert_false(in.flags & X86_F_LOADS_SS);
	assert_int_equal(dec_hex("0fb210", &in), 3);	/* lss edx, [rax] */
	assert_true(in.flags & X86_F_LOADS_SS);
	INVALID("17");		/* pop ss: invalid in 64-bit mode */
	INVALID("8ec8");	/* mov cs, eax */
	assert_int_equal(dec_hex("0f0b", &in), 2);	/* ud2 */
	assert_true(in.flags & X86_F_UD);
	assert_int_equal(dec_hex("f4", &in), 1);	/* hlt */
	assert_true(in.flags & X86_F_HLT);
}

static void prefixes(void **state)
{
	struct x86_insn in;

	(void)state;
	assert_int_equal(dec_hex("f0480fb111", &in), 5); /* lock cmpxchg [rcx], rdx */
	assert_int_equal(in.nprefix, 2);
	assert_true(in.flags & X86_F_LOCK);
	assert_int_equal(in.opcode_offset, 2);
	assert_int_equal(in.opcode_len, 2);
	assert_int_equal(in.opcode[0], 0x0f);
	assert_int_equal(in.opcode[1], 0xb1);
	assert_int_equal(dec_hex("64488b042528000000", &in), 9); /* mov rax, fs:[0x28] */
	assert_int_equal(in.seg, 0x64);
	assert_true(in.flags & X86_F_SEG);
	/* a REX not right before the opcode is ignored */
	assert_int_equal(dec_hex("4866b83412", &in), 5);
	assert_false(in.rex);
	assert_int_equal(in.opsize, 2);
	/* repeated prefixes are fine up to the 15-byte limit */
	LEN("6666666666666666666666666666" "90", 15);
	INVALID("666666666666666666666666666666" "90");
	LEN("2e2e2e2e2e2e2e2e2e2e2e2e2e2e" "90", 15);
	/* 15-byte limit reached through the operand bytes */
	LEN("2626f0488184880000000078563412", 15);
	INVALID("262626f0488184880000000078563412");
	/* LOCK only on read-modify-write memory forms */
	LEN("f00100", 3);
	LEN("f0480fc108", 5);		/* lock xadd */
	LEN("f00fc70e", 4);		/* lock cmpxchg8b [rsi] */
	INVALID("f001c0");
	INVALID("f090");
	INVALID("f08b00");		/* mov is not lockable */
	INVALID("f03900");		/* nor cmp */
	/* mandatory prefixes select SSE forms: the last F2/F3 wins */
	LEN("f30fb8c0", 4);		/* popcnt */
	INVALID("0fb8c0");		/* jmpe is not an x86-64 instruction */
	LEN("66f30fb8c0", 5);
	INVALID("f3f20fb8c0");
}

static void invalid_in_64bit(void **state)
{
	static const char *const bad[] = {
		"06", "07", "0e", "16", "17", "1e", "1f", "27", "2f", "37", "3f",
		"60", "61", "8200", "9a000000000000", "ce", "d40a", "d50a", "d6",
		"ea000000000000", "0f04", "0f0a", "0f0c", "0f24c0", "0f36",
		"0f39", "0f3b", "0f7a",
		"8dc0",		/* lea needs memory */
		"8f20",		/* pop r/m is /0 only */
		"c6c800",	/* C6 is /0 (mov) or F8 (xabort) only */
		"fe10", "ff38",
	};
	struct x86_insn in;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(dec_hex(bad[i], &in), X86_EINVALID);
	INVALID("620000000000");	/* EVEX with reserved bits wrong */
	INVALID("c4e0780000");		/* VEX map 0 */
	INVALID("66c5f877");		/* 66 before VEX */
	INVALID("40c5f877");		/* REX before VEX */
	INVALID("f0c5f877");		/* LOCK before VEX */
	INVALID("0f0fc09f");		/* undefined 3DNow! suffix */
	INVALID("d9d1");		/* undefined x87 register form */
	INVALID("dd28");		/* dd /5 memory form */
	INVALID("0f22c8");		/* mov cr1 */
	INVALID("440f21c0");		/* mov dr8 */
	INVALID("0f1a0500000000");	/* bndldx with a RIP-relative address */
}

static void truncated(void **state)
{
	struct x86_insn in;

	(void)state;
	assert_int_equal(x86_decode((const u8 *)"", 0, &in), X86_ETRUNC);
	TRUNC("66");
	TRUNC("f0");
	TRUNC("48");
	TRUNC("0f");
	TRUNC("0f38");
	TRUNC("e80000");
	TRUNC("488b4424");
	TRUNC("48b8112233");
	TRUNC("c5f8");
	TRUNC("62f17c48");
	TRUNC("62f17c4858");
	TRUNC("8f");		/* pop r/m or XOP: needs the next byte */
	TRUNC("c8");
	TRUNC("0f0fc0");	/* 3DNow!: suffix missing */
}

static void vector_encodings(void **state)
{
	struct x86_insn in;

	(void)state;
	assert_int_equal(dec_hex("c5f877", &in), 3);	/* vzeroupper: no ModRM */
	assert_false(in.has_modrm);
	assert_int_equal(in.encoding, X86_ENC_VEX);
	assert_int_equal(in.vex_size, 2);
	assert_int_equal(dec_hex("c4e27900c1", &in), 5);	/* vpshufb */
	assert_int_equal(in.map, X86_MAP_0F38);
	assert_int_equal(in.vex_pp, 1);
	assert_int_equal(dec_hex("c4e3790fc101", &in), 6);	/* vpalignr imm8 */
	assert_int_equal(in.imm_size, 1);
	assert_int_equal(dec_hex("62f17c4858c1", &in), 6);	/* vaddps zmm0, zmm0, zmm1 */
	assert_int_equal(in.vex_l, 2);
	assert_int_equal(in.vex_size, 4);
	assert_int_equal(dec_hex("62f17c4f58c1", &in), 6);	/* ... {k7} */
	assert_int_equal(in.evex_aaa, 7);
	INVALID("62f17c8858c1");	/* zeroing without a mask */
	INVALID("62f17c6858c1");	/* L'L = 3 */
	LEN("62f17c1858c1", 6);		/* {rn-sae}: L'L is rounding control */
	INVALID("62f1fc4858c1");	/* vaddps is W0 */
	LEN("62f57c0858c1", 6);		/* vaddph (map 5) */
	LEN("8fe878c0c001", 6);		/* XOP vprotb xmm0, xmm0, 1 */
	assert_int_equal(dec_hex("8fe978c1c0", &in), 5);	/* XOP vphaddbw */
	assert_int_equal(in.encoding, X86_ENC_XOP);
	LEN("8fc0", 2);			/* pop rax, not XOP */
	assert_int_equal(dec_hex("0f0fc09e", &in), 4);	/* pfadd mm0, mm0 */
	assert_int_equal(in.encoding, X86_ENC_3DNOW);
	assert_int_equal(in.imm, 0x9e);
	LEN("0f0f05000000009e", 8);	/* pfadd mm0, [rip] */
}

/* Random bytes of every length: no crash, no over-read (ASan), sane
 * results. */
static void random_bytes(void **state)
{
	u64 x = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		size_t n = (size_t)(i % 17);
		u8 *buf = malloc(n ? n : 1);
		struct x86_insn in;

		assert_non_null(buf);
		for (size_t j = 0; j < n; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[j] = (u8)x;
		}
		int ret = x86_decode(buf, n, &in);
		if (ret > 0) {
			assert_true((size_t)ret <= n && ret <= X86_MAX_INSN_LEN);
			assert_int_equal(in.len, ret);
			assert_true(in.disp_offset + in.disp_size <= ret);
			assert_true(in.imm_offset + in.imm_size <= ret);
			if (in.imm_size)
				assert_int_equal(in.imm_offset + in.imm_size, ret);
		} else {
			assert_true(ret == X86_EINVALID || ret == X86_ETRUNC);
			if (n >= X86_MAX_INSN_LEN)
				assert_int_equal(ret, X86_EINVALID);
		}
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lengths_common),
		cmocka_unit_test(immediates),
		cmocka_unit_test(modrm_sib_disp),
		cmocka_unit_test(rip_relative),
		cmocka_unit_test(branches),
		cmocka_unit_test(interrupts_and_flags),
		cmocka_unit_test(prefixes),
		cmocka_unit_test(invalid_in_64bit),
		cmocka_unit_test(truncated),
		cmocka_unit_test(vector_encodings),
		cmocka_unit_test(random_bytes),
	};
	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
