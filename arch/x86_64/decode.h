/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * x86_64 instruction decoder, 64-bit mode only.
 *
 * What a probe or the patch engine needs to know about one instruction:
 * its length, where its prefixes, opcode, ModRM, SIB, displacement and
 * immediate sit, whether it addresses memory relative to RIP, and how it
 * changes control flow.  It does not name registers or operands.
 *
 * "Valid" means valid in 64-bit mode on some x86-64 CPU (Intel or AMD),
 * whatever the privilege level, as Zydis 4 judges it with its default
 * settings (tests/unit/decode_fuzz_zydis.c checks this over millions of
 * byte strings).  Knights Corner (Xeon Phi KNC, MVEX) encodings, which no
 * x86-64 CPU runs, are invalid here.
 *
 * Pure computation: no locks, no allocation, never faults (it reads only
 * code[0 .. avail)), callable from any context, including the int3 and
 * trap paths.
 */
#ifndef ARCH_X86_64_DECODE_H
#define ARCH_X86_64_DECODE_H

#include "../../lib/types.h"

#define X86_MAX_INSN_LEN 15

/* Negative returns of x86_decode. */
#define X86_EINVALID (-1) /* undefined or invalid in 64-bit mode, or > 15 bytes */
#define X86_ETRUNC (-2)   /* valid so far, but needs more than avail bytes */

/* How an instruction changes RIP, beyond falling through. */
enum x86_branch {
	X86_BR_NONE,
	X86_BR_JMP_REL,  /* EB, E9: jmp rel8/rel32 */
	X86_BR_JCC_REL,  /* 7x, 0F 8x: jcc rel8/rel32 */
	X86_BR_CALL_REL, /* E8: call rel32 */
	X86_BR_LOOP_REL, /* E0-E3: loopne/loope/loop/jrcxz rel8 */
	X86_BR_JMP_IND,  /* FF /4: jmp r/m64 */
	X86_BR_CALL_IND, /* FF /2: call r/m64 */
	X86_BR_RET,      /* C3, C2 iw */
	X86_BR_IRET,     /* CF (iret, iretq) */
	X86_BR_FAR,      /* FF /3, FF /5 (far call/jmp m16:64), CA, CB (retf) */
	X86_BR_INT,      /* int3, int n, int1, syscall, sysret, sysenter,
			  * sysexit, vmcall-like exits, uiret, ... */
	X86_BR_XBEGIN,   /* C7 F8: xbegin rel16/rel32 (jumps on abort) */
};

/* Where the instruction's escape or VEX-like prefix put it. */
enum x86_encoding {
	X86_ENC_LEGACY, /* optional legacy prefixes and REX, 1-3 opcode bytes */
	X86_ENC_3DNOW,  /* 0F 0F ModRM ... suffix byte (stored as the imm8) */
	X86_ENC_VEX,    /* C5 xx or C4 xx xx */
	X86_ENC_EVEX,   /* 62 xx xx xx */
	X86_ENC_XOP,    /* 8F xx xx (AMD) */
};

enum x86_map {
	X86_MAP_1BYTE,
	X86_MAP_0F,
	X86_MAP_0F38,
	X86_MAP_0F3A,
	X86_MAP_EVEX5, /* EVEX map 5 (AVX512-FP16) */
	X86_MAP_EVEX6, /* EVEX map 6 (AVX512-FP16) */
	X86_MAP_XOP8,
	X86_MAP_XOP9,
	X86_MAP_XOPA,
};

/* insn->flags: prefixes seen. */
#define X86_F_LOCK (1u << 0)     /* F0 */
#define X86_F_REP (1u << 1)      /* F3 (also its mandatory-prefix use) */
#define X86_F_REPNE (1u << 2)    /* F2 (likewise) */
#define X86_F_OPSIZE (1u << 3)   /* 66 */
#define X86_F_ADDRSIZE (1u << 4) /* 67: 32-bit addressing */
#define X86_F_SEG (1u << 5)      /* a segment prefix; insn->seg is the last */
/* insn->flags: what a probe must know before stepping it out of line. */
#define X86_F_CHANGES_IF (1u << 8) /* cli, sti, popf, iret */
#define X86_F_LOADS_SS (1u << 9)   /* mov ss, lss: blocks interrupts and
				    * debug traps for one instruction */
