#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# podswitch route programming benchmark (perf/README.md, "route_prog.sh").
#
#   A. API only: one podswitch (--no-huge, one ring uplink, tables.routes
#      131072, API on a Unix socket in the work dir), no traffic.
#      1. bulk PUT /v1/routes of generated sets, 3 times each, median:
#           gw-10k, gw-50k   /24s in 11.0.0.0-126.255.255.255 via one gateway
#           gw-100k          the same, 100k (over the API's 4 MiB body
#                            limit with a gateway: tried once, expect 413)
#           link-100k        100k /24s on-link on the uplink (no "gateway":
#                            ~25 bytes a route, fits in 4 MiB)
#           mixed-100k       100k prefixes /16../28 (13 lengths in equal
#                            shares), on-link
#      2. with link-100k installed: POST of a new /24 and DELETE of it, 20
#         times each (curl time_total, median and max)
#      3. profile (-p): perf record of the daemon during one more PUT of
#         mixed-100k
#   B. data path (only with -D; experimental: it could not be run to the
#      end where it was written, as perf/rig.sh's vhost-user plumbing
#      itself did not come up there at the time): the perf/rig.sh L3 setup (testpmd flowgen on
#      two virtio-user ports <-> podswitch on two vhost-user ports, worker
#      alone on CPU 1), link-100k + 10.253.0.0/16 via the next hop behind v1
#      put through the API. Then, N times: POST 10.253.0.0/17 via the next
#      hop behind v0 (all of flowgen's destinations, 10.253.0.0-10.253.3.255,
#      move to v0), wait, DELETE it (they move back). The generator's port
#      counters are sampled every ~10 ms ("show port stats all" through its
#      stdin FIFO, each command time-stamped when sent): the effect time is
#      the time from the API call's return to the first sample in which the
#      generator's port 0 rx rose (POST) or stopped rising (DELETE).
#
# usage: perf/route_prog.sh [-D] [-p] [-n TRIALS] [-k] [-h]
#   -D  also part B (needs hugepages, dpdk-testpmd, 2 CPUs)
#   -p  profile the daemon during a mixed-100k PUT (needs perf)
#   -n  data-path trials (default 5)
#   -k  keep the work directory (logs, samples, route sets)
# env:  PODSWITCH (default build/app/podswitch), TESTPMD (dpdk-testpmd),
#       GEN_CPU (0), DUT_CPU (1)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
PODSWITCH=${PODSWITCH:-$top/build/app/podswitch}
TESTPMD=${TESTPMD:-dpdk-testpmd}
GEN_CPU=${GEN_CPU:-0}
DUT_CPU=${DUT_CPU:-1}
API_ONLY=1
PROFILE=0
TRIALS=5
KEEP=0
REPS=3
SMALL_N=20

usage() { sed -n '/^# usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while getopts "Dpn:kh" o; do
	case $o in
	D) API_ONLY=0 ;;
	p) PROFILE=1 ;;
	n) TRIALS=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

