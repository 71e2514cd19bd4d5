#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Service traffic through podswitch's service_lb against testpmd
# io-forward, in the same run, on perf/rig.sh's vhost-user plumbing
# (perf/README.md, "svc_rig.sh").
#
#   generator/sink : one dpdk-testpmd on CPU 0, io mode, chained ports
#                    net_pcap (rx_pcap, infinite_rx=1) -> virtio_user0 (p0),
#                    virtio_user1 (p1) -> net_null (no-rx): it replays a pcap
#                    of FLOWS distinct UDP flows (one 64-byte frame each,
#                    perf/svc_gen.py pcap) in a loop into p0 and sinks what
#                    comes back on p1
#   device under test, its forwarding core alone on CPU 1:
#     io-forward : testpmd io, vhost ports, forwards p0 -> p1 untouched
#     ovs        : Open vSwitch with DPDK (perf/ovs.sh), the same service
#                  as OVN programs it: ct(zone=1,nat) (an established
#                  connection is translated by that one pass), new ones
#                  to a select group (dp_hash) of 10 ct(commit,nat(dst=))
#                  buckets, then routed out of v1 (dec_ttl, MACs); one
#                  PMD thread alone on CPU 1, its other threads on CPU 0
#     svc        : podswitch, v0 a pod port (the clients 10.244.0.16..),
#                  v1 the uplink; one ClusterIP service 10.96.0.10 UDP 53
#                  -> 5353 with 10 endpoints 10.244.1.1-10 on another
#                  node (route 10.244.1.0/24 via 192.168.60.1 on v1, a
#                  permanent neighbor with the generator's port MAC), put
#                  through POST /v1/apply before the traffic starts. Every
#                  frame: eth_input -> ip4_input -> service_lb (conntrack,
#                  DNAT) -> ip4_lookup -> ip4_rewrite -> v1.
#
# svc case, in order:
#   fill   the generator starts; the conntrack count (GET
#          /v1/conntrack?limit=1) is sampled every FILL_STEP s until it
#          reaches FLOWS (or stops growing): the connections set up per
#          second while the table fills = the new-connection rate on the
#          rig (first packet: scheduler, conntrack create, DNAT);
#   steady after a warm-up, the measured window: every frame belongs to an
#          established connection (udp_single timeout 3600 s, nothing
#          expires); FLOWS entries live, the generator cycles through all of
#          them, so the conntrack lookups walk a table of FLOWS entries;
#   effect (-E) after the window: PUT /v1/services/default/bench/endpoints
#          replaces the 10 endpoints with 10 others, 10.244.2.1-10, routed
#          out of v0 (via 10.244.0.254, a permanent neighbor with the MAC of
#          the generator's port on p0). The old endpoints' connections end,
#          the flows' next packets make new ones to the new endpoints. The
#          generator's port counters are read every ~20 ms from the PUT on:
#          time to the first frame back on p0 (the change's first effect)
#          and until nothing comes back on p1 any more (all FLOWS flows
#          moved).
#
# usage: perf/svc_rig.sh [-f FLOWS] [-d SECONDS] [-w SECONDS] [-r ROUNDS]
#                        [-q SECONDS] [-C SIZE] [-E] [-k] [-h] [--json FILE]
#   -f  concurrent flows (default 1000000)
#   -d  measured window (default 10)
#   -w  warm-up after the fill (default 3)
#   -r  rounds (io-forward, svc and ovs in turn; default 1)
#   -q  wait up to SECONDS before each case for quiet CPUs (default 0)
#   -C  tables.conntrack of the DUT (default 2097152)
#   -E  after each svc window, the endpoint change and its effect (above)
#   -k  keep the logs
#   --json FILE  one JSON object a line per DUT (scenario "service", dut
#       io-forward, podswitch, ovs), medians over the rounds (see rig.sh)
# env:  PODSWITCH (build/app/podswitch), TESTPMD (dpdk-testpmd), GEN_CPU (0),
#       DUT_CPU (1), OVS=0 (leave OVS out), FILL_MAX (seconds the fill
#       may take, 120), POLICIES=N (one more DUT, svcp: svc with N
#       NetworkPolicies over N pods loaded, the clients local pods that
#       they select; perf/policy_rig.sh)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
PODSWITCH=${PODSWITCH:-$top/build/app/podswitch}
TESTPMD=${TESTPMD:-dpdk-testpmd}
GEN_CPU=${GEN_CPU:-0}
DUT_CPU=${DUT_CPU:-1}
FLOWS=1000000
DURATION=10
WARMUP=3
ROUNDS=1
QUIET_WAIT=0
CT_SIZE=2097152
KEEP=0
EFFECT=0
POLICIES=${POLICIES:-0}
FILL_STEP=0.1
FILL_MAX=${FILL_MAX:-120}
MAC_A=02:00:00:00:0a:01
MAC_B=02:00:00:00:0b:01
NODE_MAC=00:01:02:03:04:01
VIP=10.96.0.10
GW1=192.168.60.1
GW0=10.244.0.254

