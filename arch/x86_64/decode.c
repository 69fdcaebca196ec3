/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * x86_64 instruction decoder (see decode.h).
 *
 * The decoder walks: legacy prefixes and REX, then either a VEX/EVEX/XOP
 * prefix or the legacy escapes (0F, 0F 38, 0F 3A, 0F 0F), the opcode byte,
 * ModRM, SIB, displacement and immediate.  Which of those an opcode has,
 * and whether an encoding is defined at all, comes from the tables below:
 * one descriptor per opcode (per mandatory prefix in the 0F maps), plus
 * a check function for the opcodes whose validity depends on ModRM.
 *
 * Sources: Intel SDM vol. 2 appendix A (opcode maps), AMD APM vol. 3
 * appendix A.  Zydis 4 is the reference for what counts as defined: the
 * VEX/EVEX/XOP rows were checked form by form (W, L, ModRM, masking,
 * broadcast/rounding) against its decoder, and the differential test
 * (tests/unit/decode_fuzz_zydis.c) holds both to the same answer.
 */
#include "decode.h"
#include "../../lib/string.h"

/* ------------------------------------------------------------------ */
/* Legacy opcode descriptors                                            */
/* ------------------------------------------------------------------ */

/* Immediate kinds, bits 3..0 of a descriptor. */
enum {
	I_NONE,
	I_B,      /* imm8 */
	I_W,      /* imm16 */
	I_Z,      /* imm16 with 66, else imm32 (REX.W keeps imm32); also
		   * xbegin's rel16/rel32 */
	I_V,      /* imm16 with 66, imm64 with REX.W, else imm32 (B8+r) */
	I_ENTER,  /* imm16, imm8 */
	I_MOFFS,  /* 8-byte offset, 4 with 67 (A0-A3) */
	I_REL8,   /* rel8 */
	I_REL32,  /* rel32; 66 is ignored (Intel behaviour) */
	I_GRP3,   /* F6/F7: imm8/immz for /0 and /1 (test) only */
	I_BB,     /* imm8, imm8 (extrq, insertq) */
};

#define D_IMM 0x00f
#define D_MODRM 0x010 /* has a ModRM byte */
#define D_MEM 0x020   /* ModRM must name memory */
#define D_REG 0x040   /* ModRM must name a register */
#define D_CHECK 0x080 /* validity also depends on ModRM: legacy_ok() */
#define D_VALID 0x100 /* defined; a zero descriptor is undefined */

#define X 0
#define N D_VALID
#define M (D_VALID | D_MODRM)
#define MB (M | I_B)
#define MZ (M | I_Z)
#define MM (M | D_MEM)
#define MR (M | D_REG)
#define MRB (MR | I_B)
#define MC (M | D_CHECK)
#define IB (N | I_B)
#define IW (N | I_W)
#define IZ (N | I_Z)
#define IV (N | I_V)
#define J8 (N | I_REL8)
#define J32 (N | I_REL32)

/*
 * One-byte map in 64-bit mode.  Prefixes, REX (40-4F), 0F and the
 * VEX/EVEX/XOP bytes (C4, C5, 62, 8F with XOP map) never get here.
 */
static const u16 map_1byte[256] = {
	/* 00 */ M, M, M, M, IB, IZ, X, X, M, M, M, M, IB, IZ, X, X,
	/* 10 */ M, M, M, M, IB, IZ, X, X, M, M, M, M, IB, IZ, X, X,
	/* 20 */ M, M, M, M, IB, IZ, X, X, M, M, M, M, IB, IZ, X, X,
	/* 30 */ M, M, M, M, IB, IZ, X, X, M, M, M, M, IB, IZ, X, X,
	/* 40 */ X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	/* 50 */ N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
	/* 60 */ X, X, X, M, X, X, X, X, IZ, MZ, IB, MB, N, N, N, N,
	/* 70 */ J8, J8, J8, J8, J8, J8, J8, J8,
		 J8, J8, J8, J8, J8, J8, J8, J8,
	/* 80 */ MB, MZ, X, MB, M, M, M, M, M, M, M, M, MC, MM, MC, MC,
	/* 90 */ N, N, N, N, N, N, N, N, N, N, X, N, N, N, N, N,
	/* A0 */ N | I_MOFFS, N | I_MOFFS, N | I_MOFFS, N | I_MOFFS,
		 N, N, N, N, IB, IZ, N, N, N, N, N, N,
	/* B0 */ IB, IB, IB, IB, IB, IB, IB, IB, IV, IV, IV, IV, IV, IV, IV, IV,
	/* C0 */ MB, MB, IW, N, X, X, MB | D_CHECK, MZ | D_CHECK,
		 N | I_ENTER, N, IW, N, N, IB, X, N,
	/* D0 */ M, M, M, M, X, X, X, N, MC, MC, MC, MC, MC, MC, MC, MC,
	/* E0 */ J8, J8, J8, J8, IB, IB, IB, IB, J32, J32, X, J8, N, N, N, N,
	/* F0 */ X, N, X, X, N, N, M | I_GRP3, M | I_GRP3,
		 N, N, N, N, N, N, MC, MC,
};

/*
 * Two- and three-byte maps: one descriptor per mandatory prefix, column
 * 0 none, 1 66, 2 F3, 3 F2.  The last F2/F3 wins over earlier ones and
 * over 66, as on hardware.  ANY() rows ignore the prefixes.
 */
#define ANY(d) { d, d, d, d }
#define P(np, p66, pf3, pf2) { np, p66, pf3, pf2 }

static const u16 map_0f[256][4] = {
	[0x00] = ANY(MC),	/* sldt str lldt ltr verr verw */
	[0x01] = ANY(MC),	/* sgdt ... invlpg, and the 0F 01 C0-FF forms */
	[0x02] = ANY(M),	/* lar */
	[0x03] = ANY(M),	/* lsl */
	[0x05] = ANY(N),	/* syscall */
	[0x06] = ANY(N),	/* clts */
	[0x07] = ANY(N),	/* sysret */
	[0x08] = ANY(N),	/* invd */
	[0x09] = ANY(N),	/* wbinvd */
	[0x0b] = ANY(N),	/* ud2 */
	[0x0d] = ANY(M),	/* prefetch, prefetchw, hint nops */
	[0x0e] = ANY(N),	/* femms */
	[0x10] = P(M, M, M, M),	/* movups movupd movss movsd */
	[0x11] = P(M, M, M, M),
	[0x12] = P(M, MM, M, M),	/* movlps/movhlps movlpd movsldup movddup */
	[0x13] = P(MM, MM, X, X),	/* movlps movlpd (store) */
	[0x14] = P(M, M, X, X),	/* unpcklps/pd */
	[0x15] = P(M, M, X, X),	/* unpckhps/pd */
	[0x16] = P(M, MM, M, X),	/* movhps/movlhps movhpd movshdup */
	[0x17] = P(MM, MM, X, X),	/* movhps movhpd (store) */
	[0x18] = ANY(M),	/* prefetchnta/t0/t1/t2, hint nops */
	[0x19] = ANY(M),	/* hint nops */
	[0x1a] = ANY(MC),	/* bndldx bndmov bndcl bndcu, hint nop */
	[0x1b] = ANY(MC),	/* bndstx bndmov bndmk bndcn, hint nop */
	[0x1c] = ANY(M),	/* cldemote, hint nops */
	[0x1d] = ANY(M),	/* hint nops */
	[0x1e] = ANY(M),	/* endbr64/32, rdssp, hint nops */
	[0x1f] = ANY(M),	/* nop r/m */
	[0x20] = ANY(MC),	/* mov r64, crN (ModRM.mod ignored) */
	[0x21] = ANY(MC),	/* mov r64, drN */
	[0x22] = ANY(MC),	/* mov crN, r64 */
	[0x23] = ANY(MC),	/* mov drN, r64 */
	[0x28] = P(M, M, X, X),	/* movaps movapd */
	[0x29] = P(M, M, X, X),
	[0x2a] = P(M, M, M, M),	/* cvtpi2ps cvtpi2pd cvtsi2ss cvtsi2sd */
	[0x2b] = P(MM, MM, MM, MM),	/* movntps movntpd movntss movntsd */
	[0x2c] = P(M, M, M, M),	/* cvtt*2pi / cvtt*2si */
	[0x2d] = P(M, M, M, M),	/* cvt*2pi / cvt*2si */
	[0x2e] = P(M, M, X, X),	/* ucomiss ucomisd */
	[0x2f] = P(M, M, X, X),	/* comiss comisd */
	[0x30] = ANY(N),	/* wrmsr */
	[0x31] = ANY(N),	/* rdtsc */
	[0x32] = ANY(N),	/* rdmsr */
	[0x33] = ANY(N),	/* rdpmc */
	[0x34] = ANY(N),	/* sysenter */
	[0x35] = ANY(N),	/* sysexit */
	[0x37] = P(N, X, X, X),	/* getsec */
	[0x40 ... 0x4f] = ANY(M),	/* cmovcc */
	[0x50] = P(MR, MR, X, X),	/* movmskps movmskpd */
	[0x51] = P(M, M, M, M),	/* sqrt */
	[0x52] = P(M, X, M, X),	/* rsqrtps rsqrtss */
	[0x53] = P(M, X, M, X),	/* rcpps rcpss */
	[0x54 ... 0x57] = P(M, M, X, X),	/* and andn or xor ps/pd */
	[0x58 ... 0x5a] = P(M, M, M, M),	/* add mul cvt */
	[0x5b] = P(M, M, M, X),	/* cvtdq2ps cvtps2dq cvttps2dq */
	[0x5c ... 0x5f] = P(M, M, M, M),	/* sub min div max */
	[0x60 ... 0x6b] = P(M, M, X, X),	/* punpck*, pack*, pcmpgt* */
	[0x6c] = P(X, M, X, X),	/* punpcklqdq */
	[0x6d] = P(X, M, X, X),	/* punpckhqdq */
	[0x6e] = P(M, M, X, X),	/* movd/movq */
	[0x6f] = P(M, M, M, X),	/* movq movdqa movdqu */
	[0x70] = P(MB, MB, MB, MB),	/* pshufw pshufd pshufhw pshuflw */
	[0x71] = P(MRB | D_CHECK, MRB | D_CHECK, X, X),	/* psrlw psraw psllw */
	[0x72] = P(MRB | D_CHECK, MRB | D_CHECK, X, X),	/* psrld psrad pslld */
	[0x73] = P(MRB | D_CHECK, MRB | D_CHECK, X, X),	/* psrlq psrldq psllq pslldq */
	[0x74 ... 0x76] = P(M, M, X, X),	/* pcmpeq* */
	[0x77] = P(N, X, X, X),	/* emms */
	[0x78] = P(M, MR | I_BB | D_CHECK, X, MR | I_BB),	/* vmread extrq insertq */
	[0x79] = P(M, MR, X, MR),	/* vmwrite extrq insertq */
	[0x7c] = P(X, M, X, M),	/* haddpd haddps */
	[0x7d] = P(X, M, X, M),	/* hsubpd hsubps */
	[0x7e] = P(M, M, M, X),	/* movd/q */
	[0x7f] = P(M, M, M, X),	/* movq movdqa movdqu */
	[0x80 ... 0x8f] = ANY(J32),	/* jcc rel32 */
	[0x90 ... 0x9f] = ANY(M),	/* setcc */
	[0xa0] = ANY(N),	/* push fs */
	[0xa1] = ANY(N),	/* pop fs */
	[0xa2] = ANY(N),	/* cpuid */
	[0xa3] = ANY(M),	/* bt */
	[0xa4] = ANY(MB),	/* shld imm8 */
	[0xa5] = ANY(M),	/* shld cl */
	[0xa6] = ANY(MC),	/* VIA PadLock: montmul xsha1 xsha256 */
	[0xa7] = ANY(MC),	/* VIA PadLock: xstore xcrypt* */
	[0xa8] = ANY(N),	/* push gs */
	[0xa9] = ANY(N),	/* pop gs */
	[0xaa] = ANY(N),	/* rsm */
	[0xab] = ANY(M),	/* bts */
	[0xac] = ANY(MB),	/* shrd imm8 */
	[0xad] = ANY(M),	/* shrd cl */
	[0xae] = ANY(MC),	/* fxsave ... clflush, fences, fsgsbase */
	[0xaf] = ANY(M),	/* imul */
	[0xb0] = ANY(M),	/* cmpxchg */
	[0xb1] = ANY(M),
	[0xb2] = ANY(MM),	/* lss */
	[0xb3] = ANY(M),	/* btr */
	[0xb4] = ANY(MM),	/* lfs */
	[0xb5] = ANY(MM),	/* lgs */
	[0xb6] = ANY(M),	/* movzx */
	[0xb7] = ANY(M),
	[0xb8] = P(X, X, M, X),	/* popcnt */
	[0xb9] = ANY(M),	/* ud1 */
	[0xba] = ANY(MB | D_CHECK),	/* bt bts btr btc imm8 */
	[0xbb] = ANY(M),	/* btc */
	[0xbc] = ANY(M),	/* bsf, tzcnt */
	[0xbd] = ANY(M),	/* bsr, lzcnt */
	[0xbe] = ANY(M),	/* movsx */
	[0xbf] = ANY(M),
	[0xc0] = ANY(M),	/* xadd */
	[0xc1] = ANY(M),
	[0xc2] = P(MB, MB, MB, MB),	/* cmpps cmppd cmpss cmpsd */
	[0xc3] = P(MM, X, X, X),	/* movnti */
	[0xc4] = P(MB, MB, X, X),	/* pinsrw */
	[0xc5] = P(MRB, MRB, X, X),	/* pextrw */
	[0xc6] = P(MB, MB, X, X),	/* shufps shufpd */
	[0xc7] = ANY(MC),	/* cmpxchg8b/16b, vmptrld ..., rdrand, rdseed */
	[0xc8 ... 0xcf] = ANY(N),	/* bswap */
	[0xd0] = P(X, M, X, M),	/* addsubpd addsubps */
	[0xd1 ... 0xd5] = P(M, M, X, X),
	[0xd6] = P(X, M, MR, MR),	/* movq movq2dq movdq2q */
	[0xd7] = P(MR, MR, X, X),	/* pmovmskb */
	[0xd8 ... 0xdf] = P(M, M, X, X),
	[0xe0 ... 0xe5] = P(M, M, X, X),
	[0xe6] = P(X, M, M, M),	/* cvttpd2dq cvtdq2pd cvtpd2dq */
	[0xe7] = P(MM, MM, X, X),	/* movntq movntdq */
	[0xe8 ... 0xef] = P(M, M, X, X),
	[0xf0] = P(X, X, X, MM),	/* lddqu */
	[0xf1 ... 0xf6] = P(M, M, X, X),
	[0xf7] = P(MR, MR, X, X),	/* maskmovq maskmovdqu */
	[0xf8 ... 0xfe] = P(M, M, X, X),
	[0xff] = ANY(M),	/* ud0 */
};

static const u16 map_0f38[256][4] = {
	[0x00 ... 0x0b] = P(M, M, X, X),	/* pshufb ... pmulhrsw (MMX, SSE) */
	[0x10] = P(X, M, X, X),	/* pblendvb */
	[0x14] = P(X, M, X, X),	/* blendvps */
	[0x15] = P(X, M, X, X),	/* blendvpd */
	[0x17] = P(X, M, X, X),	/* ptest */
	[0x1c ... 0x1e] = P(M, M, X, X),	/* pabsb pabsw pabsd */
	[0x20 ... 0x25] = P(X, M, X, X),	/* pmovsx* */
	[0x28] = P(X, M, X, X),	/* pmuldq */
	[0x29] = P(X, M, X, X),	/* pcmpeqq */
	[0x2a] = P(X, MM, X, X),	/* movntdqa */
	[0x2b] = P(X, M, X, X),	/* packusdw */
	[0x30 ... 0x35] = P(X, M, X, X),	/* pmovzx* */
	[0x37 ... 0x41] = P(X, M, X, X),	/* pcmpgtq pmin* pmax* pmulld phminposuw */
	[0x80 ... 0x82] = P(X, MM, X, X),	/* invept invvpid invpcid */
	[0xc8 ... 0xcd] = P(M, X, X, X),	/* sha1* sha256* */
	[0xcf] = P(X, M, X, X),	/* gf2p8mulb */
	[0xd8] = P(X, X, MM | D_CHECK, X),	/* aes{enc,dec}wide{128,256}kl */
	[0xdb] = P(X, M, X, X),	/* aesimc */
	[0xdc] = P(X, M, M, X),	/* aesenc; aesenc128kl, loadiwkey */
	[0xdd ... 0xdf] = P(X, M, MM, X),	/* aesenclast ...; aes*kl */
	[0xf0] = P(MM, MM, X, M),	/* movbe; crc32 */
	[0xf1] = P(MM, MM, X, M),
	[0xf5] = P(X, MM, X, X),	/* wrussd/q */
	[0xf6] = P(MM, M, M, X),	/* wrssd/q adcx adox */
	[0xf8] = P(X, MM, MM, MM),	/* movdir64b enqcmds enqcmd */
	[0xf9] = P(MM, X, X, X),	/* movdiri */
	[0xfa] = P(X, X, MR, X),	/* encodekey128 */
	[0xfb] = P(X, X, MR, X),	/* encodekey256 */
};