die() { echo "psroute: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }
now() { date +%s.%N; }

[ "$(id -u)" = 0 ] || die "needs root"
[ -x "$PODSWITCH" ] || die "no podswitch binary at $PODSWITCH (ninja -C build)"
command -v curl >/dev/null || die "no curl"
if [ "$API_ONLY" = 0 ]; then
	command -v "$TESTPMD" >/dev/null || die "no $TESTPMD (part B, -D)"
	grep -qs hugetlbfs /proc/mounts || die "no hugetlbfs mounted (part B, -D)"
	HUGEDIR=$(awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts)
	free_mb=$(awk '/HugePages_Free/ { f = $2 } /Hugepagesize/ { s = $2 } END { print int(f * s / 1024) }' /proc/meminfo)
	[ "$free_mb" -ge 800 ] || die "only $free_mb MB of free hugepages, need 800 (part B, -D)"
fi
if [ "$PROFILE" = 1 ] && ! command -v perf >/dev/null; then
	log "perf not found: -p ignored"; PROFILE=0
fi

TAG=psroute-$$
WORK=$(mktemp -d /tmp/$TAG.XXXXXX)
PIDS=()
FIFO_FDS=()
cleanup() {
	local rc=$? p
	set +e
	for fd in "${FIFO_FDS[@]}"; do eval "exec $fd>&-"; done 2>/dev/null
	for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "${HUGEDIR:-}" ] && rm -f "$HUGEDIR"/$TAG-* 2>/dev/null
	rm -rf /var/run/dpdk/$TAG-* 2>/dev/null
	if [ "$KEEP" = 1 ]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop_pid PID: SIGINT, SIGKILL after 10 s
stop_pid() {
	local p=$1
	kill -INT "$p" 2>/dev/null || return 0
	for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}

wait_for() {	# FILE REGEX SECONDS PID
	local f=$1 re=$2 t=$3 pid=$4
	for _ in $(seq $((t * 10))); do
		grep -qE "$re" "$f" 2>/dev/null && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			KEEP=1; log "process $pid died; tail of $f:"; tail -20 "$f" >&2; return 1
		fi
		sleep 0.1
	done
	KEEP=1; log "timeout waiting for /$re/ in $f"; tail -20 "$f" >&2; return 1
}

# gen_set FILE N KIND [EXTRA]: a JSON list of N distinct prefixes, one
# route a line. KIND gw24 | link24 (/24s) | linkmix (/16../28, lengths in
# turn). The i-th /24 is number i * 1000003 mod 116*65536 from 11.0.0.0/24
# (a permutation); a mixed prefix is that /24 masked (/16../23) or a
# sub-prefix of it (/25../28, its offset from i); duplicates are skipped.
# EXTRA (a JSON object) is appended as the last route.
GW=192.168.60.1
gen_set() {
	awk -v n="$2" -v kind="$3" -v gw="$GW" -v extra="${4:-}" 'BEGIN {
		N = 116 * 65536; P = 1000003; got = 0
		printf "["
		for (i = 0; got < n; i++) {
			k = (i * P) % N
			a = 11 + int(k / 65536); b = int(k / 256) % 256; c = k % 256; d = 0
			len = 24
			if (kind == "linkmix") len = 16 + i % 13
			if (len < 24) { m = 2 ^ (24 - len); c = int(c / m) * m }
			if (len > 24) { m = 2 ^ (32 - len); d = (int(i / 13) * m) % 256 }
			key = a "." b "." c "." d "/" len
			if (key in seen) continue
			seen[key] = 1; got++
			if (got > 1) printf ",\n"
			if (kind == "gw24") printf "{\"dst\":\"%s\",\"gateway\":\"%s\"}", key, gw
			else printf "{\"dst\":\"%s\"}", key
		}
		if (extra != "") printf ",\n%s", extra
		printf "]\n"
	}' >"$1"
}