JSON=""

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$top/perf/lib.sh"
# shellcheck source-path=SCRIPTDIR source=ovs.sh
. "$top/perf/ovs.sh"

# --json FILE (getopts has no long options)
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--json) [ $# -ge 2 ] || { usage >&2; exit 2; }; JSON=$2; shift 2 ;;
	--json=*) JSON=${1#--json=}; shift ;;
	*) args+=("$1"); shift ;;
	esac
done
set -- "${args[@]}"

while getopts "f:d:w:r:q:C:Ekh" o; do
	case $o in
	f) FLOWS=$OPTARG ;;
	d) DURATION=$OPTARG ;;
	w) WARMUP=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	q) QUIET_WAIT=$OPTARG ;;
	C) CT_SIZE=$OPTARG ;;
	E) EFFECT=1 ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }

[[ "$FLOWS" =~ ^[0-9]+$ && "$FLOWS" -ge 1024 && "$FLOWS" -le 2500000 ]] || die "-f: 1024..2500000"
rig_checks
# The generator holds the whole pcap in mbufs (net_pcap infinite_rx): FLOWS
# mbufs of 256-byte data room (~450 bytes each) plus 64k for the rings.
GEN_MBUFS=$((FLOWS + 65536))
free_mb=$(awk '/HugePages_Free/ { f = $2 } /Hugepagesize/ { s = $2 } END { print int(f * s / 1024) }' /proc/meminfo)
dut_mb=$((CT_SIZE * 170 / 1048576 + 250))
OVS_ON=0
if [ "${OVS:-1}" != 0 ]; then
	if ovs_available; then OVS_ON=1; else log "the ovs DUT is left out: $OVS_WHY"; fi
fi
[ "$OVS_ON" = 1 ] && [ "$OVS_SOCKET_MEM" -gt "$dut_mb" ] && dut_mb=$OVS_SOCKET_MEM
need_mb=$((GEN_MBUFS * 450 / 1048576 + 150 + dut_mb))
[ "$free_mb" -ge "$need_mb" ] || die "only $free_mb MB of free hugepages, need ~$need_mb"

perf_init pssvcrig
[ -z "$JSON" ] || : >"$JSON" || die "--json: cannot write $JSON"
DUTS="io svc"
[ "$POLICIES" -gt 0 ] && DUTS="$DUTS svcp"
[ "$OVS_ON" = 1 ] && DUTS="$DUTS ovs"

