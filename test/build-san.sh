#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Configure (once) and build podswitch with ASan + UBSan in <repo>/build-san:
# undefined behaviour is not recoverable (-fno-sanitize-recover), so that
# any finding stops the test that met it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ ! -f build-san/build.ninja ]; then
	meson setup build-san --buildtype=debugoptimized -Dwerror=true \
		-Db_sanitize=address,undefined \
		-Dc_args=-fno-sanitize-recover=undefined \
		-Dc_link_args=-fno-sanitize-recover=undefined >/dev/null
fi
ninja -C build-san -j "${NINJA_JOBS:-2}"