# curl_api METHOD PATH [DATAFILE|-d DATA]: prints "code time_total
# time_starttransfer size_upload size_download"; body in $WORK/resp
curl_api() {
	local m=$1 p=$2; shift 2
	local data=()
	if [ $# -gt 0 ]; then
		if [ "$1" = -d ]; then data=(--data "$2"); else data=(--data-binary "@$1"); fi
		data+=(-H 'Content-Type: application/json')
	fi
	curl -sS --unix-socket "$API" -X "$m" "${data[@]}" -o "$WORK/resp" \
		--max-time 60 -H 'Expect:' \
		-w '%{http_code} %{time_total} %{time_starttransfer} %{size_upload} %{size_download}\n' \
		"http://localhost$p"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---------------------------------------------------------------- part A
log "psroute $TAG: work dir $WORK"
log "generating route sets"
gen_set "$WORK/gw-10k.json" 10000 gw24
gen_set "$WORK/gw-50k.json" 50000 gw24
gen_set "$WORK/gw-100k.json" 100000 gw24
gen_set "$WORK/link-100k.json" 100000 link24
gen_set "$WORK/mixed-100k.json" 100000 linkmix

A=$WORK/a
mkdir -p "$A"
API=$A/api.sock
cat >"$A/podswitch.json" <<EOF
{
  "node": { "name": "$TAG", "ip": "192.168.60.10/24", "mac": "02:00:00:00:00:0a",
            "pod_cidr": "10.244.0.0/24", "gateway_ip": "10.244.0.1" },
  "ports": [
    { "name": "up0", "role": "uplink", "driver": "ring",
      "args": { "rx_ring": "${TAG}rx", "tx_ring": "${TAG}tx" } }
  ],
  "tables": { "routes": 131072 },
  "workers": { "lcores": "$DUT_CPU" },
  "api": { "unix_socket": "$API" },
  "dpdk": { "eal_args": ["--no-huge", "-m", "1024", "--no-pci",
                         "--file-prefix=$TAG-a", "--log-level=lib.eal:warning"] }
}
EOF
"$PODSWITCH" --config "$A/podswitch.json" >"$A/podswitch.log" 2>&1 &
PS_PID=$!
PIDS+=("$PS_PID")
wait_for "$A/podswitch.log" "podswitch: node .* running" 30 "$PS_PID"
for _ in $(seq 50); do [ -S "$API" ] && break; sleep 0.1; done

RES=$WORK/results	# "set rep code time_total ttfb up down"
: >"$RES"
put_set() {	# SET REPS
	local s=$1 k out
	for k in $(seq "$2"); do
		out=$(curl_api PUT /v1/routes "$WORK/$s.json")
		echo "$s $k $out" >>"$RES"
		log "  PUT $s #$k: $out"
		case $out in 2*) ;; *) log "    response: $(head -c 300 "$WORK/resp")"; break ;; esac
	done
}
log "A1: bulk PUT /v1/routes, $REPS times each"
put_set gw-10k "$REPS"
put_set gw-50k "$REPS"
put_set gw-100k 1
put_set link-100k "$REPS"
put_set mixed-100k "$REPS"

if [ "$PROFILE" = 1 ]; then
	log "A3: perf record of the daemon during a mixed-100k PUT"
	# cpu-clock: no PMU needed (VMs)
	perf record -q -e cpu-clock -F 2999 -g -p "$PS_PID" -o "$A/perf.data" >/dev/null 2>&1 &
	PERF_PID=$!
	sleep 1
	out=$(curl_api PUT /v1/routes "$WORK/mixed-100k.json")
	echo "profile-mixed-100k 1 $out" >>"$RES"
	kill -INT "$PERF_PID" 2>/dev/null; wait "$PERF_PID" 2>/dev/null || true
	{
		echo "daemon threads (self %, cpu-clock samples):"
		perf report -i "$A/perf.data" --no-children --sort comm -g none --stdio 2>/dev/null |
			grep -E '^ +[0-9]' | head -6
		echo "self time by library:"
		perf report -i "$A/perf.data" --no-children --sort comm,dso -g none --stdio 2>/dev/null |
			grep -E '^ +[0-9]' | head -8
		echo "top symbols (self):"
		perf report -i "$A/perf.data" --no-children --sort comm,sym -g none --stdio 2>/dev/null |
			grep -E '^ +[0-9]' | head -20
		echo "top symbols (with children, i.e. inclusive):"
		perf report -i "$A/perf.data" --children --sort sym -g none --stdio 2>/dev/null |
			grep -E '^ +[0-9]' | head -30
	} >"$WORK/profile.txt" 2>&1 || true
fi

log "A2: single POST / DELETE with link-100k installed, $SMALL_N times"
out=$(curl_api PUT /v1/routes "$WORK/link-100k.json")
case $out in 2*) ;; *) die "PUT link-100k failed: $out" ;; esac
SMALL=$WORK/small	# "op code time_total"
: >"$SMALL"
for k in $(seq "$SMALL_N"); do
	out=$(curl_api POST /v1/routes -d "{\"dst\": \"10.99.0.0/24\", \"gateway\": \"$GW\"}")
	echo "post $out" >>"$SMALL"
	out=$(curl_api DELETE /v1/routes/10.99.0.0_24)
	echo "delete $out" >>"$SMALL"
