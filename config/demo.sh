#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job: one podswitch node bridging three pods (network namespaces
# with veth pairs, attached with af_packet). The pods ping each other and
# their gateway through podswitch, then the counters are shown. Needs root;
# installs what is missing and builds first.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash test/setup-deps.sh
bash test/build.sh >/dev/null
PS=$top/build/app/podswitch
CONFIG=$top/config/node-a.json
LOG=$(mktemp /tmp/psdemo.XXXXXX.log)
pid=

cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	for i in 1 2 3; do
		ip netns del "psdemo-pod$i" 2>/dev/null || true
		ip link del "psdemo-v$i" 2>/dev/null || true
	done
}
trap cleanup EXIT

# Pod i: netns psdemo-pod<i>, eth0 = 10.244.0.<i+1>/24, MAC 02:00:0a:f4:00:0<i+1>,
# default route via the gateway 10.244.0.1 that podswitch answers for.
for i in 1 2 3; do
	ns=psdemo-pod$i
	ip netns del "$ns" 2>/dev/null || true
	ip link del "psdemo-v$i" 2>/dev/null || true
	ip netns add "$ns"
	ip link add "psdemo-v$i" type veth peer name eth0 netns "$ns"
	ip link set "psdemo-v$i" up
	ip -n "$ns" link set eth0 address "02:00:0a:f4:00:0$((i + 1))"
	ip -n "$ns" addr add "10.244.0.$((i + 1))/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
	ip -n "$ns" route add default via 10.244.0.1
done

echo "== podswitch --config $CONFIG"
"$PS" --config "$CONFIG" >"$LOG" 2>&1 &
pid=$!
for _ in $(seq 100); do
	grep -q 'running' "$LOG" && break
	kill -0 "$pid" 2>/dev/null || { cat "$LOG"; exit 1; }
	sleep 0.1
done
grep -E '^(port|dataplane|podswitch):' "$LOG"

fail=0
for src in 1 2 3; do
	for dst in 10.244.0.1 10.244.0.2 10.244.0.3 10.244.0.4; do
		[ "$dst" = "10.244.0.$((src + 1))" ] && continue
		if ip netns exec "psdemo-pod$src" ping -c 3 -i 0.2 -W 1 "$dst" >/dev/null; then
			echo "pod$src -> $dst: ok"
		else
			echo "pod$src -> $dst: FAILED"
			fail=1
		fi
	done
done

echo "== counters (SIGUSR1)"
before=$(wc -l <"$LOG")
kill -USR1 "$pid"
sleep 0.5
tail -n +"$((before + 1))" "$LOG"

echo "== stopping (SIGTERM)"
kill -TERM "$pid"
wait "$pid"
echo "podswitch exited with status $?"
pid=
exit $fail