PCAP=$WORK/flows.pcap
log "svc_rig $TAG: $FLOWS flows, window ${DURATION}s; writing the pcap"
python3 "$top/perf/svc_gen.py" pcap "$PCAP" "$FLOWS" "$NODE_MAC" "$MAC_A" "$VIP" 53
cat >"$WORK/service.json" <<EOF
{ "kind": "List", "apiVersion": "v1", "items": [
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "bench", "namespace": "default" },
    "spec": { "type": "ClusterIP", "clusterIP": "$VIP",
      "ports": [ { "name": "dns", "protocol": "UDP", "port": 53, "targetPort": 5353 } ] } },
  { "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1", "addressType": "IPv4",
    "metadata": { "name": "bench-x", "namespace": "default",
      "labels": { "kubernetes.io/service-name": "bench" } },
    "ports": [ { "name": "dns", "protocol": "UDP", "port": 5353 } ],
    "endpoints": [ $(for i in $(seq 1 10); do
	printf '%s{ "addresses": [ "10.244.1.%d" ], "nodeName": "other", "conditions": { "ready": true } }' \
		"$([ "$i" = 1 ] || echo ", ")" "$i"; done) ] } ] }
EOF

cat >"$WORK/moved.json" <<EOF
{ "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1", "addressType": "IPv4",
  "metadata": { "name": "bench-x", "namespace": "default",
    "labels": { "kubernetes.io/service-name": "bench" } },
  "ports": [ { "name": "dns", "protocol": "UDP", "port": 5353 } ],
  "endpoints": [ $(for i in $(seq 1 10); do
	printf '%s{ "addresses": [ "10.244.2.%d" ], "nodeName": "other", "conditions": { "ready": true } }' \
		"$([ "$i" = 1 ] || echo ", ")" "$i"; done) ] }
EOF

# effect DIR: the endpoint change under traffic; "k time" of each
# generator counter read in DIR/effect.t (0 = before the PUT), the PUT's
# "code time_total t_start t_return" in DIR/effect.put
effect() {
	local dir=$1 k put_pid
	: >"$dir/effect.t"
	echo "0 $(now)" >>"$dir/effect.t"
	echo "show port stats all" >&"$GEN_FD"
	sleep 0.05
	(
		a=$(now)
		r=$(curl -sS --unix-socket "$API" -X PUT --data-binary "@$WORK/moved.json" \
			-H 'Content-Type: application/json' -o /dev/null \
			-w '%{http_code} %{time_total}' http://localhost/v1/services/default/bench/endpoints)
		echo "$r $a $(now)" >"$dir/effect.put"
	) &
	put_pid=$!
	for k in $(seq 1 200); do
		echo "$k $(now)" >>"$dir/effect.t"
		echo "show port stats all" >&"$GEN_FD"
		sleep 0.02
	done
	wait "$put_pid"
}

# effect_times DIR FIRST: from the generator's snapshots FIRST.. (the
# effect's) -> "code put_ms first_ms all_ms", times from the PUT's start:
# its round trip, the first read with more frames back on p0 (port 1)
# than before it, the first read after which p1 (port 2) got nothing more
effect_times() {
	awk -v first="$2" '
	FILENAME ~ /effect.put$/ { code = $1; tt = $2; ta = $3; next }
	FILENAME ~ /effect.t$/ { t[$1] = $2; n = $1; next }
	$1 >= first { k = $1 - first; if ($2 == 1) p0[k] = $3; if ($2 == 2) p1[k] = $3 }
	END {
		f = "-"; a = "-"
		for (k = 1; k <= n; k++) if (f == "-" && p0[k] > p0[0]) f = sprintf("%.0f", 1000 * (t[k] - ta))
		for (k = n - 1; k >= 1; k--) if (p1[k + 1] > p1[k]) break
		if (k < n - 1) a = sprintf("%.0f", 1000 * (t[k + 1] - ta))
		printf "%s %.1f %s %s\n", code, 1000 * tt, f, a
	}' "$1/effect.put" "$1/effect.t" "$1/gen.stats"
}

# start_generator DIR: the generator replaying the pcap into p0 (port 1),
# sinking what comes back on p1 (port 2) into net_null (port 3); reading
# the pcap into mbufs comes first (seconds for 1M frames).
start_generator() {
	local extra
	read -r -a extra <<<"${GEN_EXTRA:-}"
	gen_start "$1" 120 "--vdev net_pcap0,rx_pcap=$PCAP,infinite_rx=1" \
		"--vdev net_null0,no-rx=1" --port-topology=chained --forward-mode=io \
		--mbuf-size=256 --total-num-mbufs=$GEN_MBUFS --max-pkt-len=118 "${extra[@]}"
}

start_svc_dut() {	# DIR
	local dir=$1 out
	cat >"$dir/podswitch.json" <<EOF
{
  "node": { "name": "$TAG", "ip": "192.168.60.10/24", "mac": "$NODE_MAC",
            "pod_cidr": "10.244.0.0/24", "gateway_ip": "10.244.0.1",
            "service_cidr": "10.96.0.0/12" },
  "ports": [
    { "name": "v0", "role": "pod", "driver": "vhost-user",
      "args": { "path": "$dir/p0.sock", "client": 1 } },
    { "name": "v1", "role": "uplink", "driver": "vhost-user",
      "args": { "path": "$dir/p1.sock", "client": 1 } }
  ],
  "routes": [ { "dst": "10.244.1.0/24", "gateway": "$GW1", "dev": "v1" },
              { "dst": "10.244.2.0/24", "gateway": "$GW0", "dev": "v0" } ],
  "neighbors": [ { "ip": "$GW1", "mac": "$MAC_B", "dev": "v1" },
                 { "ip": "$GW0", "mac": "$MAC_A", "dev": "v0" } ],
  "tables": { "conntrack": $CT_SIZE$([ "$DUT" = svcp ] && echo ", \"policy_conntrack\": $CT_SIZE") },
  "conntrack": { "timeouts": { "udp_single": 3600, "udp_stream": 3600 } },
$(ps_dut_json "$dir")
}
EOF
	start_ps_dut "$dir" 30
	out=$(curl -sS --unix-socket "$API" -X POST --data-binary "@$WORK/service.json" \
		-H 'Content-Type: application/json' -w ' %{http_code}' http://localhost/v1/apply)
	case $out in *' 200') ;; *) KEEP=1; die "POST /v1/apply: $out" ;; esac
	# svcp: the clients are local pods that policies select, the
	# endpoints pods of another node they may reach (UDP 5353)
	if [ "$DUT" = svcp ]; then
		policy_load "$dir" --senders "$(python3 -c 'import sys
n = (int(sys.argv[1]) + 49999) // 50000
print(",".join("10.244.0.%d" % (16 + i) for i in range(n)))' "$FLOWS")" \
			--allow-to peers/ep --peers "$(seq -s, -f '10.244.1.%g' 1 10)" \
			--proto UDP --port 5353
	fi
}

