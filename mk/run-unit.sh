#!/bin/sh
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# Runs each hosted unit-test binary (cmocka prints its own summary).
status=0
for t in "$@"; do
	echo "== $t"
	timeout 300 "$t" || { echo "FAILED: $t" >&2; status=1; }
done
exit $status
