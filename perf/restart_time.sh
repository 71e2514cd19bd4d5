#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# podswitch restart benchmark (perf/README.md, "restart_time.sh"): how long
# a restart takes when the state directory holds a big programmed state.
#
#   One podswitch (--no-huge, one ring uplink, API on a Unix socket),
#   --state-dir in the work directory. Programmed through the API:
#   ROUTES /24 routes via a gateway (PUT /v1/routes) and SERVICES ClusterIP
#   services with EPS endpoints each (POST /v1/apply, perf/svc_gen.py).
#   Then, TRIALS times: SIGTERM (time to exit: the state is already on
#   disk, the connection table is saved), start again (time from exec to
#   "node ... running", when the workers forward; the daemon's own
#   "restored ... in X ms" line is the restore's share). Every start is
#   checked to have the full state back. A start with an empty state
#   directory gives the base cost (EAL, ports, tables).
#
# usage: perf/restart_time.sh [-r ROUTES] [-s SERVICES] [-e EPS] [-n TRIALS] [-k]
# env:  PODSWITCH (default build/app/podswitch), DUT_CPU (worker CPU, 1)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
PODSWITCH=${PODSWITCH:-$top/build/app/podswitch}
DUT_CPU=${DUT_CPU:-1}
ROUTES=100000
SERVICES=10000
EPS=2
TRIALS=3
KEEP=0
while getopts "r:s:e:n:kh" o; do
	case $o in
	r) ROUTES=$OPTARG ;;
	s) SERVICES=$OPTARG ;;
	e) EPS=$OPTARG ;;
	n) TRIALS=$OPTARG ;;
	k) KEEP=1 ;;
	h) sed -n '/^# usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) exit 2 ;;
	esac
done

TAG=psrst$$
WORK=$(mktemp -d "/tmp/$TAG.XXXXXX")
API=$WORK/api.sock
STATE=$WORK/state
PS_PID=
log() { echo "[restart_time] $*" >&2; }
cleanup() {
	[ -n "$PS_PID" ] && kill -KILL "$PS_PID" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "/var/run/dpdk/$TAG"
	if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$WORK/podswitch.json" <<EOF
{
  "node": { "name": "$TAG", "ip": "192.168.60.10/24", "mac": "02:00:00:00:00:0a",
            "pod_cidr": "10.244.0.0/24", "gateway_ip": "10.244.0.1",
            "cluster_cidr": "10.244.0.0/16", "service_cidr": "10.96.0.0/12" },
  "ports": [
    { "name": "up0", "role": "uplink", "driver": "ring",
      "args": { "rx_ring": "${TAG}rx", "tx_ring": "${TAG}tx" } }
  ],
  "tables": { "routes": $((ROUTES + ROUTES / 4 + 1024)),
              "services": $((SERVICES * 2 + 1024)),
              "endpoints": $((SERVICES * EPS * 2 + 4096)), "conntrack": 65536 },
  "workers": { "lcores": "$DUT_CPU" },
  "api": { "unix_socket": "$API" },
  "state": { "dir": "$STATE" },
  "dpdk": { "eal_args": ["--no-huge", "-m", "2048", "--no-pci",
                         "--file-prefix=$TAG", "--log-level=lib.eal:warning"] }
}
EOF

ms() { echo $(($(date +%s%N) / 1000000)); }

# start: START_MS = ms from exec to "running"
start() {
	local t0 i
	t0=$(ms)
	"$PODSWITCH" --config "$WORK/podswitch.json" >"$WORK/podswitch.log" 2>&1 &
	PS_PID=$!
	for i in $(seq 1200); do
		if grep -qE '^podswitch: node .* running' "$WORK/podswitch.log"; then
			START_MS=$(($(ms) - t0))
			return 0
		fi
		kill -0 "$PS_PID" 2>/dev/null || { tail -20 "$WORK/podswitch.log" >&2; return 1; }
		sleep 0.01
	done
	return 1
}
# stop: STOP_MS = ms from SIGTERM to exit
stop() {
	local t0
	t0=$(ms)
	kill -TERM "$PS_PID"
	wait "$PS_PID" || true
	PS_PID=
	STOP_MS=$(($(ms) - t0))
}
api() {	# METHOD PATH [FILE]
	local d=()
	[ $# -ge 3 ] && d=(--data-binary "@$3" -H 'Content-Type: application/json')
	curl -sS --unix-socket "$API" -X "$1" "${d[@]}" -o "$WORK/resp" \
		-w '%{http_code}' --max-time 600 -H 'Expect:' "http://ps$2"
}
counts() {
	curl -s --unix-socket "$API" http://ps/v1/status | python3 -c '
import json, sys
t = json.load(sys.stdin)["tables"]
print(t["routes"]["entries"], t["services"]["entries"])'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

log "generating $ROUTES routes and $SERVICES services x $EPS endpoints"
awk -v n="$ROUTES" 'BEGIN { printf "["; for (i = 0; i < n; i++) {
	k = (i * 1000003) % (116 * 65536)
	printf "%s{\"dst\":\"%d.%d.%d.0/24\",\"gateway\":\"192.168.60.1\"}", i ? ",\n" : "",
		11 + int(k / 65536), int(k / 256) % 256, k % 256 } print "]" }' >"$WORK/routes.json"
python3 "$top/perf/svc_gen.py" list "$WORK/svcs.json" "$SERVICES" "$EPS"

start || exit 1
base=$START_MS
log "start with an empty state directory: $base ms"
code=$(api PUT /v1/routes "$WORK/routes.json")
[ "$code" = 200 ] || { log "PUT /v1/routes: $code $(head -c 300 "$WORK/resp")"; exit 1; }
code=$(api POST /v1/apply "$WORK/svcs.json")
[ "$code" = 200 ] || { log "POST /v1/apply: $code $(head -c 300 "$WORK/resp")"; exit 1; }
want=$(counts)
log "programmed: routes and services in the tables: $want"
sleep 1	# the paced writer has written both sets
du -sh "$STATE" | awk '{print "[restart_time] state directory: " $1}' >&2

declare -a T_STOP=() T_START=() T_RESTORE=()
for i in $(seq "$TRIALS"); do
	stop
	T_STOP+=("$STOP_MS")
	start || exit 1
	T_START+=("$START_MS")
	T_RESTORE+=("$(grep -oE 'state: restored from .* in [0-9.]+ ms' "$WORK/podswitch.log" | grep -oE '[0-9.]+ ms$' | cut -d' ' -f1)")
	got=$(counts)
	[ "$got" = "$want" ] || { log "trial $i: tables hold '$got', expected '$want'"; exit 1; }
	log "trial $i: stop ${T_STOP[-1]} ms, start to forwarding ${T_START[-1]} ms (restore ${T_RESTORE[-1]} ms)"
done
printf 'restart with %d routes, %d services (%d endpoints each), %d trials, median:\n' \
	"$ROUTES" "$SERVICES" "$EPS" "$TRIALS"
printf '  SIGTERM to exit           %6s ms\n' "$(printf '%s\n' "${T_STOP[@]}" | median)"
printf '  exec to forwarding        %6s ms\n' "$(printf '%s\n' "${T_START[@]}" | median)"
printf '  of which state restore    %6s ms\n' "$(printf '%s\n' "${T_RESTORE[@]}" | median)"
printf '  empty state: exec to forwarding %s ms\n' "$base"