ct_count() {	# -> "count full"
	if [ "$DUT" = ovs ]; then echo "$(ovs_appctl dpctl/ct-get-nconns) -"; return; fi
	curl -sS --unix-socket "$API" --max-time 10 'http://localhost/v1/conntrack?limit=1' |
		python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["count"], j["full"])'
}

# fill DIR: sample the conntrack count until it reaches FLOWS or stops
# growing for 2 s (at most FILL_MAX s); "t count" lines in DIR/fill; says
# so when the table is not full then (the window then mixes new
# connections in: OVS on a loaded machine)
fill() {
	local dir=$1 t0 c same=0 last=-1 end=$((SECONDS + FILL_MAX))
	: >"$dir/fill"
	t0=$(now)
	echo "start" >&"$GEN_FD"
	while [ "$SECONDS" -lt "$end" ]; do
		# count only: python per sample would cost CPU 0 time
		if [ "$DUT" = ovs ]; then
			c=$(ovs_appctl dpctl/ct-get-nconns)
		else
			# (a sample that times out on a loaded machine is skipped,
			# not the end of the run)
			c=$(curl -sS --unix-socket "$API" --max-time 10 'http://localhost/v1/conntrack?limit=1' |
				grep -o '"count": *[0-9]*' | grep -o '[0-9]*$') || { sleep "$FILL_STEP"; continue; }
		fi
		echo "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }') ${c:-0}" >>"$dir/fill"
		[ "${c:-0}" -ge "$FLOWS" ] && break
		if [ "${c:-0}" = "$last" ]; then
			same=$((same + 1))
			[ "$same" -ge 20 ] && break
		else
			same=0
		fi
		last=${c:-0}
		sleep "$FILL_STEP"
	done
	[ "${c:-0}" -ge "$FLOWS" ] ||
		log "  $DUT: ${c:-0} of $FLOWS connections after the fill (${FILL_MAX} s at most, FILL_MAX): the window has new connections too"
}