done
ROUTES_A=$(curl -sS --unix-socket "$API" http://localhost/v1/status | grep -o '"routes"[^}]*}' | head -1 || true)
stop_pid "$PS_PID"
PIDS=()

# ---------------------------------------------------------------- part B
EFFECT=$WORK/effect	# "op trial api_s from_return_s from_start_s"
: >"$EFFECT"
if [ "$API_ONLY" = 0 ]; then
	B=$WORK/b
	mkdir -p "$B"
	API=$B/api.sock
	MAC_A=02:00:00:00:0a:01 MAC_B=02:00:00:00:0b:01 FG_DST=00:01:02:03:04:01
	GW0=10.244.0.254 GW1=192.168.60.1
	log "B: generator + podswitch (vhost-user), data path effect time, $TRIALS trials"
	mkfifo "$B/gen.fifo"
	exec {GEN_FD}<>"$B/gen.fifo"
	FIFO_FDS+=("$GEN_FD")
	taskset -c "$GEN_CPU" stdbuf -oL "$TESTPMD" \
		--lcores "0@$GEN_CPU,1@$GEN_CPU" --no-pci --single-file-segments \
		--file-prefix="$TAG-gen" --log-level=lib.eal:warning \
		--vdev "net_virtio_user0,path=$B/p0.sock,server=1,queue_size=1024,mac=$MAC_A" \
		--vdev "net_virtio_user1,path=$B/p1.sock,server=1,queue_size=1024,mac=$MAC_B" \
		-- -i --nb-cores=1 --forward-mode=flowgen --burst=32 --total-num-mbufs=32768 \
		<&"$GEN_FD" >"$B/gen.log" 2>&1 &
	GEN_PID=$!
	PIDS+=("$GEN_PID")
	wait_for "$B/gen.log" "p0.sock.*waiting for client" 20 "$GEN_PID"
	cat >"$B/podswitch.json" <<EOF
{
  "node": { "name": "$TAG", "ip": "192.168.60.10/24", "mac": "$FG_DST",
            "pod_cidr": "10.244.0.0/24", "gateway_ip": "10.244.0.1" },
  "ports": [
    { "name": "v0", "role": "pod", "driver": "vhost-user",
      "args": { "path": "$B/p0.sock", "client": 1 } },
    { "name": "v1", "role": "uplink", "driver": "vhost-user",
      "args": { "path": "$B/p1.sock", "client": 1 } }
  ],
  "routes": [ { "dst": "10.253.0.0/16", "gateway": "$GW1", "dev": "v1" } ],
  "neighbors": [ { "ip": "$GW0", "mac": "$MAC_A", "dev": "v0" },
                 { "ip": "$GW1", "mac": "$MAC_B", "dev": "v1" } ],
  "tables": { "routes": 131072 },
  "workers": { "lcores": "$DUT_CPU", "burst": 32, "idle_sleep_max_us": 0 },
  "api": { "unix_socket": "$API" },
  "dpdk": { "eal_args": ["--no-pci", "--file-prefix=$TAG-dut",
                         "--lcores", "0@$GEN_CPU,1@$DUT_CPU",
                         "--log-level=lib.eal:warning"] }
}
EOF
	"$PODSWITCH" --config "$B/podswitch.json" >"$B/podswitch.log" 2>&1 &
	PS_PID=$!
	PIDS+=("$PS_PID")
	wait_for "$B/podswitch.log" "podswitch: node .* running" 30 "$PS_PID"
	wait_for "$B/gen.log" "testpmd>" 30 "$GEN_PID"
	for _ in $(seq 50); do [ -S "$API" ] && break; sleep 0.1; done
	# the 100k routes + flowgen's /16 via v1, through the API (PUT replaces
	# the configuration's routes too)
	gen_set "$B/routes.json" 100000 link24 \
		"{\"dst\":\"10.253.0.0/16\",\"gateway\":\"$GW1\",\"dev\":\"v1\"}"
	out=$(curl_api PUT /v1/routes "$B/routes.json")
	log "  PUT 100k + 10.253.0.0/16 under traffic setup: $out"
	case $out in 2*) ;; *) die "PUT failed: $(head -c 300 "$WORK/resp")" ;; esac
	echo "start" >&"$GEN_FD"
	sleep 1
	# sampler: one "show port stats all" every 10 ms, time-stamped
	: >"$B/stamps"
	(
		i=0
		while [ -e "$B/sampling" ]; do
			i=$((i + 1))
			echo "$i $(date +%s.%N)" >>"$B/stamps"
			echo "show port stats all" >&"$GEN_FD"
			sleep 0.01
		done
	) &
	SAMPLER=$!
	touch "$B/sampling"
	PIDS+=("$SAMPLER")
	sleep 0.5
	: >"$B/calls"	# "op trial t_start t_return api_time code"
	for k in $(seq "$TRIALS"); do
		t0=$(now)
		out=$(curl_api POST /v1/routes -d "{\"dst\": \"10.253.0.0/17\", \"gateway\": \"$GW0\", \"dev\": \"v0\"}")
		t1=$(now)
		echo "post $k $t0 $t1 $(echo "$out" | cut -d' ' -f2) $(echo "$out" | cut -d' ' -f1)" >>"$B/calls"
		sleep 0.4
		t0=$(now)
		out=$(curl_api DELETE /v1/routes/10.253.0.0_17)
		t1=$(now)
		echo "delete $k $t0 $t1 $(echo "$out" | cut -d' ' -f2) $(echo "$out" | cut -d' ' -f1)" >>"$B/calls"
		sleep 0.4
	done
	rm -f "$B/sampling"
	wait "$SAMPLER" 2>/dev/null || true
	sleep 0.2
	echo "stop" >&"$GEN_FD"
	sleep 0.3
	# blocks of "show port stats all": sample i -> port 0 rx, port 1 rx
	awk '/NIC statistics for port/ { for (i = 1; i <= NF; i++) if ($i == "port") p = $(i + 1); blk++; inb = 1; next }
		inb && /RX-packets:/ { print int((blk - 1) / 2) + 1, p, $2; inb = 0 }' "$B/gen.log" |
		awk '{ rx[$1, $2] = $3; if ($1 > n) n = $1 } END { for (i = 1; i <= n; i++) print i, rx[i, 0], rx[i, 1] }' \
		>"$B/rx"
	# join with the stamps: "t rx0 rx1"; for each call, the first sample
	# sent after the call started in which port 0 rx rose (post) or did
	# not rise (delete) since the previous sample
	awk 'FILENAME ~ /stamps$/ { t[$1] = $2; next }
		FILENAME ~ /rx$/ { if ($1 in t) { n++; ts[n] = t[$1]; r0[n] = $2; r1[n] = $3 }; next }
		{
			op = $1; t0 = $3; t1 = $4; hit = "-"
			for (i = 2; i <= n; i++) {
				if (ts[i] < t0) continue
				d0 = r0[i] - r0[i - 1]
				if ((op == "post" && d0 > 0) || (op == "delete" && d0 == 0)) { hit = i; break }
			}
			if (hit == "-") print op, $2, $5, "-", "-", $6
			else printf "%s %s %s %.4f %.4f %s %.4f\n", op, $2, $5, ts[hit] - t1, ts[hit] - t0, $6, ts[hit] - ts[hit - 1]
		}' "$B/stamps" "$B/rx" "$B/calls" >"$EFFECT"
	NSAMP=$(wc -l <"$B/rx")
	SPAN=$(awk 'NR == 1 { a = $2 } { b = $2 } END { printf "%.2f", b - a }' "$B/stamps")
	stop_pid "$PS_PID"
	echo "quit" >&"$GEN_FD"
	stop_pid "$GEN_PID"
	PIDS=()
