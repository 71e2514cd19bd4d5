#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# podswitch service programming benchmark (perf/README.md, "svc_prog.sh").
#
# One podswitch with no traffic (--no-huge, one ring uplink, API on a Unix
# socket in the work dir), tables.services 16384, tables.endpoints 262144,
# api.max_body_bytes 64 MiB (the List of 10,000 services is ~12.6 MB).
#
#   1. program: POST /v1/apply of a kubectl-shaped List of N ClusterIP
#      Services (default 10,000) with one EndpointSlice of E ready
#      endpoints each (default 10; perf/svc_gen.py list), into an empty
#      daemon: R times (default 3), each time a fresh daemon; median.
#      Then, on the last daemon, the same List again (nothing changes:
#      what a resync costs) and GET /v1/services (the whole list).
#   2. one change at that size, S times each (default 20), alternating
#      between two contents so that every call is a real change:
#        put-eps    PUT /v1/services/default/svc-M/endpoints: the slice
#                   with 10 other endpoint addresses
#        apply-one  POST /v1/apply: a List of svc-M and its slice (other
#                   addresses again)
#        put-svc    PUT /v1/services/default/svc-M: the Service with its
#                   port 80 <-> 81 (frontend key removed and added)
#      curl time_total: min / median / max. M = N/2.
#   Every answer's status is checked (2xx), and after each kind of change
#   GET /v1/services/default/svc-M must show the new content.
#
# usage: perf/svc_prog.sh [-n SERVICES] [-e ENDPOINTS] [-r REPS] [-s SMALL]
#                         [-k] [-h]
#   -n  services (default 10000)
#   -e  endpoints per service (default 10)
#   -r  fresh-daemon repetitions of the bulk apply (default 3)
#   -s  repetitions of each single change (default 20)
#   -k  keep the work directory (logs, inputs, answers)
# env:  PODSWITCH (default build/app/podswitch), DUT_CPU (1)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
PODSWITCH=${PODSWITCH:-$top/build/app/podswitch}
DUT_CPU=${DUT_CPU:-1}
NSVC=10000
NEPS=10
REPS=3
SMALL_N=20
KEEP=0

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$top/perf/lib.sh"

while getopts "n:e:r:s:kh" o; do
	case $o in
	n) NSVC=$OPTARG ;;
	e) NEPS=$OPTARG ;;
	r) REPS=$OPTARG ;;
	s) SMALL_N=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

[ "$(id -u)" = 0 ] || die "needs root"
[ -x "$PODSWITCH" ] || die "no podswitch binary at $PODSWITCH (ninja -C build)"
command -v curl >/dev/null || die "no curl"
command -v python3 >/dev/null || die "no python3"
[[ "$NSVC" =~ ^[0-9]+$ && "$NSVC" -ge 2 && "$NSVC" -le 16000 ]] || die "-n: 2..16000"
[[ "$NEPS" =~ ^[0-9]+$ && "$NEPS" -ge 1 && "$NEPS" -le 16 ]] || die "-e: 1..16"

perf_init pssvc
# a List of 10,000 services takes its time
CURL_API_TIMEOUT=120

stats() {	# stdin: numbers -> "min median max n"
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - - 0"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print v[1], m, v[NR], NR }'
}

start_daemon() {	# DIR
	local d=$1
	mkdir -p "$d"
	API=$d/api.sock
	cat >"$d/podswitch.json" <<EOF
{
  "node": { "name": "$TAG", "ip": "192.168.60.10/24", "mac": "02:00:00:00:00:0a",
            "pod_cidr": "10.244.0.0/24", "gateway_ip": "10.244.0.1",
            "service_cidr": "10.96.0.0/12" },
  "ports": [
    { "name": "up0", "role": "uplink", "driver": "ring",
      "args": { "rx_ring": "${TAG}rx", "tx_ring": "${TAG}tx" } }
  ],
  "tables": { "services": 16384, "endpoints": 262144, "conntrack": 65536 },
  "workers": { "lcores": "$DUT_CPU" },
  "api": { "unix_socket": "$API", "max_body_bytes": 67108864 },
  "dpdk": { "eal_args": ["--no-huge", "-m", "1024", "--no-pci",
                         "--file-prefix=$TAG-$(basename "$d")", "--log-level=lib.eal:warning"] }
}
EOF
	"$PODSWITCH" --config "$d/podswitch.json" >"$d/podswitch.log" 2>&1 &
	PS_PID=$!
	PIDS+=("$PS_PID")
	wait_for "$d/podswitch.log" "podswitch: node .* running" 30 "$PS_PID"
	for _ in $(seq 50); do [ -S "$API" ] && break; sleep 0.1; done
}

ok() {	# "code ..." -> 0 when 2xx
	case $1 in 2*) return 0 ;; esac
	log "    answer: $(head -c 400 "$WORK/resp")"
	return 1
}

log "svcprog $TAG: work dir $WORK; $NSVC services x $NEPS endpoints"
python3 "$top/perf/svc_gen.py" list "$WORK/list.json" "$NSVC" "$NEPS"
M=$((NSVC / 2))
python3 "$top/perf/svc_gen.py" slice "$WORK/eps-a.json" "$M" 10 10.250.0.1
python3 "$top/perf/svc_gen.py" slice "$WORK/eps-b.json" "$M" 10 10.250.1.1
python3 "$top/perf/svc_gen.py" one "$WORK/one-a.json" "$M" 10 10.250.2.1
python3 "$top/perf/svc_gen.py" one "$WORK/one-b.json" "$M" 10 10.250.3.1
python3 "$top/perf/svc_gen.py" svc "$WORK/svc-81.json" "$M" 81
python3 "$top/perf/svc_gen.py" svc "$WORK/svc-80.json" "$M" 80
log "List: $(stat -c %s "$WORK/list.json") bytes"

