#!/bin/busybox sh
# SPDX-License-Identifier: MIT OR GPL-2.0-only
#
# /init of the Linux peer's initramfs (bench/linux_peer.py builds it with
# busybox-static and probe_bench).  Measures per getppid() system call:
# the bare call, ftrace's raw_syscalls:sys_enter event with tracing on and
# off, and a kprobe event on __x64_sys_getppid placed on ftrace (function
# entry), jump-optimized, and as a plain int3.  Every figure is printed
# beside a bare-call baseline timed alternately with it.  Output lines:
#
#   linux-peer: kernel=RELEASE cpus=N calls=N reps=N
#   linux-peer: case=NAME ns=NS base_ns=NS [probe=SYM+0xOFF flags=F hits=N]
#   linux-peer: skip case=NAME reason=TEXT
#   linux-peer: done
#
# then `poweroff -f`.  Options on the kernel command line: lp.calls=N
# (system calls per timed round), lp.reps=N (rounds, best kept),
# lp.pairs=N (baseline/figure pairs per case, lowest kept),
# lp.cases=all|event|kprobe.

/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Keep kernel messages off the console while we print results.
echo 1 >/proc/sys/kernel/printk

say() { echo "linux-peer: $*"; }
finish() {
	say done
	sync
	poweroff -f
	sleep 5
}

opt() {
	v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^lp\.$1=//p" | tail -n 1)
	echo "${v:-$2}"
}
CALLS=$(opt calls 20000)
REPS=$(opt reps 5)
PAIRS=$(opt pairs 3)
CASES=$(opt cases all)
FN=__x64_sys_getppid
T=/sys/kernel/tracing
K=/sys/kernel/debug/kprobes

mount -t tracefs tracefs $T 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
say "kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) calls=$CALLS reps=$REPS pairs=$PAIRS"

bench() { /probe_bench -n "$CALLS" -r "$REPS" -c 0 | sed -n 's/^ns=//p'; }

# measure NAME ENABLE DISABLE [EXTRA]: $PAIRS times a baseline, switch
# on, time, switch off; prints the lowest of each (EXTRA's output, taken
# while switched on, is appended).
lower() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a + 0 < b + 0) ? a : b }'; }
measure() {
	local b= v= x= pair
	for pair in $(seq "$PAIRS"); do
		b=$(lower "$(bench)" "$b")
		$2
		v=$(lower "$(bench)" "$v")
		[ "$pair" -lt "$PAIRS" ] || x=$($4)
		$3
	done
	say "case=$1 ns=$v base_ns=$b$x"
}

echo 0 >$T/tracing_on
nop() { :; }
measure base nop nop

case $CASES in all|*event*)
	if [ -d $T/events/raw_syscalls/sys_enter ]; then
		ev_on() { echo 1 >$T/events/raw_syscalls/sys_enter/enable; echo 1 >$T/tracing_on; }
		ev_off() { echo 0 >$T/tracing_on; echo 0 >$T/events/raw_syscalls/sys_enter/enable; }
		tr_off() { echo 1 >$T/events/raw_syscalls/sys_enter/enable; echo 0 >$T/tracing_on; }
		measure event_on ev_on ev_off
		measure event_off tr_off ev_off
		echo >$T/trace
	else
		say "skip case=event_on reason=no raw_syscalls:sys_enter in $T/events"
		say "skip case=event_off reason=no raw_syscalls:sys_enter in $T/events"
	fi
	;;
esac

