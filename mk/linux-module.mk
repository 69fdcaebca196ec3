# SPDX-License-Identifier: MIT OR GPL-2.0-only
# make linux-module: kstub.ko for a stock Linux kernel (ports/linux/).
# LINUX_HEADERS: the headers' build tree; by default the one of the
# Debian kernel the tests boot (tools/linux_image.py pins its version),
# else the running kernel's.
LINUX_KVER ?= $(shell $(PYTHON) tools/linux_image.py --kver 2>/dev/null)
LINUX_HEADERS ?= /usr/src/linux-headers-$(LINUX_KVER)
LMOD := $(B)/linux-module
LMOD_DIRS := lib stub hooks trace net arch ports

linux-module:
	@test -f $(LINUX_HEADERS)/Makefile || { \
	  echo "linux-module: no kernel headers at $(LINUX_HEADERS):" \
	       "apt-get install linux-headers-$(LINUX_KVER)" >&2; exit 1; }
	@mkdir -p $(LMOD)
	@# kbuild (6.1) writes objects beside the sources: build from a copy.
	@find $(LMOD_DIRS) -name '*.[chS]' | tar cf - -T - | tar xf - -C $(LMOD)
	@cp -p ports/linux/Kbuild $(LMOD)/Kbuild
	$(MAKE) -C $(LINUX_HEADERS) M=$(CURDIR)/$(LMOD) modules
	@echo "  built $(LMOD)/kstub.ko"

.PHONY: linux-module
