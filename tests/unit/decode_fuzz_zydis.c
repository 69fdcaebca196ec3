/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Differential test of arch/x86_64/decode.c against Zydis 4 (Debian's
 * libzydis-dev), 64-bit mode, 64-bit stack, default decoder modes.
 *
 *   decode_zydis [-n COUNT] [-s SEED] [-m all|legacy|vex|evex|xop|raw]
 *                [-e ELF]... [-x HEX]... [-q]
 *
 * Random part: COUNT byte strings (default 1,000,000) from a generator
 * biased towards real encodings: legacy prefixes (repeated, mixed with
 * REX), the one-byte, 0F, 0F 38, 0F 3A and 3DNow! maps, VEX, EVEX and
 * XOP prefixes with mostly-valid fields, and every ModRM/SIB/disp form;
 * a tenth are uniform bytes.  Each string is 15 bytes, the longest an
 * instruction may be, so running out of bytes means "too long".
 *
 * ELF part (-e): every executable section of the file is swept linearly
 * from each function symbol (or from the section start if there are
 * none) and every instruction compared.
 *
 * Compared for each input: valid or not; for valid ones the length,
 * prefix count, ModRM/SIB presence and offsets, displacement and
 * immediate sizes, offsets and values, RIP-relative addressing, branch
 * class and relative displacement, and the probe flags.  Each valid
 * instruction is also decoded again from one byte fewer, which must give
 * X86_ETRUNC (Zydis: NO_MORE_DATA).
 *
 * Reference policy: Zydis decodes the Knights Corner (Xeon Phi, MVEX and
 * some VEX) instructions by default; no x86-64 CPU runs them and our
 * decoder rejects them, so a Zydis decode whose ISA extension is KNC,
 * KNCE or KNCV counts as "invalid".  Everything else Zydis accepts in
 * 64-bit mode, privileged or not, must be accepted.
 *
 * Exit status 0 with zero disagreements, 1 otherwise (the first few are
 * printed with their bytes and Zydis's reading), 2 on usage errors.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <Zydis/Zydis.h>

#include "arch/x86_64/decode.c"

#define MAX_SHOWN 20

static ZydisDecoder zdec;
static ZydisFormatter zfmt;
static unsigned long long n_cases, n_valid, n_invalid, n_knc, n_bad, n_trunc;
static int quiet;

/* ---- random bytes: splitmix64 ---- */

static u64 rng;

static u64 rnd(void)
{
	u64 z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned rn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

enum gen_mode { G_ALL, G_LEGACY, G_VEX, G_EVEX, G_XOP, G_RAW };

static const u8 legacy_prefixes[] = {
	0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65,
};

/* A ModRM byte with every mod/rm form well represented, then SIB. */
static unsigned gen_modrm(u8 *b, unsigned pos)
{
	u8 mod = rn(4), reg = rn(8), rm = rn(8);
	unsigned k = rn(100);

	if (k < 25)
		rm = 4;		/* SIB */
	else if (k < 40) {
		rm = 5;		/* RIP-relative, or [rbp + disp] */
		if (rn(2))
			mod = 0;
	}
	b[pos++] = (u8)(mod << 6 | reg << 3 | rm);
	if (rm == 4 && mod != 3) {
		u8 sib = (u8)rnd();
		if (rn(4) == 0)
			sib = (sib & ~7) | 5;	/* no base with mod 0 */
		b[pos++] = sib;
	}
	return pos;
}

/* Fills b[0 .. 32); the test uses the first 15 bytes. */
static void gen(u8 *b, enum gen_mode mode)
{
	unsigned pos = 0, k, n;

	for (unsigned i = 0; i < X86_MAX_INSN_LEN; i++)
		b[i] = (u8)rnd();
	if (mode == G_RAW || (mode == G_ALL && rn(10) == 0))
		return;

	/* Legacy prefixes: usually none or a few, sometimes many. */
	k = rn(100);
	n = k < 55 ? 0 : k < 90 ? 1 + rn(3) : rn(15);
	for (unsigned i = 0; i < n && pos < 14; i++)
		b[pos++] = legacy_prefixes[rn(sizeof(legacy_prefixes))];

	k = rn(100);
	if (mode == G_LEGACY)
		k = rn(77);
	else if (mode == G_VEX)
		k = 77;
	else if (mode == G_EVEX)
		k = 87;
	else if (mode == G_XOP)
		k = 97;

	if (k < 77) {
		if (rn(10) < 3 && pos < 14)
			b[pos++] = 0x40 | rn(16);	/* REX */
		if (k < 35) {
			/* one-byte map: opcode is whatever rnd() put there */
			u8 op = b[pos];
			if (op == 0x0f || op == 0xc4 || op == 0xc5 || op == 0x62)
				b[pos] = 0x90;
			pos++;
		} else if (k < 55) {
			b[pos++] = 0x0f;
			pos++;
		} else if (k < 65) {
			b[pos++] = 0x0f;
			b[pos++] = 0x38;
			pos++;
		} else if (k < 75) {
			b[pos++] = 0x0f;
			b[pos++] = 0x3a;
			pos++;
		} else {
			b[pos++] = 0x0f;
			b[pos++] = 0x0f;
		}
	} else if (k < 87) {
		/* VEX */
		if (rn(10) < 4) {
			b[pos++] = 0xc5;
			b[pos++] = (u8)rnd();
		} else {
			u8 m = rn(10) < 8 ? 1 + rn(3) : rn(32);
			b[pos++] = 0xc4;
			b[pos++] = (u8)((rnd() & 0xe0) | m);
			b[pos] = (u8)rnd();
			if (rn(2))
				b[pos] |= 0x78;	/* vvvv unused */
			pos++;
		}
		pos++;	/* opcode */
	} else if (k < 97) {
		/* EVEX */
		static const u8 maps[] = { 1, 2, 3, 5, 6 };
		u8 p0 = (u8)(rnd() & 0xf0), p1 = (u8)rnd(), p2 = (u8)rnd();
		p0 |= rn(10) < 9 ? maps[rn(5)] : rn(16);
		if (rn(20))
			p1 |= 4;
		if (rn(2))
			p1 |= 0x78;
		if (rn(5))
			p2 &= 0x7f;	/* z = 0 */
		if (rn(5))
			p2 |= 8;	/* V' = 1 (inverted) */
		if (rn(2))
			p2 &= 0xf8;	/* no mask */
		b[pos++] = 0x62;
		b[pos++] = p0;
		b[pos++] = p1;
		b[pos++] = p2;
		pos++;
	} else {
		/* XOP */
		u8 m = rn(10) < 9 ? 8 + rn(3) : rn(32);
		b[pos++] = 0x8f;
		b[pos++] = (u8)((rnd() & 0xe0) | m);
		b[pos++] = (u8)rnd();
		pos++;
	}
	if (pos < 13)
		gen_modrm(b, pos);
}

/* ---- Zydis side ---- */

struct zres {
	int ok;          /* 1 valid, 0 invalid, -1 truncated */
	int knc;         /* valid for Zydis, but a KNC instruction */
	ZyanStatus status;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
};

static void zdecode(const u8 *b, size_t n, struct zres *z, bool operands)
{
	ZydisDecoderContext ctx;

	z->knc = 0;
	z->status = ZydisDecoderDecodeInstruction(&zdec, &ctx, b, n, &z->in);
	if (z->status == ZYDIS_STATUS_NO_MORE_DATA) {
		z->ok = -1;
		return;
	}
	z->ok = ZYAN_SUCCESS(z->status);
	if (z->ok && (z->in.meta.isa_ext == ZYDIS_ISA_EXT_KNC ||
		      z->in.meta.isa_ext == ZYDIS_ISA_EXT_KNCE ||
		      z->in.meta.isa_ext == ZYDIS_ISA_EXT_KNCV ||
		      z->in.encoding == ZYDIS_INSTRUCTION_ENCODING_MVEX)) {
		z->knc = 1;
		z->ok = 0;
	}
	if (z->ok && operands &&
	    !ZYAN_SUCCESS(ZydisDecoderDecodeOperands(&zdec, &ctx, &z->in, z->ops,
						     z->in.operand_count)))
		z->ok = 0;
}

static bool zvalid(const u8 *b, size_t n)
{
	struct zres z;

	zdecode(b, n, &z, false);
	return z.ok > 0;
}

static void ztext(const u8 *b, size_t n, char *buf, size_t size)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZyanStatus s = ZydisDecoderDecodeFull(&zdec, b, n, &in, ops);

	if (!ZYAN_SUCCESS(s)) {
		snprintf(buf, size, "<status 0x%x>", (unsigned)s);
		return;
	}
	if (!ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&zfmt, &in, ops,
			in.operand_count_visible, buf, size, 0, NULL)))
		snprintf(buf, size, "%s", ZydisMnemonicGetString(in.mnemonic));
}