fi

# ---------------------------------------------------------------- summary
echo
echo "=== psroute: route programming (podswitch API, Unix socket, curl) ==="
echo "[A1 bulk PUT /v1/routes, table size 131072, no traffic; median of the reps]"
printf '%-12s %7s %5s %6s %9s %9s %10s %9s %9s %s\n' set routes reps code "median_s" "first_s" "routes/s" "req_MB" "resp_MB" ">=50k/s"
for s in gw-10k gw-50k gw-100k link-100k mixed-100k; do
	n=$(grep -c '"dst"' "$WORK/$s.json")
	reps=$(awk -v s="$s" '$1 == s' "$RES" | wc -l)
	code=$(awk -v s="$s" '$1 == s { print $3 }' "$RES" | sort -u | tr '\n' ',' | sed 's/,$//')
	tt=$(awk -v s="$s" '$1 == s && $3 ~ /^2/ { print $4 }' "$RES" | median)
	tf=$(awk -v s="$s" '$1 == s && $3 ~ /^2/ { print $4; exit }' "$RES")
	tf=${tf:--}
	up=$(awk -v s="$s" '$1 == s { printf "%.2f\n", $6 / 1e6 }' "$RES" | median)
	dn=$(awk -v s="$s" '$1 == s && $3 ~ /^2/ { printf "%.2f\n", $7 / 1e6 }' "$RES" | median)
	awk -v s="$s" -v n="$n" -v r="$reps" -v c="$code" -v tt="$tt" -v tf="$tf" -v up="$up" -v dn="$dn" 'BEGIN {
		rate = tt == "-" ? "-" : sprintf("%.0f", n / tt)
		ok = tt == "-" ? "n/a (" c ")" : (n / tt >= 50000 ? "yes" : "NO")
		printf "%-12s %7d %5d %6s %9s %9s %10s %9s %9s %s\n", s, n, r, c, tt, tf, rate, up, dn, ok }'
