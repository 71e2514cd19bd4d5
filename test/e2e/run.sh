#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# run.sh: every end-to-end test (test_*.sh next to this file), after giving
# the machine what they need (hugepages, hugetlbfs, bpffs). Prints each
# script's output and a final "e2e: N passed, M failed" (checks summed over
# the scripts' closing lines; a script that ends without its closing line, or
# whose exit status disagrees with it, counts as one more failure). Exits
# non-zero if anything failed. Needs root.
#
# Environment: PODSWITCH (binary, default <repo>/build/app/podswitch),
# E2E_TIMEOUT (seconds per script, default 240; a script that needs more
# says so in a line "# e2e-timeout: SECONDS"), E2E_VERBOSE=1.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PODSWITCH=${PODSWITCH:-$(cd "$here/../.." && pwd)/build/app/podswitch}
tmo=${E2E_TIMEOUT:-240}

if [ "$(id -u)" -ne 0 ]; then
	echo "e2e: must run as root" >&2
	echo "e2e: 0 passed, 1 failed"
	exit 1
fi

# Hugepages (lifecycle test (b)); never lower what is there.
if [ "$(cat /proc/sys/vm/nr_hugepages)" -lt 1024 ]; then
	echo 1024 >/proc/sys/vm/nr_hugepages 2>/dev/null ||
		echo "e2e: warning: cannot set vm.nr_hugepages" >&2
fi
mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages ||
	echo "e2e: warning: cannot mount hugetlbfs on /dev/hugepages" >&2
# bpffs: libxdp pins its dispatcher there (without it, it falls back to a
# single XDP program, which also works for podswitch).
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf ||
	echo "e2e: warning: cannot mount bpffs on /sys/fs/bpf" >&2

total_pass=0
total_fail=0
declare -a summary=()

for t in "$here"/test_*.sh; do
	name=$(basename "$t" .sh)
	echo "=== $name ==="
	out=$(mktemp /tmp/pse2e-run.XXXXXX)
	t_tmo=$(sed -nE 's/^# e2e-timeout: ([0-9]+).*/\1/p' "$t" | head -n1)
	t_tmo=${t_tmo:-$tmo}
	[ "$t_tmo" -lt "$tmo" ] && t_tmo=$tmo
	timeout -k 10 "$t_tmo" bash "$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^e2e-[A-Za-z0-9_-]+: [0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
	rm -f "$out"
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
		f=$(echo "$line" | sed -E 's/.*, ([0-9]+) failed$/\1/')
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "e2e: $name exited with status $rc despite 0 failures"
			f=1
		fi
	else
		[ "$rc" -eq 124 ] && echo "e2e: $name timed out after ${t_tmo}s"
		echo "e2e: $name ended (status $rc) without its closing line"
		p=0
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	summary+=("$(printf '  %-20s %4d passed, %d failed' "$name" "$p" "$f")")
done

echo "=== summary ==="
printf '%s\n' "${summary[@]}"
echo "e2e: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
