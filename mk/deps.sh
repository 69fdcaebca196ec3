#!/bin/sh
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# Installs the Debian packages kstub needs, only when something is missing.
set -e
pkgs="gcc make binutils qemu-system-x86 gdb python3 python3-pytest python3-pytest-timeout libcmocka-dev libzydis-dev babeltrace2 python3-bt2 liblttng-ust-dev lttng-tools libserialport-dev clang libclang-rt-dev lldb busybox-static libc6-dev linux-headers-amd64"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