# is_ps DUT: a podswitch DUT (svc, or svcp: svc with POLICIES policies)
is_ps() { [ "$1" = svc ] || [ "$1" = svcp ]; }

run_case() {	# DUT ROUND
	local dut=$1 round=$2 dir t0 k c n t_start t_stop mhz
	CASE=$dut-$round
	DUT=$dut
	dir=$WORK/$CASE
	mkdir -p "$dir"
	log "case $dut, round $round/$ROUNDS"
	[ "$QUIET_WAIT" -gt 0 ] && wait_quiet "$QUIET_WAIT"
	start_generator "$dir"
	case $dut in
	io) start_io_dut "$dir" 30 ;;
	ovs) ovs_start "$dir" svc ;;
	*) start_svc_dut "$dir" ;;
	esac
	wait_for "$dir/gen.log" "testpmd>" 120 "$GEN_PID"
	sleep 1
	R_FILL0=- R_FILL=- R_FILL_T=- R_CT=- R_CTFULL=-
	t_start=$(now)
	if [ "$dut" != io ]; then
		# calibration: an empty graph walk's duration
		is_ps "$dut" && calibrate "$dir" && sleep 0.1
		t_start=$(now)
		fill "$dir"
		# connections/s: from the first sample with entries to the
		# first at 25% of FLOWS (the first pass of the pcap: nearly
		# every frame is new), and from 10% to 90% (linear between
		# samples; later passes mix in established flows)
		read -r R_FILL0 R_FILL R_FILL_T < <(awk -v n="$FLOWS" '
			function at(x,   i) { for (i = 2; i <= m; i++) if (c[i] >= x)
				return t[i - 1] + (t[i] - t[i - 1]) * (x - c[i - 1]) / (c[i] - c[i - 1]); return -1 }
			{ m++; t[m] = $1; c[m] = $2 }
			END { a = at(0.1 * n); b = at(0.9 * n); full = at(n)
				for (i = 1; i <= m && c[i] == 0; i++) ;
				for (j = i + 1; j <= m && c[j] < 0.25 * n; j++) ;
				r0 = (j <= m && i <= m && t[j] > t[i]) ? sprintf("%.0f", (c[j] - c[i]) / (t[j] - t[i])) : "-"
				if (a < 0 || b <= a) print r0, "- -"; else printf "%s %.0f %s\n", r0, 0.8 * n / (b - a), (full < 0 ? "-" : sprintf("%.2f", full)) }' "$dir/fill")
		is_ps "$dut" && ps_snap "$dir" 0
	else
		echo "start" >&"$GEN_FD"
	fi
	sleep "$WARMUP"
	: >"$dir/samples"
	t0=$(now)
	for k in $(seq 1 $((DURATION + 1))); do
		[ "$k" -gt 1 ] && sleep_until "$t0" "$k"
		c=$(cpu_snapshot "$GEN_PID" "$DUT_PID")
		echo "$k $(now) $c" >>"$dir/samples"
		echo "show port stats all" >&"$GEN_FD"
		case $dut in
		io) echo "show port stats all" >&"$DUT_FD" ;;
		ovs) ovs_snap "$dir" "$k" "$([ "$k" = $((DURATION + 1)) ] && echo last)" ;;
		*) ps_snap "$dir" "$k" ;;
		esac
	done
	sleep 0.5
	if [ "$dut" != io ]; then read -r R_CT R_CTFULL < <(ct_count); fi
	if is_ps "$dut" && [ "$EFFECT" = 1 ]; then effect "$dir"; fi
	t_stop=$(now)
	echo "stop" >&"$GEN_FD"
	sleep 0.5
	# podswitch's counters of the whole run
	is_ps "$dut" && ps_snap "$dir" end
	[ "$dut" = ovs ] && ovs_stop "$dir"
	stop_testpmds "$dut"

	n=$((DURATION + 1))
	# generator ports: 0 pcap, 1 virtio_user0 (p0), 2 virtio_user1 (p1), 3 null
	parse_testpmd "$dir/gen.log" 4 >"$dir/gen.stats"
	case $dut in
	io) parse_testpmd "$dir/dut.log" 2 >"$dir/dut.stats" ;;
	ovs) cp "$dir/ovs.ports" "$dir/dut.stats" ;;
	*)
		ps_tables "$dir"
		window_nodes "$dir/dut.calls" "$n" >"$dir/dut.window"
		;;
	esac
	[ "$(awk -v n="$n" '$1 == n' "$dir/gen.stats" | wc -l)" -eq 4 ] ||
		{ KEEP=1; die "$CASE: generator counters missing (see $dir/gen.log)"; }
	R_EFFECT="- - - -"
	if [ -s "$dir/effect.put" ]; then R_EFFECT=$(effect_times "$dir" $((n + 1))); fi
	# what comes back on p1 (generator port 2)
	read -r R_FWD R_BEST R_CLEAN R_NCLEAN < <(rates "$dir" gen.stats 3 2)
	R_SENT=$(rates "$dir" gen.stats 4 1 | cut -d' ' -f1)
	R_DUTRX=$(rates "$dir" dut.stats 3 | cut -d' ' -f1)
	R_GENBUSY=$(busy_cycles "$dir/gen.log" "$t_start" "$t_stop")
	mhz=$(testpmd_mhz "$dir/gen.log")
	if [ "$dut" = io ]; then
		R_DUTBUSY=$(busy_cycles "$dir/dut.log" "$t_start" "$t_stop")
		R_DUTCPP=$(testpmd_cpp "$dir/dut.log")
	elif [ "$dut" = ovs ]; then
		# the PMD thread's processing cycles per frame it received
		read -r R_DUTBUSY R_DUTCPP _ < <(ovs_figures "$dir")
		{
			echo "  ovs#$round, PMD thread in the window (dpif-netdev/pmd-stats-show):"
			ovs_summary "$dir"
		} >"$dir/ovs.txt"
	else
		# busy = window minus empty walks x the calibrated empty walk
		R_DUTBUSY=$(dut_busy "$dir" "$n")
		R_DUTCPP=$(dut_cpp "$R_DUTBUSY" "$R_DUTRX" "$mhz")
	fi
	R_DUTCPP=${R_DUTCPP:--}
	R_FOREIGN=$(foreign "$dir")
	log "  back on p1 $R_FWD Mpps (best second $R_BEST, clean $R_CLEAN x$R_NCLEAN), sent into p0 $R_SENT, DUT rx $R_DUTRX, foreign ${R_FOREIGN}%, busy: generator $R_GENBUSY DUT $R_DUTBUSY, DUT cycles/frame $R_DUTCPP; fill: first pass $R_FILL0 conn/s, 10-90% $R_FILL conn/s (all in ${R_FILL_T}s), conntrack after the window: $R_CT (full $R_CTFULL); endpoint change (code, PUT ms, first on p0 ms, all moved ms): $R_EFFECT"
}

