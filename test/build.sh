#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Configure (once) and build podswitch in <repo>/build.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ ! -f build/build.ninja ]; then
	meson setup build --buildtype=release -Dwerror=true >/dev/null
fi
ninja -C build