#define X86_F_INT3 (1u << 10)      /* CC (not CD 03) */
#define X86_F_UD (1u << 11)        /* ud0, ud1, ud2: raise #UD on purpose */
#define X86_F_HLT (1u << 12)       /* hlt */

struct x86_insn {
	u8 len;           /* total length, 1..15 */
	u8 nprefix;       /* legacy prefix and REX bytes before the opcode
			   * (or before the VEX/EVEX/XOP prefix) */
	u8 seg;           /* last segment prefix byte (2E 36 3E 26 64 65), or 0 */
	bool rex;         /* a REX prefix is in effect */
	u8 rex_bits;      /* WRXB in bits 3..0: from REX, or from VEX/EVEX/XOP
			   * (un-inverted) */
	u8 encoding;      /* enum x86_encoding */
	u8 map;           /* enum x86_map */
	u8 vex_offset;    /* offset of the C4/C5/62/8F byte, if encoding is
			   * VEX, EVEX or XOP */
	u8 vex_size;      /* 2, 3 or 4 bytes of that prefix; 0 for legacy */
	u8 vex_pp;        /* implied prefix: 0 none, 1 66, 2 F3, 3 F2 */
	u8 vex_l;         /* vector length field: VEX.L, EVEX.L'L */
	u8 vex_vvvv;      /* extra register, un-inverted (EVEX: V' in bit 4) */
	u8 evex_aaa;      /* EVEX opmask register */
	bool evex_z;      /* EVEX zeroing */
	bool evex_b;      /* EVEX broadcast / rounding / SAE */
	u8 opcode_offset; /* offset of the first opcode byte (the 0F escape
			   * for legacy 0F maps) */
	u8 opcode_len;    /* 1-3: the opcode bytes, escapes included */
	u8 opcode[3];     /* e.g. {0F, 38, F0}; for VEX/EVEX/XOP just the
			   * opcode byte (the map is in .map) */
	bool has_modrm;
	u8 modrm;
	u8 modrm_offset;
	bool has_sib;
	u8 sib;
	u8 disp_size;     /* 0, 1, 2 or 4 bytes (moffs: 4 or 8 in imm) */
	s32 disp;         /* sign-extended displacement */
	u8 disp_offset;
	u8 imm_size;      /* total immediate bytes: 0,1,2,3 (enter),4,8;
			   * 3DNow: 1 (the suffix opcode) */
	u8 imm_offset;
	u64 imm;          /* immediate bytes, little endian, zero-extended;
			   * moffs of A0-A3 lives here too */
	bool rip_relative; /* memory operand is [rip + disp32] (or [eip +
			    * disp32] with 67) */
	u8 branch;        /* enum x86_branch */
	s32 rel;          /* signed branch displacement for *_REL, XBEGIN */
	u8 opsize;        /* operand size from 66 and REX.W (VEX/EVEX: W):
			   * 2, 4 or 8; instructions that default to 64
			   * bits (push, near branches) are not special */
	u8 addrsize;      /* address size in bytes: 4 with 67, else 8 */
	u32 flags;        /* X86_F_* */
};

/*
 * Decode the instruction at code[0 .. avail).  Returns its length (1..15)
 * and fills *out, or returns X86_EINVALID or X86_ETRUNC (*out is then
 * undefined).  Reads no byte at or beyond code[avail].
 */
int x86_decode(const u8 *code, size_t avail, struct x86_insn *out);

/* Target of a *_REL or XBEGIN branch decoded at address rip. */
static inline u64 x86_branch_target(const struct x86_insn *insn, u64 rip)
{
	return rip + insn->len + (u64)(s64)insn->rel;
}

/* Address a RIP-relative memory operand names when decoded at rip. */
static inline u64 x86_rip_target(const struct x86_insn *insn, u64 rip)
{
	return rip + insn->len + (u64)(s64)insn->disp;
}

/* Human name of a branch class, for refusal messages and tests. */
const char *x86_branch_name(enum x86_branch br);

#endif
