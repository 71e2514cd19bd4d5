#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole test suite from nothing: install what is missing, build, run
# the unit and packet tests (CUnit, in-process, no hugepages) and the fuzz
# regression replays; the same again built with ASan + UBSan (build-san,
# errors fatal); each libFuzzer harness for FUZZ_SECONDS (default 20) when
# clang-14 and libFuzzer are installed; then the end-to-end tests (network
# namespaces, real kernel peers). Needs root.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

bash test/setup-deps.sh || exit 1
bash test/build.sh || exit 1

status=0
echo "=== unit and packet tests, fuzz replays (meson test) ==="
if ! meson test -C build --print-errorlogs --num-processes 1; then
	status=1
fi
# meson keeps the CUnit output in its log; show the summaries.
grep -E '^(Suite|  Test|Run Summary|   *(suites|tests|asserts))' \
	build/meson-logs/testlog.txt || true
read -r unit_pass unit_fail < <(python3 test/count-results.py build/meson-logs/testlog.json)

# The same tests built with ASan and UBSan. Every finding is fatal: UBSan
# stops at the first one, ASan too, and LeakSanitizer fails the process
# at exit (suppressions, each with why it is not ours, in lsan.supp).
echo "=== unit and packet tests, fuzz replays under ASan + UBSan (build-san) ==="
san_pass=0
san_fail=1
if bash test/build-san.sh; then
	if ! ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0 \
	     LSAN_OPTIONS=suppressions=$top/test/lsan.supp:print_suppressions=0 \
	     UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	     meson test -C build-san --print-errorlogs --num-processes 1 \
		--timeout-multiplier 3; then
		status=1
	fi
	read -r san_pass san_fail < <(python3 test/count-results.py build-san/meson-logs/testlog.json)
else
	status=1
fi

echo "=== fuzzing: each harness for ${FUZZ_SECONDS:-20} s ==="
fuzz_out=$(mktemp)
bash test/fuzz/run.sh -t "${FUZZ_SECONDS:-20}" 2>&1 | tee "$fuzz_out"
fuzz_rc=${PIPESTATUS[0]}
# one line per harness run: "fuzz: NAME ... exit N"
fuzz_pass=$(grep -cE '^fuzz: .* exit 0$' "$fuzz_out")
fuzz_fail=$(grep -cE '^fuzz: (.* exit [1-9][0-9]*|no harness .*)$' "$fuzz_out")
if [ "$fuzz_rc" -ne 0 ] && [ "$fuzz_rc" -ne 77 ]; then
	status=1
	[ "$fuzz_fail" -eq 0 ] && fuzz_fail=1	# the build failed
fi
grep -q '^fuzz: clang-14 and libfuzzer' "$fuzz_out" && echo "fuzz: skipped (no clang-14/libFuzzer)"
rm -f "$fuzz_out"

echo "=== end-to-end tests ==="
e2e_out=$(mktemp)
if ! bash test/e2e/run.sh 2>&1 | tee "$e2e_out"; then
	status=1
fi
read -r e2e_pass e2e_fail < <(sed -nE 's/^e2e: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$e2e_out" | tail -n1)
rm -f "$e2e_out"
echo "unit and packet tests, fuzz replays: $unit_pass passed, $unit_fail failed"
echo "the same under ASan + UBSan: $san_pass passed, $san_fail failed"
echo "fuzz runs: $fuzz_pass passed, $fuzz_fail failed"
echo "end-to-end checks: ${e2e_pass:-0} passed, ${e2e_fail:-1} failed"

[ "${e2e_pass:-0}" -gt 0 ] && [ "$unit_pass" -gt 0 ] && [ "$san_pass" -gt 0 ] || status=1
[ "$unit_fail" -eq 0 ] && [ "$san_fail" -eq 0 ] || status=1
echo "total: $((unit_pass + san_pass + fuzz_pass + ${e2e_pass:-0})) passed, $((unit_fail + san_fail + fuzz_fail + ${e2e_fail:-1})) failed"
exit $status
