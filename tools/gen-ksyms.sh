#!/bin/sh
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# Usage: gen-ksyms.sh KERNEL.ELF > ksyms.S
# Emits the .ksyms section (sorted text symbols) for kernel/ksyms.c.
# With no argument it emits an empty table for the first link pass.
set -e
if [ $# -eq 0 ]; then
	syms=""
else
	[ -r "$1" ] || { echo "gen-ksyms.sh: cannot read $1" >&2; exit 1; }
	syms=$(nm -n --defined-only "$1" | awk '$2 ~ /^[tT]$/ && $3 !~ /^\./ { print $1, $3 }')
fi
printf '\t.section .ksyms, "a"\n\t.p2align 3\n'
printf '\t.global ksym_count, ksym_addrs, ksym_name_off, ksym_names\n'
n=$(printf '%s' "$syms" | grep -c . || true)
printf 'ksym_count:\n\t.quad %s\nksym_addrs:\n' "$n"
printf '%s\n' "$syms" | awk 'NF { print "\t.quad 0x" $1 }'
printf 'ksym_name_off:\n'
printf '%s\n' "$syms" | awk 'NF { print "\t.long " off; off += length($2) + 1 }' off=0
printf 'ksym_names:\n'
printf '%s\n' "$syms" | awk 'NF { print "\t.asciz \"" $2 "\"" }'
printf '\t.byte 0\n'