RES=$WORK/results	# "what rep code time_total ttfb up down"
: >"$RES"
for k in $(seq "$REPS"); do
	start_daemon "$WORK/d$k"
	out=$(curl_api POST /v1/apply "$WORK/list.json")
	echo "apply $k $out" >>"$RES"
	log "  #$k POST /v1/apply ($NSVC services): $out -> $(head -c 200 "$WORK/resp")"
	ok "$out" || die "bulk apply failed"
	if [ "$k" -lt "$REPS" ]; then stop_pid "$PS_PID"; PIDS=(); fi
done
curl -sS --unix-socket "$API" http://localhost/v1/status >"$WORK/status.json"
out=$(curl_api POST /v1/apply "$WORK/list.json")
echo "reapply 1 $out" >>"$RES"
log "  POST /v1/apply again (unchanged): $out"
out=$(curl_api GET /v1/services)
echo "list 1 $out" >>"$RES"
nlisted=$(grep -o '"clusterIP"' "$WORK/resp" | wc -l)
log "  GET /v1/services: $out ($nlisted services listed)"
[ "$nlisted" = "$NSVC" ] || die "GET /v1/services lists $nlisted services, not $NSVC"

# check_svc WHAT REGEX: GET svc-M shows REGEX
check_svc() {
	curl -sS --unix-socket "$API" "http://localhost/v1/services/default/svc-$M" >"$WORK/check.json"
	grep -q "$2" "$WORK/check.json" ||
		die "$1: GET /v1/services/default/svc-$M does not show $2: $(head -c 400 "$WORK/check.json")"
}

SMALL=$WORK/small	# "op code time_total"
: >"$SMALL"
log "single changes at $NSVC services, $SMALL_N each"
for k in $(seq "$SMALL_N"); do
	if [ $((k % 2)) = 1 ]; then x=a; else x=b; fi
	out=$(curl_api PUT "/v1/services/default/svc-$M/endpoints" "$WORK/eps-$x.json")
	echo "put-eps $out" >>"$SMALL"
	ok "$out" || die "PUT endpoints failed"
done
check_svc put-eps "10\.250\.[01]\.1"
for k in $(seq "$SMALL_N"); do
	if [ $((k % 2)) = 1 ]; then x=a; else x=b; fi
	out=$(curl_api POST /v1/apply "$WORK/one-$x.json")
	echo "apply-one $out" >>"$SMALL"
	ok "$out" || die "apply one failed"
done
check_svc apply-one "10\.250\.[23]\.1"
for k in $(seq "$SMALL_N"); do
	if [ $((k % 2)) = 1 ]; then x=81; else x=80; fi
	out=$(curl_api PUT "/v1/services/default/svc-$M" "$WORK/svc-$x.json")
	echo "put-svc $out" >>"$SMALL"
	ok "$out" || die "PUT service failed"
done
check_svc put-svc '"port": *80\b\|"port":80[,}]'
svc_line=$(grep -o '"services"[^}]*}' "$WORK/status.json" | head -1 || true)
stop_pid "$PS_PID"
PIDS=()

echo
echo "=== podswitch service programming: $NSVC ClusterIP services x $NEPS endpoints (List $(stat -c %s "$WORK/list.json") bytes) ==="
read -r amin amed amax an < <(awk '$1 == "apply" { print $4 }' "$RES" | stats)
printf '%-40s %9s %9s %9s   %s\n' "" "min s" "median s" "max s" "rate at the median"
printf '%-40s %9.3f %9.3f %9.3f   %.0f services/s, %.0f endpoints/s (%d fresh daemons)\n' \
	"POST /v1/apply, empty daemon" "$amin" "$amed" "$amax" \
	"$(awk -v n="$NSVC" -v t="$amed" 'BEGIN { print n / t }')" \
	"$(awk -v n="$((NSVC * NEPS))" -v t="$amed" 'BEGIN { print n / t }')" "$an"
awk '$1 == "reapply" { printf "%-40s %9s %9.3f\n", "POST /v1/apply again, unchanged", "", $4 }
     $1 == "list" { printf "%-40s %9s %9.3f   (%d bytes)\n", "GET /v1/services (all)", "", $4, $7 }' "$RES"
echo
echo "one change with $NSVC services installed (curl time_total, ms; svc-$M):"
printf '  %-52s %7s %7s %7s %4s\n' "" min median max n
for op in put-eps apply-one put-svc; do
	case $op in
	put-eps) lb="PUT .../endpoints (10 new endpoints)" ;;
	apply-one) lb="POST /v1/apply, List of 1 Service + 1 slice" ;;
	put-svc) lb="PUT /v1/services/NS/NAME (port 80<->81)" ;;
	esac
	read -r smin smed smax sn < <(awk -v op="$op" '$1 == op { print $3 * 1000 }' "$SMALL" | stats)
	printf '  %-52s %7.2f %7.2f %7.2f %4d\n' "$lb" "$smin" "$smed" "$smax" "$sn"
done
[ -n "$svc_line" ] && echo "status after the bulk apply: $svc_line"
