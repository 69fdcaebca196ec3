/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Fixed-width types for freestanding code: only compiler-provided headers. */
#ifndef LIB_TYPES_H
#define LIB_TYPES_H

#ifdef KSTUB_LINUX_GLUE
/* The Linux port's own files (ports/linux/) include kernel headers, which
 * define these names; the core's files never see a kernel header. */
#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/stdarg.h>
#else
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#ifndef ALIGN_DOWN
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((u64)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a) - 1))
#endif
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

#endif