/* The branch class Zydis's reading implies. */
static int zbranch(const ZydisDecodedInstruction *in)
{
	bool rel = in->raw.imm[0].is_relative;

	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_JMP:
		if (in->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
			return X86_BR_FAR;
		return rel ? X86_BR_JMP_REL : X86_BR_JMP_IND;
	case ZYDIS_MNEMONIC_CALL:
		if (in->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
			return X86_BR_FAR;
		return rel ? X86_BR_CALL_REL : X86_BR_CALL_IND;
	case ZYDIS_MNEMONIC_LOOP: case ZYDIS_MNEMONIC_LOOPE:
	case ZYDIS_MNEMONIC_LOOPNE: case ZYDIS_MNEMONIC_JRCXZ:
	case ZYDIS_MNEMONIC_JECXZ: case ZYDIS_MNEMONIC_JCXZ:
		return X86_BR_LOOP_REL;
	case ZYDIS_MNEMONIC_RET:
		return in->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR ? X86_BR_FAR : X86_BR_RET;
	case ZYDIS_MNEMONIC_IRET: case ZYDIS_MNEMONIC_IRETD: case ZYDIS_MNEMONIC_IRETQ:
		return X86_BR_IRET;
	case ZYDIS_MNEMONIC_INT3: case ZYDIS_MNEMONIC_INT: case ZYDIS_MNEMONIC_INT1:
	case ZYDIS_MNEMONIC_INTO: case ZYDIS_MNEMONIC_SYSCALL: case ZYDIS_MNEMONIC_SYSRET:
	case ZYDIS_MNEMONIC_SYSENTER: case ZYDIS_MNEMONIC_SYSEXIT:
	case ZYDIS_MNEMONIC_VMCALL: case ZYDIS_MNEMONIC_VMMCALL:
	case ZYDIS_MNEMONIC_VMLAUNCH: case ZYDIS_MNEMONIC_VMRESUME: case ZYDIS_MNEMONIC_VMRUN:
	case ZYDIS_MNEMONIC_RSM: case ZYDIS_MNEMONIC_UIRET: case ZYDIS_MNEMONIC_TDCALL:
	case ZYDIS_MNEMONIC_SEAMCALL: case ZYDIS_MNEMONIC_SEAMRET:
		return X86_BR_INT;
	case ZYDIS_MNEMONIC_XBEGIN:
		return X86_BR_XBEGIN;
	default:
		if (in->meta.category == ZYDIS_CATEGORY_COND_BR && rel)
			return X86_BR_JCC_REL;
		return X86_BR_NONE;
	}
}

/* The probe flags Zydis's reading implies. */
static u32 zflags(const struct zres *z)
{
	const ZydisDecodedInstruction *in = &z->in;
	u32 f = 0;

	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_CLI: case ZYDIS_MNEMONIC_STI: case ZYDIS_MNEMONIC_POPF:
	case ZYDIS_MNEMONIC_POPFD: case ZYDIS_MNEMONIC_POPFQ: case ZYDIS_MNEMONIC_IRET:
	case ZYDIS_MNEMONIC_IRETD: case ZYDIS_MNEMONIC_IRETQ:
		f |= X86_F_CHANGES_IF;
		break;
	case ZYDIS_MNEMONIC_INT3:
		f |= X86_F_INT3;
		break;
	case ZYDIS_MNEMONIC_UD0: case ZYDIS_MNEMONIC_UD1: case ZYDIS_MNEMONIC_UD2:
		f |= X86_F_UD;
		break;
	case ZYDIS_MNEMONIC_HLT:
		f |= X86_F_HLT;
		break;
	case ZYDIS_MNEMONIC_LSS:
		f |= X86_F_LOADS_SS;
		break;
	case ZYDIS_MNEMONIC_MOV:
		if (z->ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    z->ops[0].reg.value == ZYDIS_REGISTER_SS)
			f |= X86_F_LOADS_SS;
		break;
	default:
		break;
	}
	return f;
}

