#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# run.sh: build the libFuzzer harnesses (clang-14, libfuzzer-14-dev, ASan +
# UBSan) in <repo>/build-fuzz and run them, one at a time.
#
#   test/fuzz/run.sh [-t SECONDS] [-n RUNS] [HARNESS...]
#
#   -t SECONDS  per harness (default 20; CI's short run)
#   -n RUNS     stop each harness after RUNS inputs instead (long runs:
#               -n 10000000); with -t too, whichever comes first
#   HARNESS     http_parse rest_conn k8s config graph (default: all)
#
# The corpus of each harness grows in build-fuzz/corpus/<harness>, seeded
# from test/fuzz/seeds, test/data and test/fuzz/regress. A crash, a leak, a
# sanitizer report or a failed check stops the harness, leaves the input in
# build-fuzz/artifacts/<harness>/ and makes the script exit 1: fix the bug
# and add that input to test/fuzz/regress/<harness>/, which CI replays.
# Prints per harness: inputs run, inputs/s, corpus size. Exit 0 if none
# failed, 1 otherwise, 77 if clang or libFuzzer is missing.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=
runs=-1
all=(http_parse rest_conn k8s config graph)
while getopts "t:n:" o; do
	case $o in
	t) secs=$OPTARG ;;
	n) runs=$OPTARG ;;
	*) sed -n '4,21p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
# -n alone: no time bound
[ -z "$secs" ] && { [ "$runs" -ge 0 ] && secs=0 || secs=20; }
[ $# -gt 0 ] && all=("$@")

if ! command -v clang-14 >/dev/null ||
   [ ! -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] &&
   ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
	echo "fuzz: clang-14 and libfuzzer-14-dev are needed (apt-get install clang-14 libfuzzer-14-dev)"
	exit 77
fi

cd "$top" || exit 1
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang-14 meson setup build-fuzz --buildtype=debugoptimized \
		-Dfuzz=true -Dtests=false -Db_sanitize=address,undefined \
		-Db_lundef=false \
		-Dc_args="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined" \
		-Dc_link_args="-fno-sanitize-recover=undefined" >/dev/null || exit 1
fi
ninja -C build-fuzz >/dev/null || { ninja -C build-fuzz; exit 1; }

export PODSWITCH_DRIVERS_DIR="$top/drivers-cfg"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# EAL and the graph log what the fuzzer makes them do; only errors here.
export PS_TEST_LOG_LEVEL=${PS_TEST_LOG_LEVEL:-*:error}

declare -A seeds=(
	[http_parse]="test/fuzz/seeds/http_parse"
	[rest_conn]="test/fuzz/seeds/rest_conn"
	[k8s]="test/fuzz/seeds/k8s"
	[config]="test/data/config"
	[graph]="test/fuzz/seeds/graph"
)
status=0
for h in "${all[@]}"; do
	bin=build-fuzz/test/fuzz/fuzz_$h
	if [ ! -x "$bin" ]; then
		echo "fuzz: no harness $h"
		status=1
		continue
	fi
	corpus=build-fuzz/corpus/$h
	art=build-fuzz/artifacts/$h
	mkdir -p "$corpus" "$art"
	# libFuzzer reads seed directories recursively; copy the files flat
	find "${seeds[$h]}" "test/fuzz/regress/$h" -type f ! -name '.*' \
		-exec cp -n {} "$corpus/" \; 2>/dev/null
	log=build-fuzz/fuzz-$h.log
	# the longest seed must fit (an apply of cluster-list.json)
	case $h in
	k8s|rest_conn) maxlen=65536 ;;
	graph) maxlen=9216 ;;
	*) maxlen=16384 ;;
	esac
	args=(-max_len="$maxlen" -timeout=20 -rss_limit_mb=8192 -print_final_stats=1
	      -artifact_prefix="$art/")
	[ "$secs" -gt 0 ] && args+=(-max_total_time="$secs")
	[ "$runs" -ge 0 ] && args+=(-runs="$runs")
	t0=$(date +%s)
	"$bin" "${args[@]}" "$corpus" >"$log" 2>&1
	rc=$?
	t1=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
	printf 'fuzz: %-10s %s inputs in %ss (%s/s), corpus %s files, exit %s\n' \
		"$h" "${execs:-?}" "$((t1 - t0))" "${rate:-?}" \
		"$(find "$corpus" -mindepth 1 -maxdepth 1 ! -name '.*' | wc -l)" "$rc"
	if [ "$rc" -ne 0 ]; then
		status=1
		grep -E 'ERROR|runtime error|check failed|Test unit written|SUMMARY' "$log" | head -n 20 | sed 's/^/  | /'
		echo "fuzz: $h failed; input in $art (log $log)"
	fi
done
exit $status
