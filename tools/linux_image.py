#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Debian's stock kernel for kstub.ko's tests and benchmarks (issue 15).

The image: the linux-image-6.1.0-N-amd64 that linux-image-amd64 depends
on, fetched with `apt-get download` and cached under build/linux-peer/
(bench/linux_peer.py's fetch_kernel, shared with the Linux peer of the
benchmarks).  Its vmlinuz is a bzImage whose XZ payload, unpacked here,
is the vmlinux ELF: QEMU boots that directly through its PVH note, two to
three times faster under TCG than the bzImage (no SeaBIOS, no
decompression).  The headers come from linux-headers-amd64 (mk/deps.sh)
and must be of the same version: kstub.ko is built against them with
`make linux-module`.

  linux_image.py --kver       the kernel release (6.1.0-N-amd64)
  linux_image.py --vmlinux    fetch and unpack; print the vmlinux path
  linux_image.py --initramfs KO [FILE...]
                              busybox initramfs with kstub.ko; print its path

Failures raise linux_peer.Unavailable (str: why); as a tool, exit 1 with
that reason.
"""
import argparse
import lzma
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
import linux_peer  # noqa: E402
from linux_peer import Unavailable  # noqa: E402,F401

GUEST = REPO / "ports" / "linux" / "guest"
XZ_MAGIC = b"\xfd7zXZ\x00"


def unpack_bzimage(data):
    """The vmlinux ELF inside a bzImage whose payload is XZ (Debian's):
    the first XZ stream that decompresses to an ELF.  ValueError if none."""
    pos = data.find(XZ_MAGIC)
    while pos >= 0:
        try:
            out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[pos:])
        except lzma.LZMAError:
            out = b""
        if out[:4] == b"\x7fELF":
            return out
        pos = data.find(XZ_MAGIC, pos + 1)
    raise ValueError("no XZ-compressed ELF in this bzImage")


def kernel(log=print):
    """(vmlinux, config, release) of the stock kernel, fetched if needed."""
    vmlinuz, config = linux_peer.fetch_kernel(log)
    kdir = vmlinuz.parent
    release = kdir.name[len("linux-image-"):]
    vmlinux = kdir / "vmlinux"
    if not vmlinux.is_file() or vmlinux.stat().st_mtime < vmlinuz.stat().st_mtime:
        log("linux image: unpacking %s to %s" % (vmlinuz, vmlinux.name))
        try:
            elf = unpack_bzimage(vmlinuz.read_bytes())
        except ValueError as e:
            raise Unavailable("%s: %s" % (vmlinuz, e))
        tmp = vmlinux.with_suffix(".tmp")
        tmp.write_bytes(elf)
        os.replace(tmp, vmlinux)
    return vmlinux, config, release


def headers_dir(release):
    return Path("/usr/src/linux-headers-%s" % release)


def release_from_cache():
    """The release of the newest cached image, or None (no network use)."""
    cached = linux_peer._cached_kernels()
    return cached[-1].name[len("linux-image-"):] if cached else None


def initramfs(ko, out, extra=(), log=print):
    """A gzip'd cpio at `out`: busybox-static, /init from
    ports/linux/guest/init.sh, /kstub.ko, and (name, path) extras."""
    return linux_peer.busybox_initramfs(
        out, GUEST / "init.sh", [("kstub.ko", ko)] + list(extra), log, level=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--kver", action="store_true",
                   help="print the stock kernel's release (from apt, else the cache)")
    g.add_argument("--vmlinux", action="store_true",
                   help="fetch and unpack the image; print the vmlinux path")
    g.add_argument("--initramfs", nargs="+", metavar=("KO", "OUT"),
                   help="build an initramfs with KO at OUT (default build/linux-module/initramfs.cpio.gz)")
    a = ap.parse_args()
    log = lambda s: print(s, file=sys.stderr)  # noqa: E731
    try:
        if a.kver:
            try:
                rel = linux_peer.package_name(log)[len("linux-image-"):]
            except Unavailable:
                rel = release_from_cache()
                if not rel:
                    raise
            print(rel)
        elif a.vmlinux:
            print(kernel(log)[0])
        else:
            out = a.initramfs[1] if len(a.initramfs) > 1 else \
                REPO / "build" / "linux-module" / "initramfs.cpio.gz"
            print(initramfs(a.initramfs[0], out, log=log))
    except Unavailable as e:
        print("linux_image: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