static bool zrip_relative(const struct zres *z)
{
	for (unsigned i = 0; i < z->in.operand_count; i++)
		if (z->ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    (z->ops[i].mem.base == ZYDIS_REGISTER_RIP ||
		     z->ops[i].mem.base == ZYDIS_REGISTER_EIP))
			return true;
	return false;
}

/* ---- comparison ---- */

static void show(const char *what, const u8 *b, size_t n, const struct zres *z,
		 int ret, const struct x86_insn *in, const char *where)
{
	char text[256];

	if (++n_bad > MAX_SHOWN)
		return;
	printf("DISAGREE %s%s%s: ", what, where ? " at " : "", where ? where : "");
	for (size_t i = 0; i < n && i < X86_MAX_INSN_LEN; i++)
		printf("%02x", b[i]);
	ztext(b, n, text, sizeof(text));
	printf("\n    zydis: %s, len %d%s: %s\n", z->ok > 0 ? "valid" : z->knc ? "KNC" :
	       z->ok < 0 ? "truncated" : "invalid", z->ok > 0 || z->knc ? z->in.length : 0,
	       z->ok > 0 ? "" : "", text);
	printf("    ours:  ret %d", ret);
	if (ret > 0)
		printf(" modrm %d@%u sib %d disp %u@%u imm %u@%u rip %d branch %s rel %d flags %#x",
		       in->has_modrm, in->modrm_offset, in->has_sib, in->disp_size,
		       in->disp_offset, in->imm_size, in->imm_offset, in->rip_relative,
		       x86_branch_name(in->branch), in->rel, in->flags);
	printf("\n");
}