RESULTS=$WORK/results
: >"$RESULTS"
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
	for d in $DUTS; do
		run_case "$d" "$round"
		echo "$d $round $R_FWD $R_BEST $R_CLEAN $R_NCLEAN $R_SENT $R_DUTRX $R_FOREIGN $R_GENBUSY $R_DUTBUSY $R_DUTCPP $R_FILL $R_FILL_T $R_CT $R_CTFULL $R_FILL0 $R_EFFECT" >>"$RESULTS"
	done
done

echo
echo "=== service traffic: $FLOWS UDP flows to ClusterIP $VIP (10 endpoints), 64-byte frames, DUT alone on CPU $DUT_CPU, ${DURATION}s window ==="
awk -v rounds="$ROUNDS" -v ovs="$OVS_ON" '
function median(arr, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && arr[j - 1] > arr[j]; j--) { t = arr[j]; arr[j] = arr[j - 1]; arr[j - 1] = t }
	return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
{ r[$1, $2] = $0 }
END {
	fmt = "%-12s %6s %6s %7s %6s %6s %8s %8s %8s %9s %9s %10s\n"
	printf fmt, "case", "Mpps", "ratio", "vs_ovs", "best1s", "clean", "foreign%", "gen_busy", "dut_busy", "cyc/frame", "cyc_ratio", "cyc_vs_ovs"
	for (k = 1; k <= rounds; k++) {
		split(r["io", k], a); split(r["svc", k], b); split(ovs ? r["ovs", k] : "", o)
		printf fmt, "io-forward#" k, a[3], "1.00", "-", a[4], a[5], a[9], a[10], a[11], a[12], "1.00", "-"
		ratio = a[3] > 0 ? b[3] / a[3] : 0
		cr = (b[12] > 0 && a[12] > 0) ? a[12] / b[12] : 0
		vo = o[3] > 0 ? b[3] / o[3] : 0
		co = (b[12] > 0 && o[12] > 0) ? o[12] / b[12] : 0
		printf fmt, "svc#" k, b[3], sprintf("%.2f", ratio), ovs ? sprintf("%.2f", vo) : "-", b[4], b[5], b[9], b[10], b[11], b[12], sprintf("%.2f", cr), ovs ? sprintf("%.2f", co) : "-"
		if (("svcp", k) in r) {
			split(r["svcp", k], q)
			pr = (a[3] > 0) ? q[3] / a[3] : 0
			pvo = (ovs && o[3] > 0) ? sprintf("%.2f", q[3] / o[3]) : "-"
			pcr = (q[12] > 0 && a[12] > 0) ? a[12] / q[12] : 0
			pco = (ovs && q[12] > 0 && o[12] > 0) ? sprintf("%.2f", o[12] / q[12]) : "-"
			printf fmt, "svc+pol#" k, q[3], sprintf("%.2f", pr), pvo, q[4], q[5], q[9], q[10], q[11], q[12], sprintf("%.2f", pcr), pco
		}
		if (ovs) {
			ro = a[3] > 0 ? o[3] / a[3] : 0
			cro = (o[12] > 0 && a[12] > 0) ? a[12] / o[12] : 0
			printf fmt, "ovs#" k, o[3], sprintf("%.2f", ro), "1.00", o[4], o[5], o[9], o[10], o[11], o[12], sprintf("%.2f", cro), "1.00"
		}
		io[k] = a[3]; sv[k] = b[3]; ra[k] = ratio; cy[k] = cr; nc[k] = b[17]; ov[k] = o[3]; rvo[k] = vo; cvo[k] = co
	}
	if (rounds > 1) {
		printf "median of %d rounds: io-forward %.2f Mpps, svc %.2f Mpps, ratio %.2f, cycle ratio %.2f (ratio range %.2f-%.2f)",
			rounds, median(io, rounds), median(sv, rounds), median(ra, rounds),
			median(cy, rounds), ra[1], ra[rounds]
		if (ovs)
			printf "; ovs %.2f Mpps, svc vs ovs %.2f (cycles %.2f)", median(ov, rounds), median(rvo, rounds), median(cvo, rounds)
		printf "\n"
	}
	fmt = "%-12s %14s %14s %8s %10s   %5s %8s %10s %12s\n"
	printf "\n" fmt, "", "new conn/s", "new conn/s", "fill s", "ct entries", "", "PUT", "first on", "all moved"
	printf fmt, "", "first pass", "10-90%", "", "", "code", "ms", "p0 ms", "ms"
	for (k = 1; k <= rounds; k++) {
		split(r["svc", k], b)
		printf fmt, "svc#" k, b[17], b[13], b[14], b[15], b[18], b[19], b[20], b[21]
		if (("svcp", k) in r) {
			split(r["svcp", k], b)
			printf fmt, "svc+pol#" k, b[17], b[13], b[14], b[15], b[18], b[19], b[20], b[21]
		}
		if (ovs) {
			split(r["ovs", k], b)
			printf fmt, "ovs#" k, b[17], b[13], b[14], b[15], "-", "-", "-", "-"
		}
	}
}' "$RESULTS"
for round in $(seq "$ROUNDS"); do
	for d in svc svcp; do
		f=$WORK/$d-$round/dut.window
		[ -s "$f" ] || continue
		awk -v lb="$d#$round" '
			$1 == "total" { tot = $3; next }
			$3 != "-" { s = s sprintf(" %s %.0f", $1, $3) }
			END { printf "  %s nodes in the window, cycles/packet: all %.0f per frame:%s\n", lb, tot, s }' "$f"
		# the fill (snapshots -1 to 0): nearly every frame a first packet
		f=$WORK/$d-$round/dut.calls
		[ -s "$f" ] || continue
		awk -v lb="$d#$round" '
			$1 != -1 && $1 != 0 { next }
			{ s = $1 == -1 ? -1 : 1; p[$2] += s * $3; c[$2] += s * $5; if (!($2 in o)) { o[$2] = ++no; nm[no] = $2 } }
			END { for (i = 1; i <= no; i++) { k = nm[i]; if (p[k] > 0 && k !~ /^port_rx-/) t = t sprintf(" %s %.0f", k, c[k] / p[k]) }
				printf "  %s nodes during the fill (first packets), cycles/packet:%s\n", lb, t }' "$f"
	done
