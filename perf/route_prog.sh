#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# podswitch route programming benchmark (perf/README.md, "route_prog.sh").
#
#   A. API only: one podswitch (--no-huge, one ring uplink, tables.routes
#      131072, API on a Unix socket in the work dir), no traffic.
#      1. bulk PUT /v1/routes of generated sets, 3 times each, median:
#           gw-10k, gw-50k, gw-100k  /24s in 11.0.0.0-126.255.255.255 via
#                            one gateway (100k: 5.1 MB of JSON)
#           link-100k        100k /24s on-link on the uplink
#           mixed-100k       100k prefixes /16../28 (13 lengths in equal
#                            shares), on-link
#         curl's time_total (the whole request: upload, JSON parse,
#         validation, table build and publication, the 8-11 MB answer),
#         and the daemon's own split of it from its log.
#      2. with link-100k installed: POST of a new /24 and DELETE of it, 20
#         times each (curl time_total, median and max)
#      3. profile (-p): perf record of the daemon during one more PUT of
#         mixed-100k
#   B. data path (-D): podswitch on af_packet ports of three network
#      namespaces (a sender pod, an uplink peer, a second pod), 100k
#      on-link /24s plus 10.253.0.0/16 via the uplink peer put through the
#      API. perf/route_effect.py sends a numbered, time-stamped UDP stream
#      to 10.253.1.1 and reads it behind both egress ports, while it POSTs
#      10.253.0.0/17 via the second pod (the stream moves) and DELETEs it
#      (the stream moves back), N times: the time from the request to the
#      first datagram on the new path, and loss or mixing across the switch.
#
# usage: perf/route_prog.sh [-D] [-p] [-n TRIALS] [-r RATE] [-k] [-h]
#   -D  also part B (needs python3 and ip netns; no hugepages)
#   -p  profile the daemon during a mixed-100k PUT (needs perf)
#   -n  data-path trials (default 10)
#   -r  data-path stream rate, datagrams/s (default 10000)
#   -k  keep the work directory (logs, route sets, samples)
# env:  PODSWITCH (default build/app/podswitch), DUT_CPU (worker CPU, 1)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
PODSWITCH=${PODSWITCH:-$top/build/app/podswitch}
DUT_CPU=${DUT_CPU:-1}
API_ONLY=1
PROFILE=0
TRIALS=10
RATE=10000
KEEP=0
REPS=3
SMALL_N=20

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$top/perf/lib.sh"

while getopts "Dpn:r:kh" o; do
	case $o in
	D) API_ONLY=0 ;;
	p) PROFILE=1 ;;
	n) TRIALS=$OPTARG ;;
	r) RATE=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

[ "$(id -u)" = 0 ] || die "needs root"
[ -x "$PODSWITCH" ] || die "no podswitch binary at $PODSWITCH (ninja -C build)"
command -v curl >/dev/null || die "no curl"
if [ "$API_ONLY" = 0 ]; then
	command -v python3 >/dev/null || die "no python3 (part B, -D)"
	ip netns list >/dev/null 2>&1 || die "no ip netns (part B, -D)"
fi
if [ "$PROFILE" = 1 ] && ! command -v perf >/dev/null; then
	log "perf not found: -p ignored"; PROFILE=0
fi

perf_init psroute

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
# Warm-up, listed but not counted: the first generations of a fresh
# daemon fault in the DPDK heap's pages (--no-huge: 4 KiB shmem pages;
# DPDK zeroes what it frees, the never-touched part of a tbl8 array too;
# with hugepages the EAL has touched them at start), and the first big
# body grows the C heap that jansson's objects live in: 0.3-1.5 s more,
# once per daemon. The largest set (5.1 MB) and the most tbl8 groups.
log "A0: warm-up, PUT gw-100k then mixed-100k (listed, not counted)"
for s in gw-100k mixed-100k; do
	out=$(curl_api PUT /v1/routes "$WORK/$s.json")
	echo "warmup-$s 1 $out" >>"$RES"