/* Compares the fields of a valid instruction both decoders agree on. */
static const char *compare_fields(const struct zres *z, const struct x86_insn *in)
{
	const ZydisDecodedInstruction *zi = &z->in;
	bool moffs = in->encoding == X86_ENC_LEGACY && in->map == X86_MAP_1BYTE &&
		in->opcode[0] >= 0xa0 && in->opcode[0] <= 0xa3;
	unsigned zimm = zi->raw.imm[0].size / 8 + zi->raw.imm[1].size / 8;
	u32 probe_flags = X86_F_CHANGES_IF | X86_F_INT3 | X86_F_UD | X86_F_HLT |
		X86_F_LOADS_SS;

	if (in->nprefix != zi->raw.prefix_count)
		return "prefix count";
	if (in->has_modrm != !!(zi->attributes & ZYDIS_ATTRIB_HAS_MODRM))
		return "ModRM presence";
	if (in->has_modrm && in->modrm_offset != zi->raw.modrm.offset)
		return "ModRM offset";
	if (in->has_sib != !!(zi->attributes & ZYDIS_ATTRIB_HAS_SIB))
		return "SIB presence";
	if (moffs) {
		u64 mask = in->imm_size == 8 ? ~0ull : (1ull << (in->imm_size * 8)) - 1;
		if (in->imm_size * 8 != zi->raw.disp.size ||
		    in->imm != ((u64)zi->raw.disp.value & mask) ||
		    in->imm_offset != zi->raw.disp.offset)
			return "moffs";
	} else {
		if (in->disp_size * 8 != zi->raw.disp.size)
			return "displacement size";
		if (in->disp_size && (in->disp_offset != zi->raw.disp.offset ||
				      in->disp != zi->raw.disp.value))
			return "displacement offset/value";
		if (in->encoding != X86_ENC_3DNOW) {
			if (in->imm_size != zimm)
				return "immediate size";
			if (zimm && in->imm_offset != zi->raw.imm[0].offset)
				return "immediate offset";
		}
	}
	if (in->rip_relative != zrip_relative(z))
		return "RIP-relative";
	if (in->branch != zbranch(zi))
		return "branch class";
	if (zi->raw.imm[0].is_relative && in->rel != zi->raw.imm[0].value.s)
		return "relative displacement";
	if ((in->flags & probe_flags) != zflags(z))
		return "probe flags";
	return NULL;
}

static bool check_one(const u8 *b, size_t n, const char *where)
{
	struct x86_insn in;
	struct zres z;
	int ret = x86_decode(b, n, &in);
	bool ours = ret > 0;

	zdecode(b, n, &z, true);
	n_cases++;
	if (z.knc)
		n_knc++;
	if (ret == X86_ETRUNC && n >= X86_MAX_INSN_LEN) {
		show("ETRUNC with 15 bytes available", b, n, &z, ret, &in, where);
		return false;
	}
	if (z.ok < 0 && ret == X86_ETRUNC)
		return true;
	if ((z.ok > 0) != ours) {
		show(ours ? "validity (ours valid)" : "validity (zydis valid)", b, n, &z,
		     ret, &in, where);
		return false;
	}
	if (!ours) {
		n_invalid++;
		return true;
	}
	n_valid++;
	if (ret != z.in.length) {
		show("length", b, n, &z, ret, &in, where);
		return false;
	}
	const char *what = compare_fields(&z, &in);
	if (what) {
		show(what, b, n, &z, ret, &in, where);
		return false;
	}
	/* One byte short must read as truncated to both. */
	struct x86_insn t;
	int tret = x86_decode(b, (size_t)ret - 1, &t);
	zdecode(b, (size_t)ret - 1, &z, false);
	if (tret != X86_ETRUNC || z.ok >= 0) {
		n_trunc++;
		show("truncated by one byte", b, (size_t)ret, &z, tret, &t, where);
		return false;
	}
	return true;
}