static const u16 map_0f3a[256][4] = {
	[0x08 ... 0x0e] = P(X, MB, X, X),	/* round* blend* pblendw */
	[0x0f] = P(MB, MB, X, X),	/* palignr */
	[0x14 ... 0x17] = P(X, MB, X, X),	/* pextrb/w/d/q extractps */
	[0x20 ... 0x22] = P(X, MB, X, X),	/* pinsrb insertps pinsrd/q */
	[0x40 ... 0x42] = P(X, MB, X, X),	/* dpps dppd mpsadbw */
	[0x44] = P(X, MB, X, X),	/* pclmulqdq */
	[0x60 ... 0x63] = P(X, MB, X, X),	/* pcmp[ei]str[im] */
	[0xcc] = P(MB, X, X, X),	/* sha1rnds4 */
	[0xce] = P(X, MB, X, X),	/* gf2p8affineqb */
	[0xcf] = P(X, MB, X, X),	/* gf2p8affineinvqb */
	[0xdf] = P(X, MB, X, X),	/* aeskeygenassist */
	[0xf0] = P(X, X, MRB | D_CHECK, X),	/* hreset */
};

#undef X
#undef N
#undef M
#undef MB
#undef MZ
#undef MM
#undef MR
#undef MRB
#undef MC
#undef IB
#undef IW
#undef IZ
#undef IV
#undef J8
#undef J32
#undef ANY
#undef P

/* 3DNow! suffix opcodes (0F 0F ModRM ... suffix), AMD APM vol. 3. */
static bool amd3dnow_ok(u8 suffix)
{
	switch (suffix) {
	case 0x0c: case 0x0d: case 0x1c: case 0x1d: /* pi2fw pi2fd pf2iw pf2id */
	case 0x8a: case 0x8e: /* pfnacc pfpnacc */
	case 0x90: case 0x94: case 0x96: case 0x97: /* pfcmpge pfmin pfrcp pfrsqrt */
	case 0x9a: case 0x9e: /* pfsub pfadd */
	case 0xa0: case 0xa4: case 0xa6: case 0xa7: /* pfcmpgt pfmax pfrcpit1 pfrsqit1 */
	case 0xaa: case 0xae: /* pfsubr pfacc */
	case 0xb0: case 0xb4: case 0xb6: case 0xb7: /* pfcmpeq pfmul pfrcpit2 pmulhrw */
	case 0xbb: case 0xbf: /* pswapd pavgusb */
		return true;
	}
	return false;
}

/* Bit (modrm - 0xC0) of a mask of register-form ModRM values. */
#define RF(lo, hi) ((~0ull >> (63 - ((hi) - 0xc0))) & (~0ull << ((lo) - 0xc0)))

/* x87 escapes D8-DF: the memory forms and register forms not defined. */
static bool x87_ok(u8 op, u8 modrm)
{
	static const u64 bad_reg[8] = {
		[1] = RF(0xd1, 0xd7) | RF(0xe2, 0xe3) | RF(0xe6, 0xe7) | RF(0xef, 0xef),
		[2] = RF(0xe0, 0xe8) | RF(0xea, 0xff),
		[3] = RF(0xe5, 0xe7) | RF(0xf8, 0xff),
		[5] = RF(0xf0, 0xff),
		[6] = RF(0xd8, 0xd8) | RF(0xda, 0xdf),
		[7] = RF(0xe1, 0xe7) | RF(0xf8, 0xff),
	};
	u8 reg = (modrm >> 3) & 7;

	if (modrm < 0xc0) {
		switch (op) {
		case 0xd9: return reg != 1;
		case 0xdb: return reg != 4 && reg != 6;
		case 0xdd: return reg != 5;
		}
		return true;
	}
	return !((bad_reg[op & 7] >> (modrm - 0xc0)) & 1);
}

/*
 * 0F 01 register forms (ModRM C0-FF) per mandatory prefix.  Some are
 * defined whatever the prefix, the others only with the one given.
 */
static bool grp7_reg_ok(u8 mp, u8 modrm)
{
	static const u64 any = RF(0xd8, 0xdf) /* vmrun vmmcall vmload vmsave
						 stgi clgi skinit invlpga */
		| RF(0xe0, 0xe7) /* smsw */ | RF(0xf0, 0xf7) /* lmsw */
		| RF(0xf8, 0xf9) /* swapgs rdtscp */ | RF(0xfc, 0xfd); /* clzero rdpru */
	static const u64 only[4] = {
		/* none: enclv vmcall vmlaunch vmresume vmxoff pconfig,
		 * monitor mwait clac stac, encls, xgetbv xsetbv, vmfunc
		 * xend xtest enclu, serialize, rdpkru wrpkru, monitorx
		 * mwaitx, invlpgb tlbsync */
		RF(0xc0, 0xc5) | RF(0xc8, 0xcb) | RF(0xcf, 0xd1) | RF(0xd4, 0xd7) |
			RF(0xe8, 0xe8) | RF(0xee, 0xef) | RF(0xfa, 0xfb) | RF(0xfe, 0xff),
		/* 66: tdcall seamret seamops seamcall */
		RF(0xcc, 0xcf),
		/* F3: setssbsy saveprevssp uiret testui clui stui mcommit
		 * rmpadjust psmash */
		RF(0xe8, 0xe8) | RF(0xea, 0xea) | RF(0xec, 0xef) | RF(0xfa, 0xfa) |
			RF(0xfe, 0xff),
		/* F2: xsusldtrk xresldtrk rmpupdate pvalidate */
		RF(0xe8, 0xe9) | RF(0xfe, 0xff),
	};
	return ((any | only[mp]) >> (modrm - 0xc0)) & 1;
}

#undef RF

/* Mandatory prefix index: 0 none, 1 66, 2 F3, 3 F2. */
enum { MP_NONE, MP_66, MP_F3, MP_F2 };

/* ModRM-dependent validity of the D_CHECK opcodes. */
static bool legacy_ok(u8 map, u8 op, u8 mp, u8 modrm, u8 rex)
{
	u8 reg = (modrm >> 3) & 7;
	bool mem = modrm < 0xc0;
	bool rex_r = rex & 4;

	if (map == X86_MAP_1BYTE) {
		switch (op) {
		case 0x8c: return reg < 6;		/* mov r/m, sreg */
		case 0x8e: return reg < 6 && reg != 1;	/* mov sreg, r/m: not cs */
		case 0x8f: return reg == 0;		/* pop r/m */
		case 0xc6: /* mov r/m8, imm8; xabort */
		case 0xc7: /* mov r/m, immz; xbegin */
			return reg == 0 || modrm == 0xf8;
		case 0xfe: return reg < 2;		/* inc dec r/m8 */
		case 0xff: /* inc dec call callf jmp jmpf push; far forms need memory */
			return reg != 7 && (mem || (reg != 3 && reg != 5));
		}
		return x87_ok(op, modrm);
	}
	if (map == X86_MAP_0F38)
		return reg < 4;	/* F3 0F 38 D8: aes*wide*kl */
	if (map == X86_MAP_0F3A)
		return modrm == 0xc0;	/* F3 0F 3A F0 C0: hreset */

	switch (op) {
	case 0x00:
		return reg < 6;
	case 0x01:
		if (mem)	/* /5 is rstorssp, F3 only */
			return reg != 5 || mp == MP_F3;
		return grp7_reg_ok(mp, modrm);
	case 0x1a:
	case 0x1b:
		/*
		 * MPX.  Names bnd0-3 in ModRM.reg, except the register forms
		 * with no prefix (and F3 0F 1B), which stay hint nops.
		 */
		if (!mem && (mp == MP_NONE || (op == 0x1b && mp == MP_F3)))
			return true;
		if (reg >= 4 || rex_r)
			return false;
		/* bndmov bnd, bnd: ModRM.rm names bnd0-3 too */
		if (!mem && mp == MP_66)
			return (modrm & 7) < 4 && !(rex & 1);
		/* bndldx, bndstx, bndmk take no RIP-relative address */
		if ((modrm & 0xc7) == 0x05)
			return mp != MP_NONE && !(op == 0x1b && mp == MP_F3);
		return true;
	case 0x20:
	case 0x22:	/* cr0, cr2, cr3, cr4, cr8 */
		return (0x11d >> (reg | (rex_r ? 8 : 0))) & 1;
	case 0x21:
	case 0x23:	/* dr0-dr7 */
		return !rex_r;
	case 0x71:
	case 0x72:	/* /2 srl, /4 sra, /6 sll */
		return reg == 2 || reg == 4 || reg == 6;
	case 0x73:	/* /2 psrlq, /6 psllq; with 66 also /3 psrldq, /7 pslldq */
		return reg == 2 || reg == 6 || (mp == MP_66 && (reg == 3 || reg == 7));
	case 0x78:	/* 66: extrq xmm, imm8, imm8 is /0 */
		return reg == 0;
	case 0xa6:	/* F3: montmul, xsha1, xsha256 */
		return mp == MP_F3 && (modrm == 0xc0 || modrm == 0xc8 || modrm == 0xd0);
	case 0xa7:	/* xstore; F3: xcrypt-ecb/cbc/ctr/cfb/ofb */
		if (mp == MP_F3)
			return modrm >= 0xc0 && modrm <= 0xe8 && !(modrm & 7);
		return mp != MP_F2 && modrm == 0xc0;
	case 0xae:
		if (mem) {
			switch (mp) {
			case MP_NONE: return true;	/* fxsave ... clflush */
			case MP_66: return reg >= 6;	/* clwb clflushopt */
			case MP_F3: return reg == 4 || reg == 6; /* ptwrite clrssbsy */
			}
			return false;
		}
		switch (mp) {
		case MP_NONE: return reg >= 5;	/* lfence mfence sfence */
		case MP_66: return reg == 6;	/* tpause */
		case MP_F3: return reg != 7;	/* rd/wr fs/gs base, ptwrite,
						 * incssp, umonitor */
		}
		return reg == 6;		/* umwait */
	case 0xba:	/* /4 bt, /5 bts, /6 btr, /7 btc */
		return reg >= 4;
	case 0xc7:
		if (mem) {
			switch (mp) {
			case MP_NONE: /* cmpxchg8b, xrstors xsavec xsaves vmptrld vmptrst */
				return reg == 1 || reg >= 3;
			case MP_66: /* vmclear */
			case MP_F3: /* vmxon */
				return reg == 1 || reg == 6;
			}
			return reg == 1;
		}
		/* rdrand rdseed; F3: senduipi rdpid */
		return reg >= 6 && mp != MP_F2;
	}
	return true;
}

