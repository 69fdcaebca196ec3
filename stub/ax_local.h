/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Private to the agent VM (stub/ax.c, stub/ax_printf.c) and its tests:
 * the opcode numbers and the format checker the verifier shares with
 * ax_format().  Users of the VM include only ax.h.
 */
#ifndef STUB_AX_LOCAL_H
#define STUB_AX_LOCAL_H

#include "ax.h"

/* GDB manual, "Bytecode Descriptions" (gdb/common/ax.def numbering). */
enum ax_op {
	AX_OP_FLOAT = 0x01,
	AX_OP_ADD = 0x02,
	AX_OP_SUB = 0x03,
	AX_OP_MUL = 0x04,
	AX_OP_DIV_SIGNED = 0x05,
	AX_OP_DIV_UNSIGNED = 0x06,
	AX_OP_REM_SIGNED = 0x07,
	AX_OP_REM_UNSIGNED = 0x08,
	AX_OP_LSH = 0x09,
	AX_OP_RSH_SIGNED = 0x0a,
	AX_OP_RSH_UNSIGNED = 0x0b,
	AX_OP_TRACE = 0x0c,
	AX_OP_TRACE_QUICK = 0x0d,
	AX_OP_LOG_NOT = 0x0e,
	AX_OP_BIT_AND = 0x0f,
	AX_OP_BIT_OR = 0x10,
	AX_OP_BIT_XOR = 0x11,
	AX_OP_BIT_NOT = 0x12,
	AX_OP_EQUAL = 0x13,
	AX_OP_LESS_SIGNED = 0x14,
	AX_OP_LESS_UNSIGNED = 0x15,
	AX_OP_EXT = 0x16,
	AX_OP_REF8 = 0x17,
	AX_OP_REF16 = 0x18,
	AX_OP_REF32 = 0x19,
	AX_OP_REF64 = 0x1a,
	AX_OP_REF_FLOAT = 0x1b,
	AX_OP_REF_DOUBLE = 0x1c,
	AX_OP_REF_LONG_DOUBLE = 0x1d,
	AX_OP_L_TO_D = 0x1e,
	AX_OP_D_TO_L = 0x1f,
	AX_OP_IF_GOTO = 0x20,
	AX_OP_GOTO = 0x21,
	AX_OP_CONST8 = 0x22,
	AX_OP_CONST16 = 0x23,
	AX_OP_CONST32 = 0x24,
	AX_OP_CONST64 = 0x25,
	AX_OP_REG = 0x26,
	AX_OP_END = 0x27,
	AX_OP_DUP = 0x28,
	AX_OP_POP = 0x29,
	AX_OP_ZERO_EXT = 0x2a,
	AX_OP_SWAP = 0x2b,
	AX_OP_GETV = 0x2c,
	AX_OP_SETV = 0x2d,
	AX_OP_TRACEV = 0x2e,
	AX_OP_TRACENZ = 0x2f,
	AX_OP_TRACE16 = 0x30,
	/* 0x31 is "invalid2" in gdb's table: never an opcode. */
	AX_OP_PICK = 0x32,
	AX_OP_ROT = 0x33,
	AX_OP_PRINTF = 0x34,
};

/* Longest string %s reads from target memory. */
#define AX_FMT_STR_MAX 256

/*
 * Arguments fmt consumes (conversions plus `*` widths and precisions),
 * or -1 when ax_format() would refuse it.  The verifier uses it to hold
 * a printf opcode's nargs to its format once, at definition time.
 */
int ax_format_nargs(const char *fmt);

#endif