/* ---- ELF sweep ---- */

struct elf_sec {
	u32 name, type;
	u64 flags, addr, offset, size;
	u32 link, info;
	u64 align, entsize;
};

static u64 rd(const u8 *p, unsigned n)
{
	return get_le(p, n);
}

static void sweep(const u8 *code, u64 size, u64 addr, const char *name)
{
	u64 off = 0;
	char where[160];

	while (off < size) {
		struct x86_insn in;
		int ret = x86_decode(code + off, (size_t)(size - off), &in);

		snprintf(where, sizeof(where), "%s+%#llx (%#llx)", name,
			 (unsigned long long)off, (unsigned long long)(addr + off));
		check_one(code + off, (size_t)(size - off), where);
		off += ret > 0 ? (u64)ret : 1;
	}
}

static int run_elf(const char *path)
{
	FILE *f = fopen(path, "rb");
	u8 *img;
	long size;
	unsigned long long before = n_cases;

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 64 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "%s: cannot read\n", path);
		return -1;
	}
	img = malloc((size_t)size);
	if (!img || fread(img, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "%s: cannot read\n", path);
		return -1;
	}
	fclose(f);
	if (memcmp(img, "\177ELF", 4) || img[4] != 2 || img[5] != 1) {
		fprintf(stderr, "%s: not a little-endian ELF64 file\n", path);
		return -1;
	}
	u64 shoff = rd(img + 0x28, 8);
	unsigned shentsize = (unsigned)rd(img + 0x3a, 2), shnum = (unsigned)rd(img + 0x3c, 2);
	unsigned shstrndx = (unsigned)rd(img + 0x3e, 2);
	if (shoff + (u64)shnum * shentsize > (u64)size || shentsize < 64 || shstrndx >= shnum) {
		fprintf(stderr, "%s: bad section headers\n", path);
		return -1;
	}
	struct elf_sec *sec = calloc(shnum, sizeof(*sec));
	for (unsigned i = 0; i < shnum; i++) {
		const u8 *h = img + shoff + (u64)i * shentsize;
		sec[i] = (struct elf_sec){
			.name = (u32)rd(h, 4), .type = (u32)rd(h + 4, 4), .flags = rd(h + 8, 8),
			.addr = rd(h + 16, 8), .offset = rd(h + 24, 8), .size = rd(h + 32, 8),
			.link = (u32)rd(h + 40, 4), .info = (u32)rd(h + 44, 4),
			.align = rd(h + 48, 8), .entsize = rd(h + 56, 8),
		};
		if (sec[i].type != 8 /* NOBITS */ && sec[i].offset + sec[i].size > (u64)size) {
			fprintf(stderr, "%s: section %u out of file\n", path, i);
			return -1;
		}
	}
	const char *shstr = (const char *)img + sec[shstrndx].offset;
	unsigned nsyms = 0;

	for (unsigned i = 0; i < shnum; i++) {
		const struct elf_sec *s = &sec[i];
		if (s->type != 2 /* SYMTAB */ || s->link >= shnum || s->entsize < 24)
			continue;
		const char *strtab = (const char *)img + sec[s->link].offset;
		for (u64 j = 0; j < s->size / s->entsize; j++) {
			const u8 *sym = img + s->offset + j * s->entsize;
			unsigned type = sym[4] & 15, shndx = (unsigned)rd(sym + 6, 2);
			u64 value = rd(sym + 8, 8), ssize = rd(sym + 16, 8);
			if (type != 2 /* FUNC */ || !ssize || shndx >= shnum)
				continue;
			const struct elf_sec *t = &sec[shndx];
			if (!(t->flags & 4 /* EXECINSTR */) || t->type == 8 ||
			    value < t->addr || value + ssize > t->addr + t->size)
				continue;
			sweep(img + t->offset + (value - t->addr), ssize, value,
			      strtab + rd(sym, 4));
			nsyms++;
		}
	}
	if (!nsyms)
		for (unsigned i = 0; i < shnum; i++)
			if ((sec[i].flags & 4) && sec[i].type != 8)
				sweep(img + sec[i].offset, sec[i].size, sec[i].addr,
				      shstr + sec[i].name);
	if (!quiet)
		printf("%s: %u functions, %llu instructions compared\n", path, nsyms,
		       n_cases - before);
	free(sec);
	free(img);
	return 0;
}

