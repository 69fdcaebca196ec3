#!/bin/busybox sh
# SPDX-License-Identifier: MIT OR GPL-2.0-only
#
# /init of the initramfs the kstub.ko tests boot (tools/linux_image.py
# builds it): Debian's stock kernel, busybox, /kstub.ko.  Loads the
# module with the arguments of kg.args= on the kernel command line,
# starts a workload that makes system calls all the time, and gives the
# console to a shell the tests type into.  Lines the tests wait for:
#   kstub-guest: insmod rc=N
#   kstub-guest: ready
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Module and kstub lines on the console, not every message.
echo 7 >/proc/sys/kernel/printk

# A module to trace, loaded first: kstub.ko's symbol table then has it
# from the start (a later load makes it rebuild the table).
[ -f /ktarget.ko ] && insmod /ktarget.ko

args=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^kg.args=//p' | tr ',' ' ' | sed 's/+/,/g')
if [ -n "$args" ]; then
	insmod /kstub.ko $args
	echo "kstub-guest: insmod rc=$?"
fi

# The workload: uname(2) and openat(2) on every CPU, forever.
for i in 1 2; do
	(while :; do uname >/dev/null; cat /proc/version >/dev/null; done) &
done

echo "kstub-guest: ready"
exec setsid cttyhack sh