done
log "A1: bulk PUT /v1/routes, $REPS times each"
put_set gw-10k "$REPS"
put_set gw-50k "$REPS"
put_set gw-100k "$REPS"
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
EFFECT=$WORK/effect.txt
if [ "$API_ONLY" = 0 ]; then
	B=$WORK/b
	mkdir -p "$B"
	API=$B/api.sock
	# three namespaces on veths, podswitch on the root-side ends (af_packet):
	#   s (pod 10.244.0.2)           the sender
	#   a (uplink peer 192.168.60.1) egress 0: 10.253.0.0/16 via it
	#   b (pod 10.244.0.3)           egress 1: 10.253.0.0/17 via it, POSTed
	MAC_S=02:00:0a:f4:00:02 MAC_B=02:00:0a:f4:00:03 MAC_A=02:00:c0:a8:3c:01
	IFP=pr$$
	log "B: data path effect of single changes (netns + af_packet, route_effect.py), $TRIALS trials"
	mkns() {	# SUFFIX MAC IP/LEN [GATEWAY]
		local ns=$TAG-$1 hif=$IFP$1
		ip netns add "$ns" || return 1
		NETNS+=("$ns")
		ip -n "$ns" link set lo up
		ip link add "$hif" numtxqueues 1 numrxqueues 1 type veth \
			peer name eth0 netns "$ns" numtxqueues 1 numrxqueues 1 || return 1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null
		sysctl -qw "net.ipv6.conf.$hif.disable_ipv6=1" >/dev/null
		ip -n "$ns" link set eth0 address "$2"
		ip -n "$ns" addr add "$3" dev eth0
		ip -n "$ns" link set eth0 up
		ip link set "$hif" up
		if [ -n "${4:-}" ]; then ip -n "$ns" route add default via "$4"; fi
	}
	mkns s "$MAC_S" 10.244.0.2/24 10.244.0.1 || die "netns set-up failed"
	mkns a "$MAC_A" 192.168.60.1/24 || die "netns set-up failed"
	mkns b "$MAC_B" 10.244.0.3/24 || die "netns set-up failed"
	cat >"$B/podswitch.json" <<EOF
{
  "node": { "name": "$TAG", "ip": "192.168.60.10/24", "mac": "02:00:00:00:00:0a",
            "pod_cidr": "10.244.0.0/24", "gateway_ip": "10.244.0.1" },
  "ports": [
    { "name": "src", "role": "pod", "driver": "af_packet", "args": { "iface": "${IFP}s" },
      "pod": { "ip": "10.244.0.2", "mac": "$MAC_S" } },
    { "name": "pb", "role": "pod", "driver": "af_packet", "args": { "iface": "${IFP}b" },
      "pod": { "ip": "10.244.0.3", "mac": "$MAC_B" } },
    { "name": "up0", "role": "uplink", "driver": "af_packet", "args": { "iface": "${IFP}a" } }
  ],
  "neighbors": [ { "ip": "192.168.60.1", "mac": "$MAC_A", "dev": "up0" },
                 { "ip": "10.244.0.3", "mac": "$MAC_B", "dev": "pb" } ],
  "tables": { "routes": 131072 },
  "workers": { "lcores": "$DUT_CPU" },
  "api": { "unix_socket": "$API" },
  "dpdk": { "eal_args": ["--no-huge", "-m", "1024", "--no-pci",
                         "--file-prefix=$TAG-b", "--log-level=lib.eal:warning"] }
}
EOF
	"$PODSWITCH" --config "$B/podswitch.json" >"$B/podswitch.log" 2>&1 &
	PS_PID=$!
	PIDS+=("$PS_PID")
	wait_for "$B/podswitch.log" "podswitch: node .* running" 30 "$PS_PID"
	for _ in $(seq 50); do [ -S "$API" ] && break; sleep 0.1; done
	# 100k on-link /24s + the stream's /16 via the uplink peer, through the
	# API (PUT replaces the configuration's routes too)
	gen_set "$B/routes.json" 100000 link24 \
		'{"dst":"10.253.0.0/16","gateway":"192.168.60.1","dev":"up0"}'
	out=$(curl_api PUT /v1/routes "$B/routes.json")
	log "  PUT 100k + 10.253.0.0/16: $out"
	case $out in 2*) ;; *) die "PUT failed: $(head -c 300 "$WORK/resp")" ;; esac
	LOAD_B=$(uptime)
	python3 "$top/perf/route_effect.py" --api "$API" --src-ns "$TAG-s" \
		--dst 10.253.1.1 --rx "$TAG-a:eth0" --rx "$TAG-b:eth0" \
		--route '{"dst": "10.253.0.0/17", "gateway": "10.244.0.3", "dev": "pb"}' \
		--rate "$RATE" --trials "$TRIALS" --work "$B" >"$EFFECT" 2>"$B/effect.err" ||
		{ KEEP=1; log "route_effect.py failed: $(tail -3 "$B/effect.err")"; }
	ROUTES_B=$(curl -sS --unix-socket "$API" http://localhost/v1/status | grep -o '"routes"[^}]*}' | head -1 || true)
	stop_pid "$PS_PID"
	PIDS=()
fi

# ---------------------------------------------------------------- summary
echo
echo "=== psroute: route programming (podswitch API, Unix socket, curl) ==="
echo "[A1 bulk PUT /v1/routes, table size 131072, no traffic; median of the reps]"
printf '%-12s %7s %5s %6s %9s %10s %15s %7s %7s %s\n' set routes reps code "median_s" "routes/s" "range routes/s" "req_MB" "resp_MB" ">=50k/s"
for s in gw-10k gw-50k gw-100k link-100k mixed-100k; do
	n=$(grep -c '"dst"' "$WORK/$s.json")
	reps=$(awk -v s="$s" '$1 == s' "$RES" | wc -l)
	code=$(awk -v s="$s" '$1 == s { print $3 }' "$RES" | sort -u | tr '\n' ',' | sed 's/,$//')
	tt=$(awk -v s="$s" '$1 == s && $3 ~ /^2/ { print $4 }' "$RES" | median)
	tf=$(awk -v s="$s" -v n="$n" '$1 == s && $3 ~ /^2/ { r = n / $4; if (!k++ || r < lo) lo = r; if (r > hi) hi = r }
		END { if (k) printf "%.0f-%.0f", lo, hi; else print "-" }' "$RES")
	up=$(awk -v s="$s" '$1 == s { printf "%.2f\n", $6 / 1e6 }' "$RES" | median)
	dn=$(awk -v s="$s" '$1 == s && $3 ~ /^2/ { printf "%.2f\n", $7 / 1e6 }' "$RES" | median)
	awk -v s="$s" -v n="$n" -v r="$reps" -v c="$code" -v tt="$tt" -v tf="$tf" -v up="$up" -v dn="$dn" 'BEGIN {
		rate = tt == "-" ? "-" : sprintf("%.0f", n / tt)
		ok = tt == "-" ? "n/a (" c ")" : (n / tt >= 50000 ? "yes" : "NO")
		printf "%-12s %7d %5d %6s %9s %10s %15s %7s %7s %s\n", s, n, r, c, tt, rate, tf, up, dn, ok }'
done
echo "  every rep:"
awk '{ printf "    %-18s #%s code %s total %ss (%d routes/s), sent %d bytes, got %d bytes\n", $1, $2, $3, $4, ($4 > 0 ? ($1 ~ /10k/ ? 10000 : $1 ~ /50k/ ? 50000 : 100000) / $4 : 0), $6, $7 }' "$RES"
echo "  the daemon's split of each successful PUT, in the same order (its log;"
echo "  the rest of time_total is the upload, the answer's transfer and curl):"
grep -o 'routes replaced: .*' "$A/podswitch.log" | sed 's/^/    /'
echo
echo "[A2 single route change with link-100k installed (+ connected routes), $SMALL_N each]"
for op in post delete; do
	awk -v op="$op" '$1 == op { print $3 }' "$SMALL" | sort -g | awk -v op="$op" -v codes="$(awk -v op="$op" '$1 == op { print $2 }' "$SMALL" | sort | uniq -c | awk '{ printf "%s%sx%s", (NR > 1 ? "," : ""), $1, $2 }')" \
		'{ v[NR] = $1 } END { printf "  %-7s n=%d codes %s  min %.2f ms  median %.2f ms  max %.2f ms\n", toupper(op), NR, codes, 1000 * v[1], 1000 * (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), 1000 * v[NR] }'
done
[ -n "${ROUTES_A:-}" ] && echo "  table after the runs: $ROUTES_A"
if [ "$API_ONLY" = 0 ]; then
	echo
	echo "[B data path: 100k on-link /24s + 10.253.0.0/16 via the uplink peer (egress 0);"
	echo " POST 10.253.0.0/17 via the pod behind pb (egress 1), DELETE it, $TRIALS times;"
	echo " UDP stream to 10.253.1.1 at $RATE/s; $LOAD_B]"
	sed 's/^/  /' "$EFFECT"
	echo "  effect_ms: send time of the first datagram that took the new path minus"
	echo "  the time the request was written (early by up to the path latency: it"
	echo "  was looked up after it was sent; can be negative); rx_ms: its receive"
	echo "  time minus the same (late by the rest of the path): the change took"
	echo "  effect between the two. after_resp_ms: effect_ms from the time the"
	echo "  response was read. bracket_us: gap to the last datagram on the old path"
	echo "  (resolution); lost/mixed: datagrams lost / on the old path after the switch."
	[ -n "${ROUTES_B:-}" ] && echo "  table: $ROUTES_B"
	echo "  podswitch's own counters at its stop (where datagrams were lost: before"
	echo "  podswitch = src rx-packets below what was sent; in podswitch = drops):"
	sed -n '/^port  *role/,/^$/p; /^drops:/,/^$/p' "$B/podswitch.log" | sed '/^$/d; s/^/    /'
fi
if [ -s "$WORK/profile.txt" ]; then
	echo
	echo "[A3 profile: perf record -g of the daemon during one mixed-100k PUT ($(awk '$1 == "profile-mixed-100k" { print $4 }' "$RES") s)]"
	sed 's/^/  /' "$WORK/profile.txt"
fi