done
echo "  every rep:"
awk '{ printf "    %-18s #%s code %s total %ss (%d routes/s), sent %d bytes, got %d bytes\n", $1, $2, $3, $4, ($4 > 0 ? ($1 ~ /10k/ ? 10000 : $1 ~ /50k/ ? 50000 : 100000) / $4 : 0), $6, $7 }' "$RES"
echo
echo "[A2 single route change with link-100k installed (+ connected routes), $SMALL_N each]"
for op in post delete; do
	awk -v op="$op" '$1 == op { print $3 }' "$SMALL" | sort -g | awk -v op="$op" -v codes="$(awk -v op="$op" '$1 == op { print $2 }' "$SMALL" | sort | uniq -c | awk '{ printf "%s%sx%s", (NR > 1 ? "," : ""), $1, $2 }')" \
		'{ v[NR] = $1 } END { printf "  %-7s n=%d codes %s  min %.2f ms  median %.2f ms  max %.2f ms\n", toupper(op), NR, codes, 1000 * v[1], 1000 * (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), 1000 * v[NR] }'
done
[ -n "${ROUTES_A:-}" ] && echo "  table after the runs: $ROUTES_A"
if [ "$API_ONLY" = 0 ]; then
	echo
	echo "[B data path: 10.253.0.0/17 via v0 added/deleted over 100k on-link /24s + 10.253.0.0/16 via v1, flowgen running]"
	echo "  generator counters sampled $NSAMP times over ${SPAN}s (~$(awk -v n="$NSAMP" -v s="$SPAN" 'BEGIN { printf "%.1f", n > 1 ? 1000 * s / (n - 1) : 0 }') ms apart)"
	printf '  %-7s %5s %5s %10s %14s %14s %10s\n' op trial code "api_ms" "effect_ms" "from_start_ms" "sample_gap"
	awk '{ printf "  %-7s %5s %5s %10.2f %14s %14s %10s\n", $1, $2, $6, 1000 * $3,
		($4 == "-" ? "not seen" : sprintf("%.1f", 1000 * $4)), ($5 == "-" ? "-" : sprintf("%.1f", 1000 * $5)),
		($7 == "" ? "-" : sprintf("%.1f", 1000 * $7)) }' "$EFFECT"
	for op in post delete; do
		awk -v op="$op" '$1 == op && $4 != "-" { print 1000 * $4 }' "$EFFECT" | median |
			awk -v op="$op" '{ printf "  median effect after the %s returned: %s ms\n", toupper(op), $1 }'
	done
	echo "  effect_ms: first counter sample (sent after the call started) showing the"
	echo "  change, minus the time curl returned; negative = seen before curl's exit"
	echo "  was timed. Resolution = sample_gap (the change happened between the"
	echo "  previous sample and this one)."
fi
if [ -s "$WORK/profile.txt" ]; then
	echo
	echo "[A3 profile: perf record -g of the daemon during one mixed-100k PUT ($(awk '$1 == "profile-mixed-100k" { print $4 }' "$RES") s)]"
	sed 's/^/  /' "$WORK/profile.txt"
fi
