#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole test suite from nothing: install what is missing, build, run
# the unit and packet tests (CUnit, in-process, no hugepages) and the
# end-to-end tests (network namespaces, real kernel peers). Needs root.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash test/setup-deps.sh || exit 1
bash test/build.sh || exit 1

status=0
echo "=== unit and packet tests (meson test) ==="
if ! meson test -C build --print-errorlogs --num-processes 1; then
	status=1
fi
# meson keeps the CUnit output in its log; show the summaries.
grep -E '^(Suite|  Test|Run Summary|   *(suites|tests|asserts))' \
	build/meson-logs/testlog.txt || true

echo "=== end-to-end tests ==="
if ! bash test/e2e/run.sh; then
	status=1
fi

if [ $status -eq 0 ]; then
	echo "run-all: all test suites passed"
else
	echo "run-all: FAILURES (see above)"
fi
exit $status
