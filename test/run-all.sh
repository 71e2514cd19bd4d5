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

# CUnit's "tests" rows: Total Ran Passed Failed Inactive
read -r unit_pass unit_fail < <(awk '$1 == "tests" && NF == 6 { p += $4; f += $5 }
	END { print p + 0, f + 0 }' build/meson-logs/testlog.txt)

echo "=== end-to-end tests ==="
e2e_out=$(mktemp)
if ! bash test/e2e/run.sh 2>&1 | tee "$e2e_out"; then
	status=1
fi
read -r e2e_pass e2e_fail < <(sed -nE 's/^e2e: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$e2e_out" | tail -n1)
rm -f "$e2e_out"
echo "unit and packet tests: $unit_pass passed, $unit_fail failed"
echo "end-to-end checks: ${e2e_pass:-0} passed, ${e2e_fail:-1} failed"

[ "${e2e_pass:-0}" -gt 0 ] && [ "$unit_pass" -gt 0 ] || status=1
echo "total: $((unit_pass + ${e2e_pass:-0})) passed, $((unit_fail + ${e2e_fail:-1})) failed"
exit $status