done
for round in $(seq "$ROUNDS"); do
	f=$WORK/ovs-$round/ovs.txt
	if [ -s "$f" ]; then cat "$f"; fi
done
f=$WORK/svc-1/dut.drops
if [ -f "$f" ]; then
	echo "  drops of svc#1 (whole run):"
	sed 's/^/    /' "$f"
fi
cat <<EOF

Mpps: frames back at the generator's p1 per second over the window (=
  forwarded by the DUT: io-forward as they are, svc DNATed to an endpoint
  and routed); ratio = svc / io-forward of the same round. best1s, clean:
  best second, mean of the seconds with < ${FOREIGN_MAX}% foreign CPU.
cyc/frame: the DUT's busy cycles per frame received; cyc_ratio =
  io-forward's / svc's (capacity ratio, not affected by starvation).
new conn/s: conntrack entries created per second while the table filled,
  from the first sample with entries to the first at 25% of the flows
  (first pass of the pcap: nearly every frame is a first packet), and
  from 10% to 90% (later passes mix in established flows; frames the
  generator could not send in the first pass come later); fill s: from
  the generator's start to all flows tracked. Sampled every ${FILL_STEP} s
  with GET /v1/conntrack (a walk of the table on the management thread).
PUT ms, first on p0 ms, all moved ms (-E): the endpoint change's round
  trip, and from its start the first counter read (every ~20 ms) with
  frames to a new endpoint, and the one after which none went to the old
  ones.
ct entries: conntrack count after the window (must be the flow count:
  nothing expired, nothing refused).
ovs: vs_ovs = svc's Mpps / ovs's; cyc/frame of ovs = processing cycles
  per frame its PMD thread received (dpif-netdev/pmd-stats-show);
  cyc_vs_ovs = ovs's cycles per frame / svc's. Its conntrack count is
  dpctl/ct-get-nconns; datapath passes per frame (1 + recirculations)
  are in its lines above: 2 = the one ct pass of an established
  connection.
EOF
if [ -n "$JSON" ]; then
	awk '{ print "service", ($1 == "io" ? "io-forward" : $1 == "svc" ? "podswitch" : $1 == "svcp" ? "podswitch+policies" : $1), $2, $3, $12, $9 }' \
		"$RESULTS" >"$WORK/json.in"
	json_lines "$WORK/json.in" >"$JSON"
fi