static int hexbytes(const char *s, u8 *b)
{
	size_t n = strlen(s) / 2;
	for (size_t i = 0; i < n && i < 32; i++) {
		unsigned x;
		if (sscanf(s + 2 * i, "%2x", &x) != 1)
			return -1;
		b[i] = (u8)x;
	}
	return (int)(n > 32 ? 32 : n);
}

int main(int argc, char **argv)
{
	unsigned long long count = 1000000, seed = 1;
	enum gen_mode mode = G_ALL;
	const char *elves[16];
	unsigned nelves = 0;
	struct timespec t0, t1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-q")) {
			quiet = 1;
			continue;
		}
		if (!v)
			goto usage;
		i++;
		if (!strcmp(a, "-n"))
			count = strtoull(v, NULL, 0);
		else if (!strcmp(a, "-s"))
			seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "-e") && nelves < 16)
			elves[nelves++] = v;
		else if (!strcmp(a, "-x")) {
			u8 b[32];
			int n = hexbytes(v, b);
			if (n <= 0)
				goto usage;
			ZydisDecoderInit(&zdec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
			ZydisFormatterInit(&zfmt, ZYDIS_FORMATTER_STYLE_INTEL);
			check_one(b, (size_t)n, "-x");
			printf("%s\n", n_bad ? "disagree" : "agree");
			count = 0;
		} else if (!strcmp(a, "-m")) {
			static const char *const names[] = { "all", "legacy", "vex", "evex", "xop", "raw" };
			unsigned m;
			for (m = 0; m < 6 && strcmp(v, names[m]); m++)
				;
			if (m == 6)
				goto usage;
			mode = (enum gen_mode)m;
		} else
			goto usage;
	}

	if (!ZYAN_SUCCESS(ZydisDecoderInit(&zdec, ZYDIS_MACHINE_MODE_LONG_64,
					   ZYDIS_STACK_WIDTH_64)) ||
	    !ZYAN_SUCCESS(ZydisFormatterInit(&zfmt, ZYDIS_FORMATTER_STYLE_INTEL))) {
		fprintf(stderr, "zydis init failed\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rng = seed;
	for (unsigned long long i = 0; i < count; i++) {
		u8 b[32];
		gen(b, mode);
		/* Half the cases: draw again (a few times) until Zydis finds a
		 * valid instruction, so valid encodings are well covered too. */
		if (rn(2))
			for (unsigned t = 0; t < 32 && !zvalid(b, X86_MAX_INSN_LEN); t++)
				gen(b, mode);
		check_one(b, X86_MAX_INSN_LEN, NULL);
		if (!quiet && count > 1000000 && (i + 1) % 1000000 == 0)
			fprintf(stderr, "  %llu/%llu random cases, %llu disagreements\n",
				i + 1, count, n_bad);
	}
	for (unsigned i = 0; i < nelves; i++)
		if (run_elf(elves[i]))
			return 2;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ZyanU64 zv = ZydisGetVersion();
	printf("decode_zydis: Zydis %u.%u.%u: %llu cases (seed %llu, %llu random), %llu valid, "
	       "%llu invalid (%llu KNC-only), %llu disagreements, %.1f s\n",
	       (unsigned)ZYDIS_VERSION_MAJOR(zv), (unsigned)ZYDIS_VERSION_MINOR(zv),
	       (unsigned)ZYDIS_VERSION_PATCH(zv), n_cases, seed, count, n_valid, n_invalid,
	       n_knc, n_bad,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return n_bad ? 1 : 0;
usage:
	fprintf(stderr, "usage: %s [-n COUNT] [-s SEED] [-m all|legacy|vex|evex|xop|raw] "
		"[-e ELF]... [-x HEX]... [-q]\n", argv[0]);
	return 2;
}