# The kprobe cases: kprobe events with tracing off (the handler runs, the
# ring buffer refuses the record), so they time the probe mechanism.
case $CASES in all|*kprobe*)
	# Bytes of the function: the next symbol in /proc/kallsyms (in address
	# order for the kernel image), low 32 bits only (ash arithmetic).
	set -- $(grep -A1 " $FN\$" /proc/kallsyms | cut -d' ' -f1)
	size=0 FNADDR=${1:-0}
	if [ $# -ge 2 ]; then
		size=$(( 0x${2#ffffffff} - 0x${1#ffffffff} ))
	fi
	[ "$size" -gt 0 ] && [ "$size" -lt 4096 ] || size=64
	say "function=$FN size=$size"
	echo 0 >$T/tracing_on
	echo 1 >/proc/sys/debug/kprobes-optimization

	# place NAME OFFSET: create lp/NAME at $FN+OFFSET, disabled; fails if
	# the kernel refuses the spot (not an instruction boundary, ...).
	place() { echo "p:lp/$1 $FN+$2" >>$T/kprobe_events 2>/dev/null; }
	remove() {
		echo 0 >$T/events/lp/$1/enable 2>/dev/null
		echo "-:lp/$1" >>$T/kprobe_events 2>/dev/null
	}
	# flags OFFSET: the kprobes list's flags for the probe at $FN+OFFSET
	# ("none" when plain, nothing when not listed).  Looked up by address:
	# the list may name an alias (__do_sys_getppid) at the same address.
	flags() {
		local a l f
		a=$(printf "ffffffff%08x" $((0x${FNADDR#ffffffff} + $1)))
		l=$(grep "^$a " $K/list)
		f=$(echo "$l" | sed -n 's/[^[]*\(\[.*\]\).*/\1/p' | tr -d '[ ' | tr ']' ',' | sed 's/,$//')
		[ -n "$l" ] && echo "${f:-none}"
	}
	hits() { awk -v n="$1" '$1 == n || $1 == "lp/" n { print $2 }' $T/kprobe_profile; }
	# enable/disable the current probe ($PROBE at $PROBE_OFF); when
	# $WANT is set, wait (up to 2 s) until the list shows that flag.
	pon() {
		echo 1 >$T/events/lp/$PROBE/enable
		[ -n "$WANT" ] || return 0
		local try
		for try in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			case $(flags "$PROBE_OFF") in *$WANT*) return 0 ;; esac
			sleep 0.1
		done
	}
	poff() { echo 0 >$T/events/lp/$PROBE/enable; }
	note() { echo " probe=$FN+$(printf 0x%x "$PROBE_OFF") flags=$(flags "$PROBE_OFF") hits=$(hits "$PROBE")"; }

	# At function entry: with KPROBES_ON_FTRACE the kprobe rides the
	# ftrace call site (flag FTRACE).
	PROBE=ftr PROBE_OFF=0 WANT=
	if place ftr 0; then
		pon
		f=$(flags 0)
		poff
		case $f in *FTRACE*) measure kprobe_ftrace pon poff note ;;
		*) say "skip case=kprobe_ftrace reason=$FN+0x0 not on ftrace (flags $f)" ;;
		esac
		remove ftr
	else
		say "skip case=kprobe_ftrace reason=cannot place a kprobe at $FN+0x0"
	fi

	# Jump-optimized: the first offset after entry that the kernel
	# optimizes (the optimizer runs a few jiffies after arming).
	off=1 found=
	PROBE=opt WANT=OPTIMIZED
	while [ $off -le $((size - 5)) ] && [ -z "$found" ]; do
		if place opt $off; then
			PROBE_OFF=$off
			pon
			case $(flags $off) in *OPTIMIZED*) found=$off ;; esac
			poff
			[ -n "$found" ] || remove opt
		fi
		off=$((off + 1))
	done
	if [ -n "$found" ]; then
		measure kprobe_opt pon poff note
		remove opt
	else
		say "skip case=kprobe_opt reason=no offset in $FN+1..$((size - 5)) was optimized"
	fi

	# A plain int3 kprobe: the same spot with optimization switched off
	# (or, without one, the first offset after entry the kernel accepts).
	echo 0 >/proc/sys/debug/kprobes-optimization
	PROBE=int3 WANT=
	off=${found:-1} placed=
	while [ $off -le $((size - 1)) ]; do
		if place int3 $off; then
			placed=$off
			break
		fi
		off=$((off + 1))
	done
	if [ -n "$placed" ]; then
		PROBE_OFF=$placed
		pon
		f=$(flags $placed)
		poff
		case $f in *OPTIMIZED*|*FTRACE*)
			say "skip case=kprobe_int3 reason=$FN+$(printf 0x%x $placed) is $f with kprobes-optimization=0" ;;
		*) measure kprobe_int3 pon poff note ;;
		esac
		remove int3
	else
		say "skip case=kprobe_int3 reason=no offset in $FN+1..$((size - 1)) accepted"
	fi
	echo 1 >/proc/sys/debug/kprobes-optimization
	;;
esac

finish