/* LOCK is only allowed on these read-modify-write memory forms. */
static bool lock_ok(u8 map, u8 op, u8 modrm)
{
	u8 reg = (modrm >> 3) & 7;

	if (modrm >= 0xc0)
		return false;
	if (map == X86_MAP_1BYTE) {
		if (op < 0x38 && (op & 7) < 2)	/* add or adc sbb and sub xor */
			return true;
		switch (op) {
		case 0x80: case 0x81: case 0x83: return reg != 7;	/* not cmp */
		case 0x86: case 0x87: return true;	/* xchg */
		case 0xf6: case 0xf7: return reg == 2 || reg == 3;	/* not neg */
		case 0xfe: case 0xff: return reg < 2;	/* inc dec */
		}
		return false;
	}
	if (map != X86_MAP_0F)
		return false;
	switch (op) {
	case 0xab: case 0xb3: case 0xbb:	/* bts btr btc */
	case 0xb0: case 0xb1:	/* cmpxchg */
	case 0xc0: case 0xc1:	/* xadd */
		return true;
	case 0xba: return reg >= 5;	/* bts btr btc imm8 */
	case 0xc7: return reg == 1;	/* cmpxchg8b/16b */
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Byte fetching                                                        */
/* ------------------------------------------------------------------ */

struct dec {
	const u8 *code;
	size_t avail;
	u8 pos;
};

/* Bytes [pos, pos + n) must fit in 15 and in avail. */
static int need(const struct dec *d, unsigned n)
{
	if (d->pos + n > X86_MAX_INSN_LEN)
		return X86_EINVALID;
	if (d->pos + n > d->avail)
		return X86_ETRUNC;
	return 0;
}

static u64 get_le(const u8 *p, unsigned n)
{
	u64 v = 0;
	while (n--)
		v = (v << 8) | p[n];
	return v;
}

/* ModRM at d->pos, then SIB and displacement: fills the insn fields. */
static int read_modrm(struct dec *d, struct x86_insn *in, bool mod_ignored)
{
	int err = need(d, 1);
	u8 mod, rm;

	if (err)
		return err;
	in->has_modrm = true;
	in->modrm_offset = d->pos;
	in->modrm = d->code[d->pos++];
	mod = in->modrm >> 6;
	rm = in->modrm & 7;
	if (mod == 3 || mod_ignored)
		return 0;
	if (rm == 4) {
		if ((err = need(d, 1)))
			return err;
		in->has_sib = true;
		in->sib = d->code[d->pos++];
		if (mod == 0 && (in->sib & 7) == 5)
			in->disp_size = 4;
	} else if (mod == 0 && rm == 5) {
		in->disp_size = 4;
		in->rip_relative = true;
	}
	if (mod == 1)
		in->disp_size = 1;
	else if (mod == 2)
		in->disp_size = 4;
	if (in->disp_size) {
		if ((err = need(d, in->disp_size)))
			return err;
		in->disp_offset = d->pos;
		if (in->disp_size == 1)
			in->disp = (s8)d->code[d->pos];
		else
			in->disp = (s32)(u32)get_le(d->code + d->pos, 4);
		d->pos += in->disp_size;
	}
	return 0;
}

static int read_imm(struct dec *d, struct x86_insn *in, unsigned size)
{
	int err;

	if (!size)
		return 0;
	if ((err = need(d, size)))
		return err;
	in->imm_offset = d->pos;
	in->imm_size = size;
	in->imm = get_le(d->code + d->pos, size);
	d->pos += size;
	return 0;
}

/* Sign-extend the immediate into rel, for relative branches. */
static void set_rel(struct x86_insn *in)
{
	switch (in->imm_size) {
	case 1: in->rel = (s8)in->imm; break;
	case 2: in->rel = (s16)in->imm; break;
	default: in->rel = (s32)(u32)in->imm; break;
	}
}

/* ------------------------------------------------------------------ */
/* Branch class and probe flags of legacy instructions                  */
/* ------------------------------------------------------------------ */

static void classify_legacy(struct x86_insn *in, u8 map, u8 op, u8 mp)
{
	u8 reg = (in->modrm >> 3) & 7;

	if (map == X86_MAP_1BYTE) {
		switch (op) {
		case 0x70 ... 0x7f: in->branch = X86_BR_JCC_REL; break;
		case 0xe0 ... 0xe3: in->branch = X86_BR_LOOP_REL; break;
		case 0xe8: in->branch = X86_BR_CALL_REL; break;
		case 0xe9: case 0xeb: in->branch = X86_BR_JMP_REL; break;
		case 0xc2: case 0xc3: in->branch = X86_BR_RET; break;
		case 0xca: case 0xcb: in->branch = X86_BR_FAR; break;
		case 0xcf:
			in->branch = X86_BR_IRET;
			in->flags |= X86_F_CHANGES_IF;
			break;
		case 0xcc:
			in->branch = X86_BR_INT;
			in->flags |= X86_F_INT3;
			break;
		case 0xcd: case 0xf1: in->branch = X86_BR_INT; break;
		case 0xc7:
			if (in->modrm == 0xf8)
				in->branch = X86_BR_XBEGIN;
			break;
		case 0xff:
			if (reg == 2)
				in->branch = X86_BR_CALL_IND;
			else if (reg == 4)
				in->branch = X86_BR_JMP_IND;
			else if (reg == 3 || reg == 5)
				in->branch = X86_BR_FAR;
			break;
		case 0x9d: case 0xfa: case 0xfb:	/* popf cli sti */
			in->flags |= X86_F_CHANGES_IF;
			break;
		case 0x8e:
			if (reg == 2)	/* mov ss */
				in->flags |= X86_F_LOADS_SS;
			break;
		case 0xf4:
			in->flags |= X86_F_HLT;
			break;
		}
		if (in->branch == X86_BR_JMP_REL || in->branch == X86_BR_JCC_REL ||
		    in->branch == X86_BR_CALL_REL || in->branch == X86_BR_LOOP_REL ||
		    in->branch == X86_BR_XBEGIN)
			set_rel(in);
		return;
	}
	if (map != X86_MAP_0F)
		return;
	switch (op) {
	case 0x80 ... 0x8f:
		in->branch = X86_BR_JCC_REL;
		set_rel(in);
		break;
	case 0x05: case 0x07: case 0x34: case 0x35:	/* syscall sysret sysenter sysexit */
	case 0xaa:	/* rsm */
		in->branch = X86_BR_INT;
		break;
	case 0x01:
		/* Exits to another context: vmcall vmlaunch vmresume,
		 * vmrun vmmcall, tdcall seamret seamcall, uiret. */
		switch (in->modrm) {
		case 0xc1: case 0xc2: case 0xc3:
			if (mp == MP_NONE)
				in->branch = X86_BR_INT;
			break;
		case 0xd8: case 0xd9:
			in->branch = X86_BR_INT;
			break;
		case 0xcc: case 0xcd: case 0xcf:
			if (mp == MP_66)
				in->branch = X86_BR_INT;
			break;
		case 0xec:
			if (mp == MP_F3)
				in->branch = X86_BR_INT;
			break;
		}
		break;
	case 0x0b: case 0xb9: case 0xff:	/* ud2 ud1 ud0 */
		in->flags |= X86_F_UD;
		break;
	case 0xb2:	/* lss */
		in->flags |= X86_F_LOADS_SS;
		break;
	}
}

/* ------------------------------------------------------------------ */
/* VEX and XOP                                                          */
/* ------------------------------------------------------------------ */

/*
 * One row per opcode range of a (map, implied prefix) pair; an encoding
 * is valid when some row accepts its W, L, ModRM form and registers.
 * Maps 1-3 are VEX 0F, 0F38, 0F3A; 8-10 are XOP maps 8, 9, 0Ah.
 */
struct vex_row {
	u8 mpp;		/* map << 2 | pp (0 none, 1 66, 2 F3, 3 F2) */
	u8 lo, hi;	/* opcode range */
	u8 wl;		/* allowed (W, L) pairs: bit W * 2 + L */
	u8 mregs;	/* ModRM.reg values allowed with a memory operand */
	u8 rregs;	/* ... and with a register operand */
	u16 flags;
};

#define VF_NDS 0x001	/* vvvv names a register (else it must be 1111b) */
#define VF_IMM8 0x002
#define VF_IMM32 0x004
#define VF_KREG 0x008	/* ModRM.reg names k0-k7 */
#define VF_KRM 0x010	/* ModRM.rm (register form) names k0-k7; VEX.B
			 * and X are ignored for it */
#define VF_KV 0x020	/* vvvv names k0-k7 */
#define VF_VSIB 0x040	/* gather: SIB index is a vector; dest, index and
			 * mask registers must differ */
#define VF_TMM 0x080	/* AMX: reg, rm and vvvv name distinct tmm0-7 */
#define VF_SIB 0x100	/* memory operand needs a SIB byte */
#define VF_NOMODRM 0x200
#define VF_RM0 0x400	/* register form with ModRM.rm = 0 only */

#define WA 0xf		/* any W, any L */
#define L0 0x5		/* any W, L = 0 */
#define L1 0xa		/* any W, L = 1 */
#define W0 0x3		/* W = 0, any L */
#define W1 0xc
#define W0L0 0x1
#define W0L1 0x2
#define W1L0 0x4
#define W1L1 0x8
#define BOTH 0xff, 0xff	/* memory or register, any ModRM.reg */
#define MEM 0xff, 0x00
#define REG 0x00, 0xff
#define RG(m, r) m, r
#define V(m, pp, lo, hi, wl, regs, fl) { (m) << 2 | (pp), lo, hi, wl, regs, fl }
#define K3 (VF_KREG | VF_KRM | VF_KV | VF_NDS)	/* kandw k1, k2, k3 */
#define K2 (VF_KREG | VF_KRM)			/* knotw k1, k2 */
#define NDS VF_NDS
#define I8 VF_IMM8

static const struct vex_row vex_rows[] = {
	/* VEX 0F, no prefix */
	V(1, 0, 0x10, 0x11, WA, BOTH, 0),		/* vmovups */
	V(1, 0, 0x12, 0x12, L0, BOTH, NDS),		/* vmovlps vmovhlps */
	V(1, 0, 0x13, 0x13, L0, MEM, 0),		/* vmovlps m64, xmm */
	V(1, 0, 0x14, 0x15, WA, BOTH, NDS),		/* vunpck[lh]ps */
	V(1, 0, 0x16, 0x16, L0, BOTH, NDS),		/* vmovhps vmovlhps */
	V(1, 0, 0x17, 0x17, L0, MEM, 0),		/* vmovhps m64, xmm */
	V(1, 0, 0x28, 0x29, WA, BOTH, 0),		/* vmovaps */
	V(1, 0, 0x2b, 0x2b, WA, MEM, 0),		/* vmovntps */
	V(1, 0, 0x2e, 0x2f, WA, BOTH, 0),		/* vucomiss vcomiss */
	V(1, 0, 0x41, 0x42, L1, REG, K3),		/* kandw/q kandnw/q */
	V(1, 0, 0x44, 0x44, L0, REG, K2),		/* knotw/q */
	V(1, 0, 0x45, 0x47, L1, REG, K3),		/* korw/q kxnorw/q kxorw/q */
	V(1, 0, 0x4a, 0x4b, L1, REG, K3),		/* kaddw/q kunpckwd/dq */
	V(1, 0, 0x50, 0x50, WA, REG, 0),		/* vmovmskps */
	V(1, 0, 0x51, 0x53, WA, BOTH, 0),		/* vsqrtps vrsqrtps vrcpps */
	V(1, 0, 0x54, 0x59, WA, BOTH, NDS),		/* vand vandn vor vxor vadd vmul */
	V(1, 0, 0x5a, 0x5b, WA, BOTH, 0),		/* vcvtps2pd vcvtdq2ps */
	V(1, 0, 0x5c, 0x5f, WA, BOTH, NDS),		/* vsub vmin vdiv vmax */
	V(1, 0, 0x77, 0x77, WA, BOTH, VF_NOMODRM),	/* vzeroupper vzeroall */
	V(1, 0, 0x90, 0x90, L0, BOTH, K2),		/* kmovw/q k, k/m */
	V(1, 0, 0x91, 0x91, L0, MEM, VF_KREG),		/* kmovw/q m, k */
	V(1, 0, 0x92, 0x92, W0L0, REG, VF_KREG),	/* kmovw k, r32 */
	V(1, 0, 0x93, 0x93, W0L0, REG, VF_KRM),		/* kmovw r32, k */
	V(1, 0, 0x98, 0x99, L0, REG, K2),		/* kortestw/q ktestw/q */
	V(1, 0, 0xae, 0xae, L0, RG(0x0c, 0x00), 0),		/* vldmxcsr vstmxcsr */
	V(1, 0, 0xc2, 0xc2, WA, BOTH, NDS | I8),	/* vcmpps */
	V(1, 0, 0xc6, 0xc6, WA, BOTH, NDS | I8),	/* vshufps */

	/* VEX 66 0F */
	V(1, 1, 0x10, 0x11, WA, BOTH, 0),		/* vmovupd */
	V(1, 1, 0x12, 0x12, L0, MEM, NDS),		/* vmovlpd */
	V(1, 1, 0x13, 0x13, L0, MEM, 0),
	V(1, 1, 0x14, 0x15, WA, BOTH, NDS),		/* vunpck[lh]pd */
	V(1, 1, 0x16, 0x16, L0, MEM, NDS),		/* vmovhpd */
	V(1, 1, 0x17, 0x17, L0, MEM, 0),
	V(1, 1, 0x28, 0x29, WA, BOTH, 0),		/* vmovapd */
	V(1, 1, 0x2b, 0x2b, WA, MEM, 0),		/* vmovntpd */
	V(1, 1, 0x2e, 0x2f, WA, BOTH, 0),		/* vucomisd vcomisd */
	V(1, 1, 0x41, 0x42, L1, REG, K3),		/* kandb/d kandnb/d */
	V(1, 1, 0x44, 0x44, L0, REG, K2),		/* knotb/d */
	V(1, 1, 0x45, 0x47, L1, REG, K3),		/* korb/d kxnorb/d kxorb/d */
	V(1, 1, 0x4a, 0x4a, L1, REG, K3),		/* kaddb/d */
	V(1, 1, 0x4b, 0x4b, W0L1, REG, K3),		/* kunpckbw */
	V(1, 1, 0x50, 0x50, WA, REG, 0),		/* vmovmskpd */
	V(1, 1, 0x51, 0x51, WA, BOTH, 0),		/* vsqrtpd */
	V(1, 1, 0x54, 0x59, WA, BOTH, NDS),
	V(1, 1, 0x5a, 0x5b, WA, BOTH, 0),		/* vcvtpd2ps vcvtps2dq */
	V(1, 1, 0x5c, 0x6d, WA, BOTH, NDS),		/* vsub ... vpunpckhqdq */
	V(1, 1, 0x6e, 0x6e, L0, BOTH, 0),		/* vmovd/q xmm, r/m */
	V(1, 1, 0x6f, 0x6f, WA, BOTH, 0),		/* vmovdqa */
	V(1, 1, 0x70, 0x70, WA, BOTH, I8),		/* vpshufd */
	V(1, 1, 0x71, 0x72, WA, RG(0x00, 0x54), NDS | I8),	/* vpsrl/sra/sll w/d imm */
	V(1, 1, 0x73, 0x73, WA, RG(0x00, 0xcc), NDS | I8),	/* vpsrlq vpsrldq vpsllq vpslldq */
	V(1, 1, 0x74, 0x76, WA, BOTH, NDS),		/* vpcmpeq[bwd] */
	V(1, 1, 0x7c, 0x7d, WA, BOTH, NDS),		/* vhaddpd vhsubpd */
	V(1, 1, 0x7e, 0x7e, L0, BOTH, 0),		/* vmovd/q r/m, xmm */
	V(1, 1, 0x7f, 0x7f, WA, BOTH, 0),		/* vmovdqa */
	V(1, 1, 0x90, 0x90, L0, BOTH, K2),		/* kmovb/d k, k/m */
	V(1, 1, 0x91, 0x91, L0, MEM, VF_KREG),
	V(1, 1, 0x92, 0x92, W0L0, REG, VF_KREG),	/* kmovb k, r32 */
	V(1, 1, 0x93, 0x93, W0L0, REG, VF_KRM),		/* kmovb r32, k */
	V(1, 1, 0x98, 0x99, L0, REG, K2),		/* kortestb/d ktestb/d */
	V(1, 1, 0xc2, 0xc2, WA, BOTH, NDS | I8),	/* vcmppd */
	V(1, 1, 0xc4, 0xc4, L0, BOTH, NDS | I8),	/* vpinsrw */
	V(1, 1, 0xc5, 0xc5, L0, REG, I8),		/* vpextrw */
	V(1, 1, 0xc6, 0xc6, WA, BOTH, NDS | I8),	/* vshufpd */
	V(1, 1, 0xd0, 0xd5, WA, BOTH, NDS),		/* vaddsubpd vpsrl* vpaddq vpmullw */
	V(1, 1, 0xd6, 0xd6, L0, BOTH, 0),		/* vmovq */
	V(1, 1, 0xd7, 0xd7, WA, REG, 0),		/* vpmovmskb */
	V(1, 1, 0xd8, 0xe5, WA, BOTH, NDS),
	V(1, 1, 0xe6, 0xe6, WA, BOTH, 0),		/* vcvttpd2dq */
	V(1, 1, 0xe7, 0xe7, WA, MEM, 0),		/* vmovntdq */
	V(1, 1, 0xe8, 0xef, WA, BOTH, NDS),
	V(1, 1, 0xf1, 0xf6, WA, BOTH, NDS),
	V(1, 1, 0xf7, 0xf7, L0, REG, 0),		/* vmaskmovdqu */
	V(1, 1, 0xf8, 0xfe, WA, BOTH, NDS),

	/* VEX F3 0F */
	V(1, 2, 0x10, 0x11, WA, MEM, 0),		/* vmovss m32 */
	V(1, 2, 0x10, 0x11, WA, REG, NDS),		/* vmovss xmm, xmm, xmm */
	V(1, 2, 0x12, 0x12, WA, BOTH, 0),		/* vmovsldup */
	V(1, 2, 0x16, 0x16, WA, BOTH, 0),		/* vmovshdup */
	V(1, 2, 0x2a, 0x2a, WA, BOTH, NDS),		/* vcvtsi2ss */
	V(1, 2, 0x2c, 0x2d, WA, BOTH, 0),		/* vcvt(t)ss2si */
	V(1, 2, 0x51, 0x53, WA, BOTH, NDS),		/* vsqrtss vrsqrtss vrcpss */
	V(1, 2, 0x58, 0x5a, WA, BOTH, NDS),		/* vaddss vmulss vcvtss2sd */
	V(1, 2, 0x5b, 0x5b, WA, BOTH, 0),		/* vcvttps2dq */
	V(1, 2, 0x5c, 0x5f, WA, BOTH, NDS),
	V(1, 2, 0x6f, 0x6f, WA, BOTH, 0),		/* vmovdqu */
	V(1, 2, 0x70, 0x70, WA, BOTH, I8),		/* vpshufhw */
	V(1, 2, 0x7e, 0x7e, L0, BOTH, 0),		/* vmovq */
	V(1, 2, 0x7f, 0x7f, WA, BOTH, 0),		/* vmovdqu */
	V(1, 2, 0xc2, 0xc2, WA, BOTH, NDS | I8),	/* vcmpss */
	V(1, 2, 0xe6, 0xe6, WA, BOTH, 0),		/* vcvtdq2pd */

	/* VEX F2 0F */
	V(1, 3, 0x10, 0x11, WA, MEM, 0),		/* vmovsd m64 */
	V(1, 3, 0x10, 0x11, WA, REG, NDS),
	V(1, 3, 0x12, 0x12, WA, BOTH, 0),		/* vmovddup */
	V(1, 3, 0x2a, 0x2a, WA, BOTH, NDS),		/* vcvtsi2sd */
	V(1, 3, 0x2c, 0x2d, WA, BOTH, 0),
	V(1, 3, 0x51, 0x51, WA, BOTH, NDS),		/* vsqrtsd */
	V(1, 3, 0x58, 0x5a, WA, BOTH, NDS),
	V(1, 3, 0x5c, 0x5f, WA, BOTH, NDS),
	V(1, 3, 0x70, 0x70, WA, BOTH, I8),		/* vpshuflw */
	V(1, 3, 0x7c, 0x7d, WA, BOTH, NDS),		/* vhaddps vhsubps */
	V(1, 3, 0x92, 0x92, L0, REG, VF_KREG),		/* kmovd/q k, r */
	V(1, 3, 0x93, 0x93, L0, REG, VF_KRM),		/* kmovd/q r, k */
	V(1, 3, 0xc2, 0xc2, WA, BOTH, NDS | I8),	/* vcmpsd */
	V(1, 3, 0xd0, 0xd0, WA, BOTH, NDS),		/* vaddsubps */
	V(1, 3, 0xe6, 0xe6, WA, BOTH, 0),		/* vcvtpd2dq */
	V(1, 3, 0xf0, 0xf0, WA, MEM, 0),		/* vlddqu */

	/* VEX 0F38, no prefix */
	V(2, 0, 0x49, 0x49, W0L0, RG(0x01, 0x00), 0),	/* ldtilecfg */
	V(2, 0, 0x49, 0x49, W0L0, RG(0x00, 0x01), VF_RM0),	/* tilerelease */
	V(2, 0, 0x5e, 0x5e, W0L0, REG, VF_TMM | NDS),	/* tdpbuud */
	V(2, 0, 0xf2, 0xf2, L0, BOTH, NDS),		/* andn */
	V(2, 0, 0xf3, 0xf3, L0, RG(0x0e, 0x0e), NDS),	/* blsr blsmsk blsi */
	V(2, 0, 0xf5, 0xf5, L0, BOTH, NDS),		/* bzhi */
	V(2, 0, 0xf7, 0xf7, L0, BOTH, NDS),		/* bextr */

	/* VEX 66 0F38 */
	V(2, 1, 0x00, 0x0b, WA, BOTH, NDS),		/* vpshufb ... vpmulhrsw */
	V(2, 1, 0x0c, 0x0d, W0, BOTH, NDS),		/* vpermilps/pd */
	V(2, 1, 0x0e, 0x0f, W0, BOTH, 0),		/* vtestps/pd */
	V(2, 1, 0x13, 0x13, W0, BOTH, 0),		/* vcvtph2ps */
	V(2, 1, 0x16, 0x16, W0L1, BOTH, NDS),		/* vpermps */
	V(2, 1, 0x17, 0x17, WA, BOTH, 0),		/* vptest */
	V(2, 1, 0x18, 0x18, W0, BOTH, 0),		/* vbroadcastss */
	V(2, 1, 0x19, 0x19, W0L1, BOTH, 0),		/* vbroadcastsd */
	V(2, 1, 0x1a, 0x1a, W0L1, MEM, 0),		/* vbroadcastf128 */
	V(2, 1, 0x1c, 0x1e, WA, BOTH, 0),		/* vpabs[bwd] */
	V(2, 1, 0x20, 0x25, WA, BOTH, 0),		/* vpmovsx* */
	V(2, 1, 0x28, 0x29, WA, BOTH, NDS),		/* vpmuldq vpcmpeqq */
	V(2, 1, 0x2a, 0x2a, WA, MEM, 0),		/* vmovntdqa */
	V(2, 1, 0x2b, 0x2b, WA, BOTH, NDS),		/* vpackusdw */
	V(2, 1, 0x2c, 0x2f, W0, MEM, NDS),		/* vmaskmovps/pd */
	V(2, 1, 0x30, 0x35, WA, BOTH, 0),		/* vpmovzx* */
	V(2, 1, 0x36, 0x36, W0L1, BOTH, NDS),		/* vpermd */
	V(2, 1, 0x37, 0x40, WA, BOTH, NDS),		/* vpcmpgtq vpmin* vpmax* vpmulld */
	V(2, 1, 0x41, 0x41, L0, BOTH, 0),		/* vphminposuw */
	V(2, 1, 0x45, 0x45, WA, BOTH, NDS),		/* vpsrlvd/q */
	V(2, 1, 0x46, 0x46, W0, BOTH, NDS),		/* vpsravd */
	V(2, 1, 0x47, 0x47, WA, BOTH, NDS),		/* vpsllvd/q */
	V(2, 1, 0x49, 0x49, W0L0, RG(0x01, 0x00), 0),	/* sttilecfg */
	V(2, 1, 0x4b, 0x4b, W0L0, MEM, VF_TMM | VF_SIB),	/* tileloaddt1 */
	V(2, 1, 0x50, 0x53, W0, BOTH, NDS),		/* vpdpbusd(s) vpdpwssd(s) */
	V(2, 1, 0x58, 0x59, W0, BOTH, 0),		/* vpbroadcastd/q */
	V(2, 1, 0x5a, 0x5a, W0L1, MEM, 0),		/* vbroadcasti128 */
	V(2, 1, 0x5e, 0x5e, W0L0, REG, VF_TMM | NDS),	/* tdpbusd */
	V(2, 1, 0x78, 0x79, W0, BOTH, 0),		/* vpbroadcastb/w */
	V(2, 1, 0x8c, 0x8c, WA, MEM, NDS),		/* vpmaskmovd/q load */
	V(2, 1, 0x8e, 0x8e, WA, MEM, NDS),		/* vpmaskmovd/q store */
	V(2, 1, 0x90, 0x93, WA, MEM, NDS | VF_VSIB),	/* vpgather* vgather* */
	V(2, 1, 0x96, 0x9f, WA, BOTH, NDS),		/* vfmadd...132 */
	V(2, 1, 0xa6, 0xaf, WA, BOTH, NDS),		/* ...213 */
	V(2, 1, 0xb6, 0xbf, WA, BOTH, NDS),		/* ...231 */
	V(2, 1, 0xcf, 0xcf, W0, BOTH, NDS),		/* vgf2p8mulb */
	V(2, 1, 0xdb, 0xdb, L0, BOTH, 0),		/* vaesimc */
	V(2, 1, 0xdc, 0xdf, WA, BOTH, NDS),		/* vaesenc ... vaesdeclast */
	V(2, 1, 0xf7, 0xf7, L0, BOTH, NDS),		/* shlx */

	/* VEX F3 0F38 */
	V(2, 2, 0x4b, 0x4b, W0L0, MEM, VF_TMM | VF_SIB),	/* tilestored */
	V(2, 2, 0x5c, 0x5c, W0L0, REG, VF_TMM | NDS),	/* tdpbf16ps */
	V(2, 2, 0x5e, 0x5e, W0L0, REG, VF_TMM | NDS),	/* tdpbsud */
	V(2, 2, 0xf5, 0xf5, L0, BOTH, NDS),		/* pext */
	V(2, 2, 0xf7, 0xf7, L0, BOTH, NDS),		/* sarx */

	/* VEX F2 0F38 */
	V(2, 3, 0x49, 0x49, W0L0, REG, VF_TMM | VF_RM0),	/* tilezero */
	V(2, 3, 0x4b, 0x4b, W0L0, MEM, VF_TMM | VF_SIB),	/* tileloadd */
	V(2, 3, 0x5e, 0x5e, W0L0, REG, VF_TMM | NDS),	/* tdpbssd */
	V(2, 3, 0xf5, 0xf7, L0, BOTH, NDS),		/* pdep mulx shrx */

	/* VEX 66 0F3A */
	V(3, 1, 0x00, 0x01, W1L1, BOTH, I8),		/* vpermq vpermpd */
	V(3, 1, 0x02, 0x02, W0, BOTH, NDS | I8),	/* vpblendd */
	V(3, 1, 0x04, 0x05, W0, BOTH, I8),		/* vpermilps/pd */
	V(3, 1, 0x06, 0x06, W0L1, BOTH, NDS | I8),	/* vperm2f128 */
	V(3, 1, 0x08, 0x09, WA, BOTH, I8),		/* vroundps/pd */
	V(3, 1, 0x0a, 0x0f, WA, BOTH, NDS | I8),	/* vroundss/sd vblend* vpalignr */
	V(3, 1, 0x14, 0x17, L0, BOTH, I8),		/* vpextr[bwdq] vextractps */
	V(3, 1, 0x18, 0x18, W0L1, BOTH, NDS | I8),	/* vinsertf128 */
	V(3, 1, 0x19, 0x19, W0L1, BOTH, I8),		/* vextractf128 */
	V(3, 1, 0x1d, 0x1d, W0, BOTH, I8),		/* vcvtps2ph */
	V(3, 1, 0x20, 0x22, L0, BOTH, NDS | I8),	/* vpinsrb vinsertps vpinsrd/q */
	V(3, 1, 0x30, 0x33, L0, REG, K2 | I8),		/* kshiftr/l */
	V(3, 1, 0x38, 0x38, W0L1, BOTH, NDS | I8),	/* vinserti128 */
	V(3, 1, 0x39, 0x39, W0L1, BOTH, I8),		/* vextracti128 */
	V(3, 1, 0x40, 0x40, WA, BOTH, NDS | I8),	/* vdpps */
	V(3, 1, 0x41, 0x41, L0, BOTH, NDS | I8),	/* vdppd */
	V(3, 1, 0x42, 0x42, WA, BOTH, NDS | I8),	/* vmpsadbw */
	V(3, 1, 0x44, 0x44, WA, BOTH, NDS | I8),	/* vpclmulqdq */
	V(3, 1, 0x46, 0x46, W0L1, BOTH, NDS | I8),	/* vperm2i128 */
	V(3, 1, 0x48, 0x49, WA, BOTH, NDS | I8),	/* vpermil2ps/pd (XOP era) */
	V(3, 1, 0x4a, 0x4c, W0, BOTH, NDS | I8),	/* vblendvps/pd vpblendvb */
	V(3, 1, 0x5c, 0x5f, WA, BOTH, NDS | I8),	/* FMA4 vfmaddsub... */
	V(3, 1, 0x60, 0x63, L0, BOTH, I8),		/* vpcmp[ei]str[im] */
	V(3, 1, 0x68, 0x6f, WA, BOTH, NDS | I8),	/* FMA4 */
	V(3, 1, 0x78, 0x7f, WA, BOTH, NDS | I8),	/* FMA4 */
	V(3, 1, 0xce, 0xcf, W1, BOTH, NDS | I8),	/* vgf2p8affine(inv)qb */
	V(3, 1, 0xdf, 0xdf, L0, BOTH, I8),		/* vaeskeygenassist */

	/* VEX F2 0F3A */
	V(3, 3, 0xf0, 0xf0, L0, BOTH, I8),		/* rorx */

	/* XOP map 8 (all take an imm8) */
	V(8, 0, 0x85, 0x87, W0L0, BOTH, NDS | I8),	/* vpmacssww ... */
	V(8, 0, 0x8e, 0x8f, W0L0, BOTH, NDS | I8),
	V(8, 0, 0x95, 0x97, W0L0, BOTH, NDS | I8),
	V(8, 0, 0x9e, 0x9f, W0L0, BOTH, NDS | I8),
	V(8, 0, 0xa2, 0xa2, WA, BOTH, NDS | I8),	/* vpcmov */
	V(8, 0, 0xa3, 0xa3, L0, BOTH, NDS | I8),	/* vpperm */
	V(8, 0, 0xa6, 0xa6, W0L0, BOTH, NDS | I8),	/* vpmadcsswd */
	V(8, 0, 0xb6, 0xb6, W0L0, BOTH, NDS | I8),	/* vpmadcswd */
	V(8, 0, 0xc0, 0xc3, W0L0, BOTH, I8),		/* vprot[bwdq] imm */
	V(8, 0, 0xcc, 0xcf, W0L0, BOTH, NDS | I8),	/* vpcom[bwdq] */
	V(8, 0, 0xec, 0xef, W0L0, BOTH, NDS | I8),	/* vpcomu[bwdq] */

	/* XOP map 9 */
	V(9, 0, 0x01, 0x01, L0, RG(0xfe, 0xfe), NDS),	/* TBM blcfill ... t1mskc */
	V(9, 0, 0x02, 0x02, L0, RG(0x42, 0x42), NDS),	/* blcmsk blci */
	V(9, 0, 0x12, 0x12, L0, RG(0x00, 0x03), 0),		/* llwpcb slwpcb */
	V(9, 0, 0x80, 0x81, W0, BOTH, 0),		/* vfrczps/pd */
	V(9, 0, 0x82, 0x83, W0L0, BOTH, 0),		/* vfrczss/sd */
	V(9, 0, 0x90, 0x9b, L0, BOTH, NDS),		/* vprot vpshl vpsha */
	V(9, 0, 0xc1, 0xc3, W0L0, BOTH, 0),		/* vphaddb[wdq] */
	V(9, 0, 0xc6, 0xc7, W0L0, BOTH, 0),		/* vphaddw[dq] */
	V(9, 0, 0xcb, 0xcb, W0L0, BOTH, 0),		/* vphadddq */
	V(9, 0, 0xd1, 0xd3, W0L0, BOTH, 0),		/* vphaddub[wdq] */
	V(9, 0, 0xd6, 0xd7, W0L0, BOTH, 0),		/* vphadduw[dq] */
	V(9, 0, 0xdb, 0xdb, W0L0, BOTH, 0),		/* vphaddudq */
	V(9, 0, 0xe1, 0xe3, W0L0, BOTH, 0),		/* vphsub* */

	/* XOP map 0Ah (imm32) */
	V(10, 0, 0x10, 0x10, L0, BOTH, VF_IMM32),	/* bextr */
	V(10, 0, 0x12, 0x12, L0, RG(0x03, 0x03), NDS | VF_IMM32),	/* lwpins lwpval */
};

/* Fields of a VEX, XOP or EVEX prefix, un-inverted. */
struct vfields {
	u8 map, pp, w, l;
	u8 r, x, b;	/* R, X, B (EVEX: R' in bit 1 of r, X doubles as
			 * the high bit of ModRM.rm for vector registers) */
	u8 vvvv;	/* EVEX: V' in bit 4 */
	u8 aaa;
	bool z, bc;	/* EVEX z, b */
};

static bool vex_row_ok(const struct vex_row *r, const struct vfields *v,
		       const struct x86_insn *in)
{
	bool mem = in->has_modrm && in->modrm < 0xc0;
	u8 reg = (in->modrm >> 3) & 7, rm = in->modrm & 7;

	if (!((r->wl >> (v->w * 2 + v->l)) & 1))
		return false;
	if (!(r->flags & VF_NOMODRM) && !(((mem ? r->mregs : r->rregs) >> reg) & 1))
		return false;
	if (!(r->flags & VF_NDS) && v->vvvv)
		return false;
	if ((r->flags & VF_KREG) && v->r)
		return false;
	if ((r->flags & VF_KV) && v->vvvv > 7)
		return false;
	if ((r->flags & VF_RM0) && rm)
		return false;
	if ((r->flags & VF_SIB) && !in->has_sib)
		return false;
	if ((r->flags & VF_TMM) && v->r)
		return false;
	if ((r->flags & VF_TMM) && (r->flags & VF_NDS)) {
		/* tdp*: three distinct tile registers */
		if (v->b || v->vvvv > 7 || reg == rm || reg == v->vvvv ||
		    rm == v->vvvv)
			return false;
	}
	if (r->flags & VF_VSIB) {
		u8 dest = reg | v->r << 3;
		u8 index = ((in->sib >> 3) & 7) | v->x << 3;

		if (!in->has_sib || dest == index || dest == v->vvvv || index == v->vvvv)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* EVEX                                                                 */
/* ------------------------------------------------------------------ */

/*
 * As vex_rows, for EVEX maps 1-3 (0F, 0F38, 0F3A) and 5-6 (FP16).  L'L
 * is the vector length (0-2) unless EVEX.b is set on a register form,
 * where it is the rounding control (ER) or ignored (SAE).
 */
struct evex_row {
	u8 mpp;		/* map << 2 | pp */
	u8 lo, hi;
	u8 wl;		/* bit 0 W0, bit 1 W1, bits 2-4 L'L 0, 1, 2 allowed */
	u8 mregs;
	u8 rregs;
	u16 flags;
};

#define EF_NDS VF_NDS	/* vvvv:V' name a register (else all zero) */
#define EF_IMM8 VF_IMM8
#define EF_BC 0x004	/* EVEX.b with memory: embedded broadcast */
#define EF_ER 0x008	/* EVEX.b with registers: rounding control or SAE */
#define EF_NOK 0x010	/* no opmask */
#define EF_KREQ 0x020	/* opmask k1-k7 required (gathers, scatters) */
#define EF_NOZ 0x040	/* no zeroing-masking */
#define EF_MDEST 0x080	/* no zeroing-masking with a memory operand
			 * (it is the destination) */
#define EF_VSIB 0x100	/* SIB index is a vector register (V' extends it) */
#define EF_KD 0x200	/* ModRM.reg names k0-k7: R and R' clear, no
			 * zeroing */
#define EF_DIST 0x400	/* destination differs from the other registers */
#define EF_GPR 0x800	/* ModRM.reg names a general register: R' clear */

#define EW0 0x01
#define EW1 0x02
#define EWIG 0x03
#define EL0 0x04
#define EL12 0x18
#define EL2 0x10
#define ELA 0x1c
#define E(m, pp, lo, hi, w, ll, regs, fl) { (m) << 2 | (pp), lo, hi, (w) | (ll), regs, fl }
#define BC EF_BC
#define ER EF_ER
#define NOK EF_NOK
#define KREQ EF_KREQ
#define NOZ EF_NOZ
#define MDEST EF_MDEST
#define VSIB EF_VSIB
#define KD EF_KD

static const struct evex_row evex_rows[] = {
	/* EVEX 0F, no prefix */
	E(1, 0, 0x10, 0x10, EW0, ELA, BOTH, 0),	/* vmovups */
	E(1, 0, 0x11, 0x11, EW0, ELA, BOTH, MDEST),	/* vmovups */
	E(1, 0, 0x12, 0x12, EW0, EL0, BOTH, NDS | NOK),	/* vmovlps vmovhlps */
	E(1, 0, 0x13, 0x13, EW0, EL0, MEM, NOK),	/* vmovlps */
	E(1, 0, 0x14, 0x15, EW0, ELA, BOTH, NDS | BC),	/* vunpcklps vunpckhps */
	E(1, 0, 0x16, 0x16, EW0, EL0, BOTH, NDS | NOK),	/* vmovhps vmovlhps */
	E(1, 0, 0x17, 0x17, EW0, EL0, MEM, NOK),	/* vmovhps */
	E(1, 0, 0x28, 0x28, EW0, ELA, BOTH, 0),	/* vmovaps */
	E(1, 0, 0x29, 0x29, EW0, ELA, BOTH, MDEST),	/* vmovaps */
	E(1, 0, 0x2b, 0x2b, EW0, ELA, MEM, NOK),	/* vmovntps */
	E(1, 0, 0x2e, 0x2f, EW0, ELA, BOTH, ER | NOK),	/* vucomiss vcomiss */
	E(1, 0, 0x51, 0x51, EW0, ELA, BOTH, BC | ER),	/* vsqrtps */
	E(1, 0, 0x54, 0x57, EW0, ELA, BOTH, NDS | BC),	/* vandps vandnps vorps vxorps */
	E(1, 0, 0x58, 0x59, EW0, ELA, BOTH, NDS | BC | ER), /* vaddps vmulps */
	E(1, 0, 0x5a, 0x5a, EW0, ELA, BOTH, BC | ER),	/* vcvtps2pd */
	E(1, 0, 0x5b, 0x5b, EWIG, ELA, BOTH, BC | ER),	/* vcvtdq2ps vcvtqq2ps */
	E(1, 0, 0x5c, 0x5f, EW0, ELA, BOTH, NDS | BC | ER), /* vsubps vminps vdivps vmaxps */
	E(1, 0, 0x78, 0x79, EWIG, ELA, BOTH, BC | ER),	/* vcvttps2udq vcvttpd2udq vcvtps2udq ... */
	E(1, 0, 0xc2, 0xc2, EW0, ELA, BOTH, NDS | BC | ER | KD | I8), /* vcmpps */
	E(1, 0, 0xc6, 0xc6, EW0, ELA, BOTH, NDS | BC | I8), /* vshufps */

	/* EVEX 0F, 66 */
	E(1, 1, 0x10, 0x10, EW1, ELA, BOTH, 0),	/* vmovupd */
	E(1, 1, 0x11, 0x11, EW1, ELA, BOTH, MDEST),	/* vmovupd */
	E(1, 1, 0x12, 0x12, EW1, EL0, MEM, NDS | NOK),	/* vmovlpd */
	E(1, 1, 0x13, 0x13, EW1, EL0, MEM, NOK),	/* vmovlpd */
	E(1, 1, 0x14, 0x15, EW1, ELA, BOTH, NDS | BC),	/* vunpcklpd vunpckhpd */
	E(1, 1, 0x16, 0x16, EW1, EL0, MEM, NDS | NOK),	/* vmovhpd */
	E(1, 1, 0x17, 0x17, EW1, EL0, MEM, NOK),	/* vmovhpd */
	E(1, 1, 0x28, 0x28, EW1, ELA, BOTH, 0),	/* vmovapd */
	E(1, 1, 0x29, 0x29, EW1, ELA, BOTH, MDEST),	/* vmovapd */
	E(1, 1, 0x2b, 0x2b, EW1, ELA, MEM, NOK),	/* vmovntpd */
	E(1, 1, 0x2e, 0x2f, EW1, ELA, BOTH, ER | NOK),	/* vucomisd vcomisd */
	E(1, 1, 0x51, 0x51, EW1, ELA, BOTH, BC | ER),	/* vsqrtpd */
	E(1, 1, 0x54, 0x57, EW1, ELA, BOTH, NDS | BC),	/* vandpd vandnpd vorpd vxorpd */
	E(1, 1, 0x58, 0x59, EW1, ELA, BOTH, NDS | BC | ER), /* vaddpd vmulpd */
	E(1, 1, 0x5a, 0x5a, EW1, ELA, BOTH, BC | ER),	/* vcvtpd2ps */
	E(1, 1, 0x5b, 0x5b, EW0, ELA, BOTH, BC | ER),	/* vcvtps2dq */
	E(1, 1, 0x5c, 0x5f, EW1, ELA, BOTH, NDS | BC | ER), /* vsubpd vminpd vdivpd vmaxpd */
	E(1, 1, 0x60, 0x61, EWIG, ELA, BOTH, NDS),	/* vpunpcklbw vpunpcklwd */
	E(1, 1, 0x62, 0x62, EW0, ELA, BOTH, NDS | BC),	/* vpunpckldq */
	E(1, 1, 0x63, 0x63, EWIG, ELA, BOTH, NDS),	/* vpacksswb */
	E(1, 1, 0x64, 0x65, EWIG, ELA, BOTH, NDS | KD),	/* vpcmpgtb vpcmpgtw */
	E(1, 1, 0x66, 0x66, EW0, ELA, BOTH, NDS | BC | KD), /* vpcmpgtd */
	E(1, 1, 0x67, 0x69, EWIG, ELA, BOTH, NDS),	/* vpackuswb vpunpckhbw vpunpckhwd */
	E(1, 1, 0x6a, 0x6b, EW0, ELA, BOTH, NDS | BC),	/* vpunpckhdq vpackssdw */
	E(1, 1, 0x6c, 0x6d, EW1, ELA, BOTH, NDS | BC),	/* vpunpcklqdq vpunpckhqdq */
	E(1, 1, 0x6e, 0x6e, EWIG, EL0, BOTH, NOK),	/* vmovd vmovq */
	E(1, 1, 0x6f, 0x6f, EWIG, ELA, BOTH, 0),	/* vmovdqa32 vmovdqa64 */
	E(1, 1, 0x70, 0x70, EW0, ELA, BOTH, BC | I8),	/* vpshufd */
	E(1, 1, 0x71, 0x71, EWIG, ELA, RG(0x54, 0x54), NDS | I8), /* vpsrlw vpsraw vpsllw */
	E(1, 1, 0x72, 0x72, EW0, ELA, RG(0x57, 0x57), NDS | BC | I8), /* vprord vprold vpsrld vpsrad vpslld */
	E(1, 1, 0x72, 0x72, EW1, ELA, RG(0x13, 0x13), NDS | BC | I8), /* vprorq vprolq vpsraq */
	E(1, 1, 0x73, 0x73, EWIG, ELA, RG(0x88, 0x88), NDS | NOK | I8), /* vpsrldq vpslldq */
	E(1, 1, 0x73, 0x73, EW1, ELA, RG(0x44, 0x44), NDS | BC | I8), /* vpsrlq vpsllq */
	E(1, 1, 0x74, 0x75, EWIG, ELA, BOTH, NDS | KD),	/* vpcmpeqb vpcmpeqw */
	E(1, 1, 0x76, 0x76, EW0, ELA, BOTH, NDS | BC | KD), /* vpcmpeqd */
	E(1, 1, 0x78, 0x7b, EWIG, ELA, BOTH, BC | ER),	/* vcvttps2uqq vcvttpd2uqq vcvtps2uqq ... */
	E(1, 1, 0x7e, 0x7e, EWIG, EL0, BOTH, NOK),	/* vmovd vmovq */
	E(1, 1, 0x7f, 0x7f, EWIG, ELA, BOTH, MDEST),	/* vmovdqa32 vmovdqa64 */
	E(1, 1, 0xc2, 0xc2, EW1, ELA, BOTH, NDS | BC | ER | KD | I8), /* vcmppd */
	E(1, 1, 0xc4, 0xc4, EWIG, EL0, BOTH, NDS | NOK | I8), /* vpinsrw */
	E(1, 1, 0xc5, 0xc5, EWIG, EL0, REG, NOK | EF_GPR | I8), /* vpextrw */
	E(1, 1, 0xc6, 0xc6, EW1, ELA, BOTH, NDS | BC | I8), /* vshufpd */
	E(1, 1, 0xd1, 0xd1, EWIG, ELA, BOTH, NDS),	/* vpsrlw */
	E(1, 1, 0xd2, 0xd2, EW0, ELA, BOTH, NDS),	/* vpsrld */
	E(1, 1, 0xd3, 0xd3, EW1, ELA, BOTH, NDS),	/* vpsrlq */
	E(1, 1, 0xd4, 0xd4, EW1, ELA, BOTH, NDS | BC),	/* vpaddq */
	E(1, 1, 0xd5, 0xd5, EWIG, ELA, BOTH, NDS),	/* vpmullw */
	E(1, 1, 0xd6, 0xd6, EW1, EL0, BOTH, NOK),	/* vmovq */
	E(1, 1, 0xd8, 0xda, EWIG, ELA, BOTH, NDS),	/* vpsubusb vpsubusw vpminub */
	E(1, 1, 0xdb, 0xdb, EWIG, ELA, BOTH, NDS | BC),	/* vpandd vpandq */
	E(1, 1, 0xdc, 0xde, EWIG, ELA, BOTH, NDS),	/* vpaddusb vpaddusw vpmaxub */
	E(1, 1, 0xdf, 0xdf, EWIG, ELA, BOTH, NDS | BC),	/* vpandnd vpandnq */
	E(1, 1, 0xe0, 0xe5, EWIG, ELA, BOTH, NDS),	/* vpavgb vpsraw vpsrad vpsraq vpavgw vpmulhuw ... */
	E(1, 1, 0xe6, 0xe6, EW1, ELA, BOTH, BC | ER),	/* vcvttpd2dq */
	E(1, 1, 0xe7, 0xe7, EW0, ELA, MEM, NOK),	/* vmovntdq */
	E(1, 1, 0xe8, 0xea, EWIG, ELA, BOTH, NDS),	/* vpsubsb vpsubsw vpminsw */
	E(1, 1, 0xeb, 0xeb, EWIG, ELA, BOTH, NDS | BC),	/* vpord vporq */
	E(1, 1, 0xec, 0xee, EWIG, ELA, BOTH, NDS),	/* vpaddsb vpaddsw vpmaxsw */
	E(1, 1, 0xef, 0xef, EWIG, ELA, BOTH, NDS | BC),	/* vpxord vpxorq */
	E(1, 1, 0xf1, 0xf1, EWIG, ELA, BOTH, NDS),	/* vpsllw */
	E(1, 1, 0xf2, 0xf2, EW0, ELA, BOTH, NDS),	/* vpslld */
	E(1, 1, 0xf3, 0xf3, EW1, ELA, BOTH, NDS),	/* vpsllq */
	E(1, 1, 0xf4, 0xf4, EW1, ELA, BOTH, NDS | BC),	/* vpmuludq */
	E(1, 1, 0xf5, 0xf5, EWIG, ELA, BOTH, NDS),	/* vpmaddwd */
	E(1, 1, 0xf6, 0xf6, EWIG, ELA, BOTH, NDS | NOK), /* vpsadbw */
	E(1, 1, 0xf8, 0xf9, EWIG, ELA, BOTH, NDS),	/* vpsubb vpsubw */
	E(1, 1, 0xfa, 0xfa, EW0, ELA, BOTH, NDS | BC),	/* vpsubd */
	E(1, 1, 0xfb, 0xfb, EW1, ELA, BOTH, NDS | BC),	/* vpsubq */
	E(1, 1, 0xfc, 0xfd, EWIG, ELA, BOTH, NDS),	/* vpaddb vpaddw */
	E(1, 1, 0xfe, 0xfe, EW0, ELA, BOTH, NDS | BC),	/* vpaddd */

	/* EVEX 0F, F3 */
	E(1, 2, 0x10, 0x10, EW0, ELA, MEM, 0),	/* vmovss */
	E(1, 2, 0x10, 0x10, EW0, ELA, REG, NDS),	/* vmovss */
	E(1, 2, 0x11, 0x11, EW0, ELA, MEM, MDEST),	/* vmovss */
	E(1, 2, 0x11, 0x11, EW0, ELA, REG, NDS),	/* vmovss */
	E(1, 2, 0x12, 0x12, EW0, ELA, BOTH, 0),	/* vmovsldup */
	E(1, 2, 0x16, 0x16, EW0, ELA, BOTH, 0),	/* vmovshdup */
	E(1, 2, 0x2a, 0x2a, EWIG, ELA, BOTH, NDS | ER | NOK), /* vcvtsi2ss */
	E(1, 2, 0x2c, 0x2d, EWIG, ELA, BOTH, ER | NOK | EF_GPR), /* vcvttss2si vcvtss2si */
	E(1, 2, 0x51, 0x51, EW0, ELA, BOTH, NDS | ER),	/* vsqrtss */
	E(1, 2, 0x58, 0x5a, EW0, ELA, BOTH, NDS | ER),	/* vaddss vmulss vcvtss2sd */
	E(1, 2, 0x5b, 0x5b, EW0, ELA, BOTH, BC | ER),	/* vcvttps2dq */
	E(1, 2, 0x5c, 0x5f, EW0, ELA, BOTH, NDS | ER),	/* vsubss vminss vdivss vmaxss */
	E(1, 2, 0x6f, 0x6f, EWIG, ELA, BOTH, 0),	/* vmovdqu32 vmovdqu64 */
	E(1, 2, 0x70, 0x70, EWIG, ELA, BOTH, I8),	/* vpshufhw */
	E(1, 2, 0x78, 0x79, EWIG, ELA, BOTH, ER | NOK | EF_GPR), /* vcvttss2usi vcvtss2usi */
	E(1, 2, 0x7a, 0x7a, EWIG, ELA, BOTH, BC | ER),	/* vcvtudq2pd vcvtuqq2pd */
	E(1, 2, 0x7b, 0x7b, EWIG, ELA, BOTH, NDS | ER | NOK), /* vcvtusi2ss */
	E(1, 2, 0x7e, 0x7e, EW1, EL0, BOTH, NOK),	/* vmovq */
	E(1, 2, 0x7f, 0x7f, EWIG, ELA, BOTH, MDEST),	/* vmovdqu32 vmovdqu64 */
	E(1, 2, 0xc2, 0xc2, EW0, ELA, BOTH, NDS | ER | KD | I8), /* vcmpss */
	E(1, 2, 0xe6, 0xe6, EWIG, ELA, BOTH, BC | ER),	/* vcvtdq2pd vcvtqq2pd */

	/* EVEX 0F, F2 */
	E(1, 3, 0x10, 0x10, EW1, ELA, MEM, 0),	/* vmovsd */
	E(1, 3, 0x10, 0x10, EW1, ELA, REG, NDS),	/* vmovsd */
	E(1, 3, 0x11, 0x11, EW1, ELA, MEM, MDEST),	/* vmovsd */
	E(1, 3, 0x11, 0x11, EW1, ELA, REG, NDS),	/* vmovsd */
	E(1, 3, 0x12, 0x12, EW1, ELA, BOTH, 0),	/* vmovddup */
	E(1, 3, 0x2a, 0x2a, EWIG, ELA, BOTH, NDS | ER | NOK), /* vcvtsi2sd */
	E(1, 3, 0x2c, 0x2d, EWIG, ELA, BOTH, ER | NOK | EF_GPR), /* vcvttsd2si vcvtsd2si */
	E(1, 3, 0x51, 0x51, EW1, ELA, BOTH, NDS | ER),	/* vsqrtsd */
	E(1, 3, 0x58, 0x5a, EW1, ELA, BOTH, NDS | ER),	/* vaddsd vmulsd vcvtsd2ss */
	E(1, 3, 0x5c, 0x5f, EW1, ELA, BOTH, NDS | ER),	/* vsubsd vminsd vdivsd vmaxsd */
	E(1, 3, 0x6f, 0x6f, EWIG, ELA, BOTH, 0),	/* vmovdqu8 vmovdqu16 */
	E(1, 3, 0x70, 0x70, EWIG, ELA, BOTH, I8),	/* vpshuflw */
	E(1, 3, 0x78, 0x79, EWIG, ELA, BOTH, ER | NOK | EF_GPR), /* vcvttsd2usi vcvtsd2usi */
	E(1, 3, 0x7a, 0x7a, EWIG, ELA, BOTH, BC | ER),	/* vcvtudq2ps vcvtuqq2ps */
	E(1, 3, 0x7b, 0x7b, EWIG, ELA, BOTH, NDS | ER | NOK), /* vcvtusi2sd */
	E(1, 3, 0x7f, 0x7f, EWIG, ELA, BOTH, MDEST),	/* vmovdqu8 vmovdqu16 */
	E(1, 3, 0xc2, 0xc2, EW1, ELA, BOTH, NDS | ER | KD | I8), /* vcmpsd */
	E(1, 3, 0xe6, 0xe6, EW1, ELA, BOTH, BC | ER),	/* vcvtpd2dq */

	/* EVEX 0F38, 66 */
	E(2, 1, 0x00, 0x00, EWIG, ELA, BOTH, NDS),	/* vpshufb */
	E(2, 1, 0x04, 0x04, EWIG, ELA, BOTH, NDS),	/* vpmaddubsw */
	E(2, 1, 0x0b, 0x0b, EWIG, ELA, BOTH, NDS),	/* vpmulhrsw */
	E(2, 1, 0x0c, 0x0c, EW0, ELA, BOTH, NDS | BC),	/* vpermilps */
	E(2, 1, 0x0d, 0x0d, EW1, ELA, BOTH, NDS | BC),	/* vpermilpd */
	E(2, 1, 0x10, 0x12, EW1, ELA, BOTH, NDS),	/* vpsrlvw vpsravw vpsllvw */
	E(2, 1, 0x13, 0x13, EW0, ELA, BOTH, ER),	/* vcvtph2ps */
	E(2, 1, 0x14, 0x15, EWIG, ELA, BOTH, NDS | BC),	/* vprorvd vprorvq vprolvd vprolvq */
	E(2, 1, 0x16, 0x16, EWIG, EL12, BOTH, NDS | BC), /* vpermps vpermpd */
	E(2, 1, 0x18, 0x18, EW0, ELA, BOTH, 0),	/* vbroadcastss */
	E(2, 1, 0x19, 0x19, EWIG, EL12, BOTH, 0),	/* vbroadcastf32x2 vbroadcastsd */
	E(2, 1, 0x1a, 0x1a, EWIG, EL12, MEM, 0),	/* vbroadcastf32x4 vbroadcastf64x2 */
	E(2, 1, 0x1b, 0x1b, EWIG, EL2, MEM, 0),	/* vbroadcastf32x8 vbroadcastf64x4 */
	E(2, 1, 0x1c, 0x1d, EWIG, ELA, BOTH, 0),	/* vpabsb vpabsw */
	E(2, 1, 0x1e, 0x1e, EW0, ELA, BOTH, BC),	/* vpabsd */
	E(2, 1, 0x1f, 0x1f, EW1, ELA, BOTH, BC),	/* vpabsq */
	E(2, 1, 0x20, 0x24, EWIG, ELA, BOTH, 0),	/* vpmovsxbw vpmovsxbd vpmovsxbq vpmovsxwd ... */
	E(2, 1, 0x25, 0x25, EW0, ELA, BOTH, 0),	/* vpmovsxdq */
	E(2, 1, 0x26, 0x26, EWIG, ELA, BOTH, NDS | KD),	/* vptestmb vptestmw */
	E(2, 1, 0x27, 0x27, EWIG, ELA, BOTH, NDS | BC | KD), /* vptestmd vptestmq */
	E(2, 1, 0x28, 0x28, EW1, ELA, BOTH, NDS | BC),	/* vpmuldq */
	E(2, 1, 0x29, 0x29, EW1, ELA, BOTH, NDS | BC | KD), /* vpcmpeqq */
	E(2, 1, 0x2a, 0x2a, EW0, ELA, MEM, NOK),	/* vmovntdqa */
	E(2, 1, 0x2b, 0x2b, EW0, ELA, BOTH, NDS | BC),	/* vpackusdw */
	E(2, 1, 0x2c, 0x2c, EWIG, ELA, BOTH, NDS | BC | ER), /* vscalefps vscalefpd */
	E(2, 1, 0x2d, 0x2d, EWIG, ELA, BOTH, NDS | ER),	/* vscalefss vscalefsd */
	E(2, 1, 0x30, 0x34, EWIG, ELA, BOTH, 0),	/* vpmovzxbw vpmovzxbd vpmovzxbq vpmovzxwd ... */
	E(2, 1, 0x35, 0x35, EW0, ELA, BOTH, 0),	/* vpmovzxdq */
	E(2, 1, 0x36, 0x36, EWIG, EL12, BOTH, NDS | BC), /* vpermd vpermq */
	E(2, 1, 0x37, 0x37, EW1, ELA, BOTH, NDS | BC | KD), /* vpcmpgtq */
	E(2, 1, 0x38, 0x38, EWIG, ELA, BOTH, NDS),	/* vpminsb */
	E(2, 1, 0x39, 0x39, EWIG, ELA, BOTH, NDS | BC),	/* vpminsd vpminsq */
	E(2, 1, 0x3a, 0x3a, EWIG, ELA, BOTH, NDS),	/* vpminuw */
	E(2, 1, 0x3b, 0x3b, EWIG, ELA, BOTH, NDS | BC),	/* vpminud vpminuq */
	E(2, 1, 0x3c, 0x3c, EWIG, ELA, BOTH, NDS),	/* vpmaxsb */
	E(2, 1, 0x3d, 0x3d, EWIG, ELA, BOTH, NDS | BC),	/* vpmaxsd vpmaxsq */
	E(2, 1, 0x3e, 0x3e, EWIG, ELA, BOTH, NDS),	/* vpmaxuw */
	E(2, 1, 0x3f, 0x40, EWIG, ELA, BOTH, NDS | BC),	/* vpmaxud vpmaxuq vpmulld vpmullq */
	E(2, 1, 0x42, 0x42, EWIG, ELA, BOTH, BC | ER),	/* vgetexpps vgetexppd */
	E(2, 1, 0x43, 0x43, EWIG, ELA, BOTH, NDS | ER),	/* vgetexpss vgetexpsd */
	E(2, 1, 0x44, 0x44, EWIG, ELA, BOTH, BC),	/* vplzcntd vplzcntq */
	E(2, 1, 0x45, 0x47, EWIG, ELA, BOTH, NDS | BC),	/* vpsrlvd vpsrlvq vpsravd vpsravq vpsllvd ... */
	E(2, 1, 0x4c, 0x4c, EWIG, ELA, BOTH, BC),	/* vrcp14ps vrcp14pd */
	E(2, 1, 0x4d, 0x4d, EWIG, ELA, BOTH, NDS),	/* vrcp14ss vrcp14sd */
	E(2, 1, 0x4e, 0x4e, EWIG, ELA, BOTH, BC),	/* vrsqrt14ps vrsqrt14pd */
	E(2, 1, 0x4f, 0x4f, EWIG, ELA, BOTH, NDS),	/* vrsqrt14ss vrsqrt14sd */
	E(2, 1, 0x50, 0x53, EW0, ELA, BOTH, NDS | BC),	/* vpdpbusd vpdpbusds vpdpwssd vpdpwssds */
	E(2, 1, 0x54, 0x54, EWIG, ELA, BOTH, 0),	/* vpopcntb vpopcntw */
	E(2, 1, 0x55, 0x55, EWIG, ELA, BOTH, BC),	/* vpopcntd vpopcntq */
	E(2, 1, 0x58, 0x58, EW0, ELA, BOTH, 0),	/* vpbroadcastd */
	E(2, 1, 0x59, 0x59, EWIG, ELA, BOTH, 0),	/* vbroadcasti32x2 vpbroadcastq */
	E(2, 1, 0x5a, 0x5a, EWIG, EL12, MEM, 0),	/* vbroadcasti32x4 vbroadcasti64x2 */
	E(2, 1, 0x5b, 0x5b, EWIG, EL2, MEM, 0),	/* vbroadcasti32x8 vbroadcasti64x4 */
	E(2, 1, 0x62, 0x62, EWIG, ELA, BOTH, 0),	/* vpexpandb vpexpandw */
	E(2, 1, 0x63, 0x63, EWIG, ELA, BOTH, MDEST),	/* vpcompressb vpcompressw */
	E(2, 1, 0x64, 0x65, EWIG, ELA, BOTH, NDS | BC),	/* vpblendmd vpblendmq vblendmps vblendmpd */
	E(2, 1, 0x66, 0x66, EWIG, ELA, BOTH, NDS),	/* vpblendmb vpblendmw */
	E(2, 1, 0x70, 0x70, EW1, ELA, BOTH, NDS),	/* vpshldvw */
	E(2, 1, 0x71, 0x71, EWIG, ELA, BOTH, NDS | BC),	/* vpshldvd vpshldvq */
	E(2, 1, 0x72, 0x72, EW1, ELA, BOTH, NDS),	/* vpshrdvw */
	E(2, 1, 0x73, 0x73, EWIG, ELA, BOTH, NDS | BC),	/* vpshrdvd vpshrdvq */
	E(2, 1, 0x75, 0x75, EWIG, ELA, BOTH, NDS),	/* vpermi2b vpermi2w */
	E(2, 1, 0x76, 0x77, EWIG, ELA, BOTH, NDS | BC),	/* vpermi2d vpermi2q vpermi2ps vpermi2pd */
	E(2, 1, 0x78, 0x79, EW0, ELA, BOTH, 0),	/* vpbroadcastb vpbroadcastw */
	E(2, 1, 0x7a, 0x7b, EW0, ELA, REG, 0),	/* vpbroadcastb vpbroadcastw */
	E(2, 1, 0x7c, 0x7c, EWIG, ELA, REG, 0),	/* vpbroadcastd vpbroadcastq */
	E(2, 1, 0x7d, 0x7d, EWIG, ELA, BOTH, NDS),	/* vpermt2b vpermt2w */
	E(2, 1, 0x7e, 0x7f, EWIG, ELA, BOTH, NDS | BC),	/* vpermt2d vpermt2q vpermt2ps vpermt2pd */
	E(2, 1, 0x83, 0x83, EW1, ELA, BOTH, NDS | BC),	/* vpmultishiftqb */
	E(2, 1, 0x88, 0x89, EWIG, ELA, BOTH, 0),	/* vexpandps vexpandpd vpexpandd vpexpandq */
	E(2, 1, 0x8a, 0x8b, EWIG, ELA, BOTH, MDEST),	/* vcompressps vcompresspd vpcompressd ... */
	E(2, 1, 0x8d, 0x8d, EWIG, ELA, BOTH, NDS),	/* vpermb vpermw */
	E(2, 1, 0x8f, 0x8f, EW0, ELA, BOTH, NDS | KD),	/* vpshufbitqmb */
	E(2, 1, 0x90, 0x93, EWIG, ELA, MEM, KREQ | NOZ | VSIB | EF_DIST), /* vpgatherdd vpgatherdq vpgatherqd vpgatherqq ... */
	E(2, 1, 0x96, 0x98, EWIG, ELA, BOTH, NDS | BC | ER), /* vfmaddsub132ps vfmaddsub132pd ... */
	E(2, 1, 0x99, 0x99, EWIG, ELA, BOTH, NDS | ER),	/* vfmadd132ss vfmadd132sd */
	E(2, 1, 0x9a, 0x9a, EWIG, ELA, BOTH, NDS | BC | ER), /* vfmsub132ps vfmsub132pd */
	E(2, 1, 0x9b, 0x9b, EWIG, ELA, BOTH, NDS | ER),	/* vfmsub132ss vfmsub132sd */
	E(2, 1, 0x9c, 0x9c, EWIG, ELA, BOTH, NDS | BC | ER), /* vfnmadd132ps vfnmadd132pd */
	E(2, 1, 0x9d, 0x9d, EWIG, ELA, BOTH, NDS | ER),	/* vfnmadd132ss vfnmadd132sd */
	E(2, 1, 0x9e, 0x9e, EWIG, ELA, BOTH, NDS | BC | ER), /* vfnmsub132ps vfnmsub132pd */
	E(2, 1, 0x9f, 0x9f, EWIG, ELA, BOTH, NDS | ER),	/* vfnmsub132ss vfnmsub132sd */
	E(2, 1, 0xa0, 0xa3, EWIG, ELA, MEM, KREQ | NOZ | VSIB), /* vpscatterdd vpscatterdq vpscatterqd ... */
	E(2, 1, 0xa6, 0xa8, EWIG, ELA, BOTH, NDS | BC | ER), /* vfmaddsub213ps vfmaddsub213pd ... */
	E(2, 1, 0xa9, 0xa9, EWIG, ELA, BOTH, NDS | ER),	/* vfmadd213ss vfmadd213sd */
	E(2, 1, 0xaa, 0xaa, EWIG, ELA, BOTH, NDS | BC | ER), /* vfmsub213ps vfmsub213pd */
	E(2, 1, 0xab, 0xab, EWIG, ELA, BOTH, NDS | ER),	/* vfmsub213ss vfmsub213sd */
	E(2, 1, 0xac, 0xac, EWIG, ELA, BOTH, NDS | BC | ER), /* vfnmadd213ps vfnmadd213pd */
	E(2, 1, 0xad, 0xad, EWIG, ELA, BOTH, NDS | ER),	/* vfnmadd213ss vfnmadd213sd */
	E(2, 1, 0xae, 0xae, EWIG, ELA, BOTH, NDS | BC | ER), /* vfnmsub213ps vfnmsub213pd */
	E(2, 1, 0xaf, 0xaf, EWIG, ELA, BOTH, NDS | ER),	/* vfnmsub213ss vfnmsub213sd */
	E(2, 1, 0xb4, 0xb5, EW1, ELA, BOTH, NDS | BC),	/* vpmadd52luq vpmadd52huq */
	E(2, 1, 0xb6, 0xb8, EWIG, ELA, BOTH, NDS | BC | ER), /* vfmaddsub231ps vfmaddsub231pd ... */
	E(2, 1, 0xb9, 0xb9, EWIG, ELA, BOTH, NDS | ER),	/* vfmadd231ss vfmadd231sd */
	E(2, 1, 0xba, 0xba, EWIG, ELA, BOTH, NDS | BC | ER), /* vfmsub231ps vfmsub231pd */
	E(2, 1, 0xbb, 0xbb, EWIG, ELA, BOTH, NDS | ER),	/* vfmsub231ss vfmsub231sd */
	E(2, 1, 0xbc, 0xbc, EWIG, ELA, BOTH, NDS | BC | ER), /* vfnmadd231ps vfnmadd231pd */
	E(2, 1, 0xbd, 0xbd, EWIG, ELA, BOTH, NDS | ER),	/* vfnmadd231ss vfnmadd231sd */
	E(2, 1, 0xbe, 0xbe, EWIG, ELA, BOTH, NDS | BC | ER), /* vfnmsub231ps vfnmsub231pd */
	E(2, 1, 0xbf, 0xbf, EWIG, ELA, BOTH, NDS | ER),	/* vfnmsub231ss vfnmsub231sd */
	E(2, 1, 0xc4, 0xc4, EWIG, ELA, BOTH, BC),	/* vpconflictd vpconflictq */
	E(2, 1, 0xc6, 0xc7, EWIG, EL2, RG(0x66, 0x00), KREQ | NOZ | VSIB), /* vgatherpf0dps vgatherpf1dps vscatterpf0dps ... */
	E(2, 1, 0xc8, 0xc8, EWIG, EL2, BOTH, BC | ER),	/* vexp2ps vexp2pd */
	E(2, 1, 0xca, 0xca, EWIG, EL2, BOTH, BC | ER),	/* vrcp28ps vrcp28pd */
	E(2, 1, 0xcb, 0xcb, EWIG, ELA, BOTH, NDS | ER),	/* vrcp28ss vrcp28sd */
	E(2, 1, 0xcc, 0xcc, EWIG, EL2, BOTH, BC | ER),	/* vrsqrt28ps vrsqrt28pd */
	E(2, 1, 0xcd, 0xcd, EWIG, ELA, BOTH, NDS | ER),	/* vrsqrt28ss vrsqrt28sd */
	E(2, 1, 0xcf, 0xcf, EW0, ELA, BOTH, NDS),	/* vgf2p8mulb */
	E(2, 1, 0xdc, 0xdf, EWIG, ELA, BOTH, NDS | NOK), /* vaesenc vaesenclast vaesdec vaesdeclast */

	/* EVEX 0F38, F3 */
	E(2, 2, 0x10, 0x15, EW0, ELA, BOTH, MDEST),	/* vpmovuswb vpmovusdb vpmovusqb vpmovusdw ... */
	E(2, 2, 0x20, 0x25, EW0, ELA, BOTH, MDEST),	/* vpmovswb vpmovsdb vpmovsqb vpmovsdw ... */
	E(2, 2, 0x26, 0x26, EWIG, ELA, BOTH, NDS | KD),	/* vptestnmb vptestnmw */
	E(2, 2, 0x27, 0x27, EWIG, ELA, BOTH, NDS | BC | KD), /* vptestnmd vptestnmq */
	E(2, 2, 0x28, 0x28, EWIG, ELA, REG, NOK),	/* vpmovm2b/w/d/q */
	E(2, 2, 0x29, 0x29, EWIG, ELA, REG, NOK | KD),	/* vpmov[bwdq]2m */
	E(2, 2, 0x2a, 0x2a, EW1, ELA, REG, NOK),	/* vpbroadcastmb2q */
	E(2, 2, 0x30, 0x35, EW0, ELA, BOTH, MDEST),	/* vpmovwb vpmovdb vpmovqb vpmovdw vpmovqw ... */
	E(2, 2, 0x38, 0x38, EWIG, ELA, REG, NOK),	/* vpmovm2b/w/d/q */
	E(2, 2, 0x39, 0x39, EWIG, ELA, REG, NOK | KD),	/* vpmov[bwdq]2m */
	E(2, 2, 0x3a, 0x3a, EW0, ELA, REG, NOK),	/* vpbroadcastmw2d */
	E(2, 2, 0x52, 0x52, EW0, ELA, BOTH, NDS | BC),	/* vdpbf16ps */
	E(2, 2, 0x72, 0x72, EW0, ELA, BOTH, BC),	/* vcvtneps2bf16 */

	/* EVEX 0F38, F2 */
	E(2, 3, 0x52, 0x53, EW0, EL2, MEM, NDS),	/* vp4dpwssd vp4dpwssds */
	E(2, 3, 0x68, 0x68, EWIG, ELA, BOTH, NDS | BC | NOK | KD), /* vp2intersectd vp2intersectq */
	E(2, 3, 0x72, 0x72, EW0, ELA, BOTH, NDS | BC),	/* vcvtne2ps2bf16 */
	E(2, 3, 0x9a, 0x9a, EW0, EL2, MEM, NDS),	/* v4fmaddps */
	E(2, 3, 0x9b, 0x9b, EW0, ELA, MEM, NDS),	/* v4fmaddss */
	E(2, 3, 0xaa, 0xaa, EW0, EL2, MEM, NDS),	/* v4fnmaddps */
	E(2, 3, 0xab, 0xab, EW0, ELA, MEM, NDS),	/* v4fnmaddss */

	/* EVEX 0F3A, no prefix */
	E(3, 0, 0x08, 0x08, EW0, ELA, BOTH, BC | ER | I8), /* vrndscaleph */
	E(3, 0, 0x0a, 0x0a, EW0, ELA, BOTH, NDS | ER | I8), /* vrndscalesh */
	E(3, 0, 0x26, 0x26, EW0, ELA, BOTH, BC | ER | I8), /* vgetmantph */
	E(3, 0, 0x27, 0x27, EW0, ELA, BOTH, NDS | ER | I8), /* vgetmantsh */
	E(3, 0, 0x56, 0x56, EW0, ELA, BOTH, BC | ER | I8), /* vreduceph */
	E(3, 0, 0x57, 0x57, EW0, ELA, BOTH, NDS | ER | I8), /* vreducesh */
	E(3, 0, 0x66, 0x66, EW0, ELA, BOTH, BC | KD | I8), /* vfpclassph */
	E(3, 0, 0x67, 0x67, EW0, ELA, BOTH, KD | I8),	/* vfpclasssh */
	E(3, 0, 0xc2, 0xc2, EW0, ELA, BOTH, NDS | BC | ER | KD | I8), /* vcmpph */

	/* EVEX 0F3A, 66 */
	E(3, 1, 0x00, 0x01, EW1, EL12, BOTH, BC | I8),	/* vpermq vpermpd */
	E(3, 1, 0x03, 0x03, EWIG, ELA, BOTH, NDS | BC | I8), /* valignd valignq */
	E(3, 1, 0x04, 0x04, EW0, ELA, BOTH, BC | I8),	/* vpermilps */
	E(3, 1, 0x05, 0x05, EW1, ELA, BOTH, BC | I8),	/* vpermilpd */
	E(3, 1, 0x08, 0x08, EW0, ELA, BOTH, BC | ER | I8), /* vrndscaleps */
	E(3, 1, 0x09, 0x09, EW1, ELA, BOTH, BC | ER | I8), /* vrndscalepd */
	E(3, 1, 0x0a, 0x0a, EW0, ELA, BOTH, NDS | ER | I8), /* vrndscaless */
	E(3, 1, 0x0b, 0x0b, EW1, ELA, BOTH, NDS | ER | I8), /* vrndscalesd */
	E(3, 1, 0x0f, 0x0f, EWIG, ELA, BOTH, NDS | I8),	/* vpalignr */
	E(3, 1, 0x14, 0x17, EWIG, EL0, BOTH, NOK | I8),	/* vpextrb vpextrw vpextrd vpextrq vextractps */
	E(3, 1, 0x18, 0x18, EWIG, EL12, BOTH, NDS | I8), /* vinsertf32x4 vinsertf64x2 */
	E(3, 1, 0x19, 0x19, EWIG, EL12, BOTH, MDEST | I8), /* vextractf32x4 vextractf64x2 */
	E(3, 1, 0x1a, 0x1a, EWIG, EL2, BOTH, NDS | I8),	/* vinsertf32x8 vinsertf64x4 */
	E(3, 1, 0x1b, 0x1b, EWIG, EL2, BOTH, MDEST | I8), /* vextractf32x8 vextractf64x4 */
	E(3, 1, 0x1d, 0x1d, EW0, ELA, BOTH, ER | MDEST | I8), /* vcvtps2ph */
	E(3, 1, 0x1e, 0x1f, EWIG, ELA, BOTH, NDS | BC | KD | I8), /* vpcmpud vpcmpuq vpcmpd vpcmpq */
	E(3, 1, 0x20, 0x20, EWIG, EL0, BOTH, NDS | NOK | I8), /* vpinsrb */
	E(3, 1, 0x21, 0x21, EW0, EL0, BOTH, NDS | NOK | I8), /* vinsertps */
	E(3, 1, 0x22, 0x22, EWIG, EL0, BOTH, NDS | NOK | I8), /* vpinsrd vpinsrq */
	E(3, 1, 0x23, 0x23, EWIG, EL12, BOTH, NDS | BC | I8), /* vshuff32x4 vshuff64x2 */
	E(3, 1, 0x25, 0x25, EWIG, ELA, BOTH, NDS | BC | I8), /* vpternlogd vpternlogq */
	E(3, 1, 0x26, 0x26, EWIG, ELA, BOTH, BC | ER | I8), /* vgetmantps vgetmantpd */
	E(3, 1, 0x27, 0x27, EWIG, ELA, BOTH, NDS | ER | I8), /* vgetmantss vgetmantsd */
	E(3, 1, 0x38, 0x38, EWIG, EL12, BOTH, NDS | I8), /* vinserti32x4 vinserti64x2 */
	E(3, 1, 0x39, 0x39, EWIG, EL12, BOTH, MDEST | I8), /* vextracti32x4 vextracti64x2 */
	E(3, 1, 0x3a, 0x3a, EWIG, EL2, BOTH, NDS | I8),	/* vinserti32x8 vinserti64x4 */
	E(3, 1, 0x3b, 0x3b, EWIG, EL2, BOTH, MDEST | I8), /* vextracti32x8 vextracti64x4 */
	E(3, 1, 0x3e, 0x3f, EWIG, ELA, BOTH, NDS | KD | I8), /* vpcmpub vpcmpuw vpcmpb vpcmpw */
	E(3, 1, 0x42, 0x42, EW0, ELA, BOTH, NDS | I8),	/* vdbpsadbw */
	E(3, 1, 0x43, 0x43, EWIG, EL12, BOTH, NDS | BC | I8), /* vshufi32x4 vshufi64x2 */
	E(3, 1, 0x44, 0x44, EWIG, ELA, BOTH, NDS | NOK | I8), /* vpclmulqdq */
	E(3, 1, 0x50, 0x50, EWIG, ELA, BOTH, NDS | BC | ER | I8), /* vrangeps vrangepd */
	E(3, 1, 0x51, 0x51, EWIG, ELA, BOTH, NDS | ER | I8), /* vrangess vrangesd */
	E(3, 1, 0x54, 0x54, EWIG, ELA, BOTH, NDS | BC | ER | I8), /* vfixupimmps vfixupimmpd */
	E(3, 1, 0x55, 0x55, EWIG, ELA, BOTH, NDS | ER | I8), /* vfixupimmss vfixupimmsd */
	E(3, 1, 0x56, 0x56, EWIG, ELA, BOTH, BC | ER | I8), /* vreduceps vreducepd */
	E(3, 1, 0x57, 0x57, EWIG, ELA, BOTH, NDS | ER | I8), /* vreducess vreducesd */
	E(3, 1, 0x66, 0x66, EWIG, ELA, BOTH, BC | KD | I8), /* vfpclassps vfpclasspd */
	E(3, 1, 0x67, 0x67, EWIG, ELA, BOTH, KD | I8),	/* vfpclassss vfpclasssd */
	E(3, 1, 0x70, 0x70, EW1, ELA, BOTH, NDS | I8),	/* vpshldw */
	E(3, 1, 0x71, 0x71, EWIG, ELA, BOTH, NDS | BC | I8), /* vpshldd vpshldq */
	E(3, 1, 0x72, 0x72, EW1, ELA, BOTH, NDS | I8),	/* vpshrdw */
	E(3, 1, 0x73, 0x73, EWIG, ELA, BOTH, NDS | BC | I8), /* vpshrdd vpshrdq */
	E(3, 1, 0xce, 0xcf, EW1, ELA, BOTH, NDS | BC | I8), /* vgf2p8affineqb vgf2p8affineinvqb */

	/* EVEX 0F3A, F3 */
	E(3, 2, 0xc2, 0xc2, EW0, ELA, BOTH, NDS | ER | KD | I8), /* vcmpsh */

	/* EVEX map 5, no prefix */
	E(5, 0, 0x1d, 0x1d, EW0, ELA, BOTH, NDS | ER),	/* vcvtss2sh */
	E(5, 0, 0x2e, 0x2f, EW0, ELA, BOTH, ER | NOK),	/* vucomish vcomish */
	E(5, 0, 0x51, 0x51, EW0, ELA, BOTH, BC | ER),	/* vsqrtph */
	E(5, 0, 0x58, 0x59, EW0, ELA, BOTH, NDS | BC | ER), /* vaddph vmulph */
	E(5, 0, 0x5a, 0x5a, EW0, ELA, BOTH, BC | ER),	/* vcvtph2pd */
	E(5, 0, 0x5b, 0x5b, EWIG, ELA, BOTH, BC | ER),	/* vcvtdq2ph vcvtqq2ph */
	E(5, 0, 0x5c, 0x5f, EW0, ELA, BOTH, NDS | BC | ER), /* vsubph vminph vdivph vmaxph */
	E(5, 0, 0x78, 0x79, EW0, ELA, BOTH, BC | ER),	/* vcvttph2udq vcvtph2udq */
	E(5, 0, 0x7c, 0x7d, EW0, ELA, BOTH, BC | ER),	/* vcvttph2uw vcvtph2uw */

	/* EVEX map 5, 66 */
	E(5, 1, 0x1d, 0x1d, EW0, ELA, BOTH, BC | ER),	/* vcvtps2phx */
	E(5, 1, 0x5a, 0x5a, EW1, ELA, BOTH, BC | ER),	/* vcvtpd2ph */
	E(5, 1, 0x5b, 0x5b, EW0, ELA, BOTH, BC | ER),	/* vcvtph2dq */
	E(5, 1, 0x6e, 0x6e, EWIG, EL0, BOTH, NOK),	/* vmovw */
	E(5, 1, 0x78, 0x7d, EW0, ELA, BOTH, BC | ER),	/* vcvttph2uqq vcvtph2uqq vcvttph2qq vcvtph2qq ... */
	E(5, 1, 0x7e, 0x7e, EWIG, EL0, BOTH, NOK),	/* vmovw */

	/* EVEX map 5, F3 */
	E(5, 2, 0x10, 0x10, EW0, ELA, MEM, 0),	/* vmovsh */
	E(5, 2, 0x10, 0x10, EW0, ELA, REG, NDS),	/* vmovsh */
	E(5, 2, 0x11, 0x11, EW0, ELA, MEM, MDEST),	/* vmovsh */
	E(5, 2, 0x11, 0x11, EW0, ELA, REG, NDS),	/* vmovsh */
	E(5, 2, 0x2a, 0x2a, EWIG, ELA, BOTH, NDS | ER | NOK), /* vcvtsi2sh */
	E(5, 2, 0x2c, 0x2d, EWIG, ELA, BOTH, ER | NOK | EF_GPR), /* vcvttsh2si vcvtsh2si */
	E(5, 2, 0x51, 0x51, EW0, ELA, BOTH, NDS | ER),	/* vsqrtsh */
	E(5, 2, 0x58, 0x5a, EW0, ELA, BOTH, NDS | ER),	/* vaddsh vmulsh vcvtsh2sd */
	E(5, 2, 0x5b, 0x5b, EW0, ELA, BOTH, BC | ER),	/* vcvttph2dq */
	E(5, 2, 0x5c, 0x5f, EW0, ELA, BOTH, NDS | ER),	/* vsubsh vminsh vdivsh vmaxsh */
	E(5, 2, 0x78, 0x79, EWIG, ELA, BOTH, ER | NOK | EF_GPR), /* vcvttsh2usi vcvtsh2usi */
	E(5, 2, 0x7b, 0x7b, EWIG, ELA, BOTH, NDS | ER | NOK), /* vcvtusi2sh */
	E(5, 2, 0x7d, 0x7d, EW0, ELA, BOTH, BC | ER),	/* vcvtw2ph */

	/* EVEX map 5, F2 */
	E(5, 3, 0x5a, 0x5a, EW1, ELA, BOTH, NDS | ER),	/* vcvtsd2sh */
	E(5, 3, 0x7a, 0x7a, EWIG, ELA, BOTH, BC | ER),	/* vcvtudq2ph vcvtuqq2ph */
	E(5, 3, 0x7d, 0x7d, EW0, ELA, BOTH, BC | ER),	/* vcvtuw2ph */

	/* EVEX map 6, no prefix */
	E(6, 0, 0x13, 0x13, EW0, ELA, BOTH, NDS | ER),	/* vcvtsh2ss */

	/* EVEX map 6, 66 */
	E(6, 1, 0x13, 0x13, EW0, ELA, BOTH, BC | ER),	/* vcvtph2psx */
	E(6, 1, 0x2c, 0x2c, EW0, ELA, BOTH, NDS | BC | ER), /* vscalefph */
	E(6, 1, 0x2d, 0x2d, EW0, ELA, BOTH, NDS | ER),	/* vscalefsh */
	E(6, 1, 0x42, 0x42, EW0, ELA, BOTH, BC | ER),	/* vgetexpph */
	E(6, 1, 0x43, 0x43, EW0, ELA, BOTH, NDS | ER),	/* vgetexpsh */
	E(6, 1, 0x4c, 0x4c, EW0, ELA, BOTH, BC),	/* vrcpph */
	E(6, 1, 0x4d, 0x4d, EW0, ELA, BOTH, NDS),	/* vrcpsh */
	E(6, 1, 0x4e, 0x4e, EW0, ELA, BOTH, BC),	/* vrsqrtph */
	E(6, 1, 0x4f, 0x4f, EW0, ELA, BOTH, NDS),	/* vrsqrtsh */
	E(6, 1, 0x96, 0x98, EW0, ELA, BOTH, NDS | BC | ER), /* vfmaddsub132ph vfmsubadd132ph vfmadd132ph */
	E(6, 1, 0x99, 0x99, EW0, ELA, BOTH, NDS | ER),	/* vfmadd132sh */
	E(6, 1, 0x9a, 0x9a, EW0, ELA, BOTH, NDS | BC | ER), /* vfmsub132ph */
	E(6, 1, 0x9b, 0x9b, EW0, ELA, BOTH, NDS | ER),	/* vfmsub132sh */
	E(6, 1, 0x9c, 0x9c, EW0, ELA, BOTH, NDS | BC | ER), /* vfnmadd132ph */
	E(6, 1, 0x9d, 0x9d, EW0, ELA, BOTH, NDS | ER),	/* vfnmadd132sh */
	E(6, 1, 0x9e, 0x9e, EW0, ELA, BOTH, NDS | BC | ER), /* vfnmsub132ph */
	E(6, 1, 0x9f, 0x9f, EW0, ELA, BOTH, NDS | ER),	/* vfnmsub132sh */
	E(6, 1, 0xa6, 0xa8, EW0, ELA, BOTH, NDS | BC | ER), /* vfmaddsub213ph vfmsubadd213ph vfmadd213ph */
	E(6, 1, 0xa9, 0xa9, EW0, ELA, BOTH, NDS | ER),	/* vfmadd213sh */
	E(6, 1, 0xaa, 0xaa, EW0, ELA, BOTH, NDS | BC | ER), /* vfmsub213ph */
	E(6, 1, 0xab, 0xab, EW0, ELA, BOTH, NDS | ER),	/* vfmsub213sh */
	E(6, 1, 0xac, 0xac, EW0, ELA, BOTH, NDS | BC | ER), /* vfnmadd213ph */
	E(6, 1, 0xad, 0xad, EW0, ELA, BOTH, NDS | ER),	/* vfnmadd213sh */
	E(6, 1, 0xae, 0xae, EW0, ELA, BOTH, NDS | BC | ER), /* vfnmsub213ph */
	E(6, 1, 0xaf, 0xaf, EW0, ELA, BOTH, NDS | ER),	/* vfnmsub213sh */
	E(6, 1, 0xb6, 0xb8, EW0, ELA, BOTH, NDS | BC | ER), /* vfmaddsub231ph vfmsubadd231ph vfmadd231ph */
	E(6, 1, 0xb9, 0xb9, EW0, ELA, BOTH, NDS | ER),	/* vfmadd231sh */
	E(6, 1, 0xba, 0xba, EW0, ELA, BOTH, NDS | BC | ER), /* vfmsub231ph */
	E(6, 1, 0xbb, 0xbb, EW0, ELA, BOTH, NDS | ER),	/* vfmsub231sh */
	E(6, 1, 0xbc, 0xbc, EW0, ELA, BOTH, NDS | BC | ER), /* vfnmadd231ph */
	E(6, 1, 0xbd, 0xbd, EW0, ELA, BOTH, NDS | ER),	/* vfnmadd231sh */
	E(6, 1, 0xbe, 0xbe, EW0, ELA, BOTH, NDS | BC | ER), /* vfnmsub231ph */
	E(6, 1, 0xbf, 0xbf, EW0, ELA, BOTH, NDS | ER),	/* vfnmsub231sh */

	/* EVEX map 6, F3 */
	E(6, 2, 0x56, 0x56, EW0, ELA, BOTH, EF_DIST | NDS | BC | ER), /* vfmaddcph */
	E(6, 2, 0x57, 0x57, EW0, ELA, BOTH, EF_DIST | NDS | ER), /* vfmaddcsh */
	E(6, 2, 0xd6, 0xd6, EW0, ELA, BOTH, EF_DIST | NDS | BC | ER), /* vfmulcph */
	E(6, 2, 0xd7, 0xd7, EW0, ELA, BOTH, EF_DIST | NDS | ER), /* vfmulcsh */

	/* EVEX map 6, F2 */
	E(6, 3, 0x56, 0x56, EW0, ELA, BOTH, EF_DIST | NDS | BC | ER), /* vfcmaddcph */
	E(6, 3, 0x57, 0x57, EW0, ELA, BOTH, EF_DIST | NDS | ER), /* vfcmaddcsh */
	E(6, 3, 0xd6, 0xd6, EW0, ELA, BOTH, EF_DIST | NDS | BC | ER), /* vfcmulcph */
	E(6, 3, 0xd7, 0xd7, EW0, ELA, BOTH, EF_DIST | NDS | ER), /* vfcmulcsh */
};

#undef WA
#undef L0
#undef L1
#undef W0
#undef W1
#undef W0L0
#undef W0L1
#undef W1L0
#undef W1L1
#undef BOTH
#undef MEM
#undef REG
#undef RG
#undef V
#undef K3
#undef K2
#undef NDS
#undef I8
#undef EW0
#undef EW1
#undef EWIG
#undef EL0
#undef EL12
#undef EL2
#undef ELA
#undef E
#undef BC
#undef ER
#undef NOK
#undef KREQ
#undef NOZ
#undef MDEST
#undef VSIB
#undef KD

static bool evex_row_ok(const struct evex_row *r, const struct vfields *v,
			const struct x86_insn *in)
{
	bool mem = in->modrm < 0xc0;
	u8 reg = (in->modrm >> 3) & 7;
	u16 f = r->flags;

	if (!((r->wl >> v->w) & 1))
		return false;
	if (mem || !v->bc) {
		if (v->l == 3 || !((r->wl >> (2 + v->l)) & 1))
			return false;
		if (mem && v->bc && !(f & EF_BC))
			return false;
	} else if (!(f & EF_ER)) {
		return false;
	}
	if (!(((mem ? r->mregs : r->rregs) >> reg) & 1))
		return false;
	if (f & EF_VSIB) {
		u8 index = ((in->sib >> 3) & 7) | v->x << 3 | (v->vvvv & 16);
		u8 dest = reg | (v->r & 1) << 3 | (v->r & 2) << 3;

		if (!in->has_sib || (v->vvvv & 15))
			return false;
		if ((f & EF_DIST) && dest == index)
			return false;
	} else if (!(f & EF_NDS) && v->vvvv) {
		return false;
	}
	if (v->aaa ? (f & EF_NOK) : (f & EF_KREQ) != 0)
		return false;
	if (v->z && (!v->aaa || (f & (EF_NOZ | EF_KD)) || ((f & EF_MDEST) && mem)))
		return false;
	if ((f & EF_KD) && v->r)
		return false;
	if ((f & EF_GPR) && (v->r & 2))
		return false;
	if ((f & EF_DIST) && !(f & EF_VSIB)) {
		u8 dest = reg | (v->r & 1) << 3 | (v->r & 2) << 3;
		u8 rm = (in->modrm & 7) | v->b << 3 | v->x << 4;

		if (dest == v->vvvv || (!mem && dest == rm))
			return false;
	}
	return true;
}

/* 62 at d->pos: always EVEX in 64-bit mode (BOUND is gone). */
static int decode_evex(struct dec *d, struct x86_insn *in)
{
	const u8 *c = d->code;
	const struct evex_row *row = NULL;
	struct vfields v = { 0 };
	u8 p0, p1, p2, op;
	int err;

	if ((in->flags & (X86_F_LOCK | X86_F_OPSIZE | X86_F_REP | X86_F_REPNE)) || in->rex)
		return X86_EINVALID;
	if ((err = need(d, 4)))
		return err;
	p0 = c[d->pos + 1];
	p1 = c[d->pos + 2];
	p2 = c[d->pos + 3];
	/* P0 bit 3 is reserved; P1 bit 2 clear would be MVEX (Knights Corner) */
	if ((p0 & 0x08) || !(p1 & 0x04))
		return X86_EINVALID;
	v.map = p0 & 7;
	if (v.map == 0 || v.map == 4 || v.map == 7)
		return X86_EINVALID;
	v.r = (u8)((p0 & 0x80 ? 0 : 1) | (p0 & 0x10 ? 0 : 2));
	v.x = !(p0 & 0x40);
	v.b = !(p0 & 0x20);
	v.w = p1 >> 7;
	v.vvvv = (u8)(((~p1 >> 3) & 15) | (p2 & 0x08 ? 0 : 16));
	v.pp = p1 & 3;
	v.z = p2 >> 7;
	v.l = (p2 >> 5) & 3;
	v.bc = (p2 >> 4) & 1;
	v.aaa = p2 & 7;
	d->pos += 4;

	in->encoding = X86_ENC_EVEX;
	in->map = v.map <= 3 ? v.map : X86_MAP_EVEX5 + v.map - 5;
	in->vex_size = 4;
	in->vex_pp = v.pp;
	in->vex_l = v.l;
	in->vex_vvvv = v.vvvv;
	in->evex_aaa = v.aaa;
	in->evex_z = v.z;
	in->evex_b = v.bc;
	in->rex_bits = v.w << 3 | (v.r & 1) << 2 | v.x << 1 | v.b;
	in->opsize = v.w ? 8 : 4;

	if ((err = need(d, 1)))
		return err;
	in->opcode_offset = d->pos;
	op = c[d->pos++];
	in->opcode[0] = op;
	in->opcode_len = 1;

	for (unsigned i = 0; i < ARRAY_SIZE(evex_rows); i++) {
		const struct evex_row *r = &evex_rows[i];
		if (r->mpp == (v.map << 2 | v.pp) && op >= r->lo && op <= r->hi) {
			row = r;
			break;
		}
	}
	if (!row)
		return X86_EINVALID;
	if ((err = read_modrm(d, in, false)))
		return err;
	if ((err = read_imm(d, in, row->flags & EF_IMM8 ? 1 : 0)))
		return err;
	for (; row < evex_rows + ARRAY_SIZE(evex_rows); row++)
		if (row->mpp == (v.map << 2 | v.pp) && op >= row->lo && op <= row->hi &&
		    evex_row_ok(row, &v, in)) {
			in->len = d->pos;
			return d->pos;
		}
	return X86_EINVALID;
}

/* C4, C5 (VEX), 8F (XOP) or 62 (EVEX) at d->pos. */
static int decode_vex(struct dec *d, struct x86_insn *in)
{
	const u8 *c = d->code;
	const struct vex_row *row = NULL;
	struct vfields v = { 0 };
	u8 p = c[d->pos], b2, op;
	unsigned size = p == 0xc5 ? 2 : 3;
	int err;

	in->vex_offset = d->pos;
	if (p == 0x62)
		return decode_evex(d, in);
	/* No 66, F2, F3, LOCK or REX before these. */
	if ((in->flags & (X86_F_LOCK | X86_F_OPSIZE | X86_F_REP | X86_F_REPNE)) || in->rex)
		return X86_EINVALID;
	if ((err = need(d, size)))
		return err;
	v.r = !(c[d->pos + 1] & 0x80);
	if (p == 0xc5) {
		v.map = 1;
		b2 = c[d->pos + 1];
	} else {
		v.x = !(c[d->pos + 1] & 0x40);
		v.b = !(c[d->pos + 1] & 0x20);
		v.map = c[d->pos + 1] & 0x1f;
		b2 = c[d->pos + 2];
		v.w = b2 >> 7;
		if (p == 0xc4 ? v.map < 1 || v.map > 3 : v.map > 10)
			return X86_EINVALID;
	}
	v.vvvv = (~b2 >> 3) & 15;
	v.l = (b2 >> 2) & 1;
	v.pp = b2 & 3;
	d->pos += size;

	in->encoding = p == 0x8f ? X86_ENC_XOP : X86_ENC_VEX;
	in->map = p == 0x8f ? X86_MAP_XOP8 + v.map - 8 : v.map;
	in->vex_size = size;
	in->vex_pp = v.pp;
	in->vex_l = v.l;
	in->vex_vvvv = v.vvvv;
	in->rex_bits = v.w << 3 | v.r << 2 | v.x << 1 | v.b;
	in->opsize = v.w ? 8 : 4;

	if ((err = need(d, 1)))
		return err;
	in->opcode_offset = d->pos;
	op = c[d->pos++];
	in->opcode[0] = op;
	in->opcode_len = 1;

	for (unsigned i = 0; i < ARRAY_SIZE(vex_rows); i++) {
		const struct vex_row *r = &vex_rows[i];
		if (r->mpp == (v.map << 2 | v.pp) && op >= r->lo && op <= r->hi) {
			row = r;
			break;
		}
	}
	if (!row)
		return X86_EINVALID;
	if (!(row->flags & VF_NOMODRM) && (err = read_modrm(d, in, false)))
		return err;
	if ((err = read_imm(d, in, row->flags & VF_IMM8 ? 1 : row->flags & VF_IMM32 ? 4 : 0)))
		return err;
	for (; row < vex_rows + ARRAY_SIZE(vex_rows); row++)
		if (row->mpp == (v.map << 2 | v.pp) && op >= row->lo && op <= row->hi &&
		    vex_row_ok(row, &v, in)) {
			in->len = d->pos;
			return d->pos;
		}
	return X86_EINVALID;
}

/* ------------------------------------------------------------------ */
/* Top level                                                            */
/* ------------------------------------------------------------------ */

static unsigned imm_bytes(u16 desc, const struct x86_insn *in)
{
	bool o16 = in->flags & X86_F_OPSIZE;
	bool w = in->rex_bits & 8;
	u8 reg = (in->modrm >> 3) & 7;

	switch (desc & D_IMM) {
	case I_B: case I_REL8: return 1;
	case I_W: return 2;
	case I_Z: return o16 && !w ? 2 : 4;
	case I_V: return w ? 8 : o16 ? 2 : 4;
	case I_ENTER: return 3;
	case I_MOFFS: return in->flags & X86_F_ADDRSIZE ? 4 : 8;
	case I_REL32: return 4;
	case I_GRP3:
		if (reg >= 2)
			return 0;
		return in->opcode[0] == 0xf6 ? 1 : o16 && !w ? 2 : 4;
	case I_BB: return 2;
	}
	return 0;
}

int x86_decode(const u8 *code, size_t avail, struct x86_insn *out)
{
	struct dec d = { .code = code, .avail = avail, .pos = 0 };
	struct x86_insn *in = out;
	u8 last_rep = 0, rex = 0, b, map, op, mp;
	u16 desc;
	int err;

	memset(in, 0, sizeof(*in));

	/* Legacy prefixes and REX.  A REX not right before the opcode is
	 * ignored; so is any REX but the last. */
	for (;;) {
		if ((err = need(&d, 1)))
			return err;
		b = code[d.pos];
		switch (b) {
		case 0xf0: in->flags |= X86_F_LOCK; break;
		case 0xf2: in->flags |= X86_F_REPNE; last_rep = b; break;
		case 0xf3: in->flags |= X86_F_REP; last_rep = b; break;
		case 0x66: in->flags |= X86_F_OPSIZE; break;
		case 0x67: in->flags |= X86_F_ADDRSIZE; break;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
			in->flags |= X86_F_SEG;
			in->seg = b;
			break;
		case 0x40 ... 0x4f:
			d.pos++;
			rex = b;
			continue;
		default:
			goto opcode;
		}
		d.pos++;
		rex = 0;
	}
opcode:
	in->nprefix = d.pos;
	in->rex = rex != 0;
	in->rex_bits = rex & 15;
	in->addrsize = in->flags & X86_F_ADDRSIZE ? 4 : 8;
	in->opsize = rex & 8 ? 8 : in->flags & X86_F_OPSIZE ? 2 : 4;
	in->opcode_offset = d.pos;
	mp = last_rep == 0xf3 ? MP_F3 : last_rep == 0xf2 ? MP_F2 :
		in->flags & X86_F_OPSIZE ? MP_66 : MP_NONE;

	b = code[d.pos];
	if (b == 0xc4 || b == 0xc5 || b == 0x62)
		return decode_vex(&d, in);
	if (b == 0x8f) {	/* XOP if the map field would be >= 8, else pop r/m */
		if ((err = need(&d, 2)))
			return err;
		if ((code[d.pos + 1] & 0x1f) >= 8)
			return decode_vex(&d, in);
	}
	d.pos++;
	in->opcode[0] = b;
	in->opcode_len = 1;
	map = X86_MAP_1BYTE;
	op = b;
	if (b == 0x0f) {
		if ((err = need(&d, 1)))
			return err;
		op = code[d.pos++];
		in->opcode[in->opcode_len++] = op;
		map = X86_MAP_0F;
		if (op == 0x38 || op == 0x3a) {
			if ((err = need(&d, 1)))
				return err;
			map = op == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
			op = code[d.pos++];
			in->opcode[in->opcode_len++] = op;
		} else if (op == 0x0f) {
			/* 3DNow!: 0F 0F ModRM [SIB] [disp] suffix */
			in->encoding = X86_ENC_3DNOW;
			if ((err = read_modrm(&d, in, false)))
				return err;
			if ((err = read_imm(&d, in, 1)))
				return err;
			if (!amd3dnow_ok((u8)in->imm) || (in->flags & X86_F_LOCK))
				return X86_EINVALID;
			in->len = d.pos;
			return d.pos;
		}
	}
	in->map = map;

	switch (map) {
	case X86_MAP_1BYTE: desc = map_1byte[op]; break;
	case X86_MAP_0F: desc = map_0f[op][mp]; break;
	case X86_MAP_0F38: desc = map_0f38[op][mp]; break;
	default: desc = map_0f3a[op][mp]; break;
	}
	if (!(desc & D_VALID))
		return X86_EINVALID;
	if (desc & D_MODRM) {
		/* mov to/from crN/drN: always registers, whatever ModRM.mod */
		bool ignore_mod = map == X86_MAP_0F && op >= 0x20 && op <= 0x23;

		if ((err = read_modrm(&d, in, ignore_mod)))
			return err;
		if (!ignore_mod) {
			if ((desc & D_MEM) && in->modrm >= 0xc0)
				return X86_EINVALID;
			if ((desc & D_REG) && in->modrm < 0xc0)
				return X86_EINVALID;
		}
		if ((desc & D_CHECK) && !legacy_ok(map, op, mp, in->modrm, rex))
			return X86_EINVALID;
	}
	if ((in->flags & X86_F_LOCK) &&
	    (!in->has_modrm || !lock_ok(map, op, in->modrm)))
		return X86_EINVALID;
	if ((err = read_imm(&d, in, imm_bytes(desc, in))))
		return err;
	classify_legacy(in, map, op, mp);
	in->len = d.pos;
	return d.pos;
}

const char *x86_branch_name(enum x86_branch br)
{
	static const char *const names[] = {
		[X86_BR_NONE] = "none",
		[X86_BR_JMP_REL] = "jmp rel",
		[X86_BR_JCC_REL] = "jcc rel",
		[X86_BR_CALL_REL] = "call rel",
		[X86_BR_LOOP_REL] = "loop/jrcxz rel",
		[X86_BR_JMP_IND] = "jmp indirect",
		[X86_BR_CALL_IND] = "call indirect",
		[X86_BR_RET] = "ret",
		[X86_BR_IRET] = "iret",
		[X86_BR_FAR] = "far transfer",
		[X86_BR_INT] = "interrupt/system call",
		[X86_BR_XBEGIN] = "xbegin",
	};
	if ((unsigned)br < ARRAY_SIZE(names) && names[br])
		return names[br];
	return "?";
}
