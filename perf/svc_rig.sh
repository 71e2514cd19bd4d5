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
#                        [-q SECONDS] [-C SIZE] [-E] [-k] [-h]
#   -f  concurrent flows (default 1000000)
#   -d  measured window (default 10)
#   -w  warm-up after the fill (default 3)
#   -r  rounds (io-forward and svc alternately; default 1)
#   -q  wait up to SECONDS before each case for quiet CPUs (default 0)
#   -C  tables.conntrack of the DUT (default 2097152)
#   -E  after each svc window, the endpoint change and its effect (above)
#   -k  keep the logs
# env:  PODSWITCH (build/app/podswitch), TESTPMD (dpdk-testpmd), GEN_CPU (0),
#       DUT_CPU (1)
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
FILL_STEP=0.1
MAC_A=02:00:00:00:0a:01
MAC_B=02:00:00:00:0b:01
NODE_MAC=00:01:02:03:04:01
VIP=10.96.0.10
GW1=192.168.60.1
GW0=10.244.0.254
FOREIGN_MAX=10
HZ=$(getconf CLK_TCK)

usage() { sed -n '/^# usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
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

die() { echo "svc_rig: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }
now() { date +%s.%N; }

[[ "$FLOWS" =~ ^[0-9]+$ && "$FLOWS" -ge 1024 && "$FLOWS" -le 2500000 ]] || die "-f: 1024..2500000"
[ "$(id -u)" = 0 ] || die "needs root (hugepages, vhost-user)"
command -v "$TESTPMD" >/dev/null || die "no $TESTPMD"
command -v curl >/dev/null || die "no curl"
[ -x "$PODSWITCH" ] || die "no podswitch binary at $PODSWITCH (ninja -C build)"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs"
grep -qs hugetlbfs /proc/mounts ||
	die "no hugetlbfs mounted: echo 1024 > /proc/sys/vm/nr_hugepages; mount -t hugetlbfs nodev /dev/hugepages"
HUGEDIR=$(awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts)
# The generator holds the whole pcap in mbufs (net_pcap infinite_rx): FLOWS
# mbufs of 256-byte data room (~450 bytes each) plus 64k for the rings.
GEN_MBUFS=$((FLOWS + 65536))
free_mb=$(awk '/HugePages_Free/ { f = $2 } /Hugepagesize/ { s = $2 } END { print int(f * s / 1024) }' /proc/meminfo)
need_mb=$((GEN_MBUFS * 450 / 1048576 + 150 + CT_SIZE * 170 / 1048576 + 250))
[ "$free_mb" -ge "$need_mb" ] || die "only $free_mb MB of free hugepages, need ~$need_mb"

TAG=pssvcrig-$$
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
	rm -f "$HUGEDIR"/$TAG-* 2>/dev/null
	rm -rf /var/run/dpdk/$TAG-* 2>/dev/null
	rm -f "$WORK"/*/*.sock "$WORK"/*/*.fifo 2>/dev/null
	if [ "$KEEP" = 1 ]; then echo "logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cpu_snapshot() {	# PIDS... -> "busy ours" (jiffies of the two CPUs, of PIDS)
	local busy ours=0 p f
	busy=$(awk -v a="cpu$GEN_CPU" -v b="cpu$DUT_CPU" '
		$1 == a || $1 == b { s += $2 + $3 + $4 + $7 + $8 + $9 } END { print s }' /proc/stat)
	for p in "$@"; do
		f=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		ours=$((ours + $(echo "$f" | awk '{ print $12 + $13 }')))
	done
	echo "$busy $ours"
}

wait_for() {	# FILE REGEX SECONDS [PID]
	local f=$1 re=$2 t=$3 pid=${4:-}
	for _ in $(seq $((t * 10))); do
		grep -qE "$re" "$f" 2>/dev/null && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			KEEP=1; log "process $pid died; tail of $f:"; tail -20 "$f" >&2; return 1
		fi
		sleep 0.1
	done
	KEEP=1; log "timeout waiting for /$re/ in $f; tail:"; tail -20 "$f" >&2; return 1
}

stop_pid() {	# PID SECONDS
	local p=$1 t=$2
	kill -INT "$p" 2>/dev/null || return 0
	for _ in $(seq $((t * 10))); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}

open_fifo() {
	mkfifo "$1"
	exec {FD}<>"$1"
	FIFO_FDS+=("$FD")
}

wait_quiet() {	# SECONDS
	local end=$((SECONDS + $1)) a b used
	while :; do
		a=$(cpu_snapshot); sleep 1; b=$(cpu_snapshot)
		used=$(echo "$a $b" | awk -v hz="$HZ" '{ printf "%.0f", 100 * ($3 - $1) / hz }')
		[ "$used" -lt 10 ] && return 0
		if [ "$SECONDS" -ge "$end" ]; then
			log "  CPUs still busy (others use ${used}% of a CPU): measuring anyway"
			return 0
		fi
	done
}

# testpmd "show port stats all" -> "snap port rx tx" (NPORTS blocks a snapshot)
parse_testpmd() {	# LOG NPORTS
	awk -v nports="$2" '
	/NIC statistics for port/ {
		for (i = 1; i <= NF; i++) if ($i == "port") port = $(i + 1)
		blk++; snap = int((blk - 1) / nports) + 1; inblk = 1; next
	}
	inblk && /RX-packets:/ { rx = $2 }
	inblk && /TX-packets:/ { print snap, port, rx, $2; inblk = 0 }
	' "$1"
}

# podswitch counter dumps -> "snap port rx tx txdropped"; the first PRE
# dumps (calibration and fill) are numbered up to 0, the window's 1..n
parse_podswitch_ports() {	# LOG PRE
	awk -v snap="-$2" '
	/^--- podswitch counters/ { snap++; inp = 0; next }
	/^port[ \t]+role/ { inp = 1; next }
	inp && NF == 0 { inp = 0; next }
	inp { print snap, $1, $3, $4, $7 }
	' "$1"
}

# every podswitch node table -> "snap node packets calls cycles_per_call"
parse_podswitch_calls() {	# LOG PRE
	awk -v snap="-$2" '
	/^--- podswitch counters/ { snap++; next }
	/^node[ \t]/ { for (i = 1; i <= NF; i++) col[$i] = i; innode = 1; next }
	innode && NF == 0 { innode = 0; next }
	innode { print snap, $1, $(col["packets"]), $(col["calls"]), $(col["cycles/call"]) }
	' "$1"
}

# window nodes: "node packets cycles_per_pkt cycles_per_rx_frame" between
# dumps 1 and N, plus port_rx (all rx queues, empty polls included) and total
window_nodes() {	# CALLS N
	awk -v n="$2" '
	$1 != 1 && $1 != n { next }
	{
		k = $2; if (!(k in seen)) { seen[k] = 1; order[++no] = k }
		s = $1 == 1 ? -1 : 1
		p[k] += s * $3; c[k] += s * $4 * $5
	}
	END {
		for (i = 1; i <= no; i++) {
			k = order[i]; tc += c[k]
			if (k ~ /^port_rx-/) { rxp += p[k]; rxc += c[k] }
		}
		if (rxp <= 0) exit
		printf "port_rx %d %.1f %.1f\n", rxp, rxc / rxp, rxc / rxp
		for (i = 1; i <= no; i++) {
			k = order[i]
			if (k ~ /^port_rx-/ || c[k] <= 0) continue
			printf "%s %d %s %.1f\n", k, p[k],
				(p[k] > 0 ? sprintf("%.1f", c[k] / p[k]) : "-"), c[k] / rxp
		}
		printf "total %d %.1f %.1f\n", rxp, tc / rxp, tc / rxp
	}' "$1"
}

# rates DIR STATS COLUMN [PORT] -> "mean best clean nclean" Mpps
rates() {
	awk -v c="$3" -v p="${4:-}" -v hz="$HZ" -v lim="$FOREIGN_MAX" '
	NR == FNR { t[$1] = $2; busy[$1] = $3; ours[$1] = $4; n = $1; next }
	$1 < 1 { next }
	p != "" && $2 != p { next }
	{ v[$1] += $c }
	END {
		if (n < 2 || t[n] <= t[1]) { print "0 0 - 0"; exit }
		mean = (v[n] - v[1]) / (t[n] - t[1]) / 1e6
		for (i = 1; i < n; i++) {
			dt = t[i + 1] - t[i]
			r = (v[i + 1] - v[i]) / dt / 1e6
			f = 100 * ((busy[i + 1] - busy[i]) - (ours[i + 1] - ours[i])) / hz / dt
			if (r > best) best = r
			if (f < lim) { cs += r; cn++ }
		}
		printf "%.3f %.3f %s %d\n", mean, best, cn ? sprintf("%.3f", cs / cn) : "-", cn
	}' "$1/samples" "$1/$2"
}

busy_cycles() {	# LOG T0 T1: testpmd --record-core-cycles busy share
	awk -v t0="$2" -v t1="$3" '/CPU cycles\/packet=/ {
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^cycles=/) { v = $i; sub(/^cycles=/, "", v) }
			if ($(i + 1) == "MHz") mhz = $i
		}
	}
	END { if (v == "" || mhz == "" || t1 <= t0) print "-";
		else { b = 100 * v / (mhz * 1e6 * (t1 - t0)); printf "%.0f%%", (b > 100 ? 100 : b) } }' "$1"
}

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

start_generator() {	# DIR
	local dir=$1
	open_fifo "$dir/gen.fifo"
	GEN_FD=$FD
	taskset -c "$GEN_CPU" stdbuf -oL "$TESTPMD" \
		--lcores "0@$GEN_CPU,1@$GEN_CPU" --no-pci --single-file-segments \
		--file-prefix="$TAG-gen-$CASE" --log-level=lib.eal:warning \
		--vdev "net_pcap0,rx_pcap=$PCAP,infinite_rx=1" \
		--vdev "net_virtio_user0,path=$dir/p0.sock,server=1,queue_size=1024,mac=$MAC_A" \
		--vdev "net_virtio_user1,path=$dir/p1.sock,server=1,queue_size=1024,mac=$MAC_B" \
		--vdev "net_null0,no-rx=1" \
		-- -i --nb-cores=1 --port-topology=chained --forward-mode=io --burst=32 \
		--record-burst-stats --record-core-cycles \
		--mbuf-size=256 --total-num-mbufs=$GEN_MBUFS --max-pkt-len=118 ${GEN_EXTRA:-} \
		<&"$GEN_FD" >"$dir/gen.log" 2>&1 &
	GEN_PID=$!
	PIDS+=("$GEN_PID")
	# reading the pcap into mbufs comes first (seconds for 1M frames)
	wait_for "$dir/gen.log" "p0.sock.*waiting for client" 120 "$GEN_PID"
}

start_io_dut() {	# DIR
	local dir=$1
	open_fifo "$dir/dut.fifo"
	DUT_FD=$FD
	stdbuf -oL "$TESTPMD" --lcores "0@$GEN_CPU,1@$DUT_CPU" --no-pci --single-file-segments \
		--file-prefix="$TAG-dut-$CASE" --log-level=lib.eal:warning \
		--vdev "net_vhost0,iface=$dir/p0.sock,client=1,queues=1" \
		--vdev "net_vhost1,iface=$dir/p1.sock,client=1,queues=1" \
		-- -i --nb-cores=1 --forward-mode=io --burst=32 --record-burst-stats --record-core-cycles \
		--total-num-mbufs=32768 \
		<&"$DUT_FD" >"$dir/dut.log" 2>&1 &
	DUT_PID=$!
	PIDS+=("$DUT_PID")
	wait_for "$dir/dut.log" "testpmd>" 30 "$DUT_PID"
	echo "start" >&"$DUT_FD"
}

start_svc_dut() {	# DIR
	local dir=$1 out
	API=$dir/api.sock
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
  "tables": { "conntrack": $CT_SIZE },
  "conntrack": { "timeouts": { "udp_single": 3600, "udp_stream": 3600 } },
  "workers": { "lcores": "$DUT_CPU", "burst": 32, "idle_sleep_max_us": 0 },
  "api": { "unix_socket": "$API" },
  "dpdk": { "eal_args": ["--no-pci", "--file-prefix=$TAG-dut-$CASE",
                         "--lcores", "0@$GEN_CPU,1@$DUT_CPU",
                         "--log-level=lib.eal:warning"] }
}
EOF
	"$PODSWITCH" --config "$dir/podswitch.json" >"$dir/dut.log" 2>&1 &
	DUT_PID=$!
	PIDS+=("$DUT_PID")
	wait_for "$dir/dut.log" "podswitch: node .* running" 30 "$DUT_PID"
	for _ in $(seq 50); do [ -S "$API" ] && break; sleep 0.1; done
	out=$(curl -sS --unix-socket "$API" -X POST --data-binary "@$WORK/service.json" \
		-H 'Content-Type: application/json' -w ' %{http_code}' http://localhost/v1/apply)
	case $out in *' 200') ;; *) KEEP=1; die "POST /v1/apply: $out" ;; esac
}

ct_count() {	# -> "count full"
	curl -sS --unix-socket "$API" --max-time 10 'http://localhost/v1/conntrack?limit=1' |
		python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["count"], j["full"])'
}

# fill DIR: sample the conntrack count until it reaches FLOWS or stops
# growing for 2 s (at most 120 s); "t count" lines in DIR/fill
fill() {
	local dir=$1 t0 c same=0 last=-1 end=$((SECONDS + 120))
	: >"$dir/fill"
	t0=$(now)
	echo "start" >&"$GEN_FD"
	while [ "$SECONDS" -lt "$end" ]; do
		# count only: python per sample would cost CPU 0 time
		c=$(curl -sS --unix-socket "$API" --max-time 10 'http://localhost/v1/conntrack?limit=1' |
			grep -o '"count": *[0-9]*' | grep -o '[0-9]*$')
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
}

run_case() {	# DUT ROUND
	local dut=$1 round=$2 dir t0 k c n t_start t_stop pre=0 mhz
	CASE=$dut-$round
	dir=$WORK/$CASE
	mkdir -p "$dir"
	log "case $dut, round $round/$ROUNDS"
	[ "$QUIET_WAIT" -gt 0 ] && wait_quiet "$QUIET_WAIT"
	start_generator "$dir"
	if [ "$dut" = io ]; then start_io_dut "$dir"; else start_svc_dut "$dir"; fi
	wait_for "$dir/gen.log" "testpmd>" 120 "$GEN_PID"
	sleep 1
	R_FILL0=- R_FILL=- R_FILL_T=- R_CT=- R_CTFULL=-
	t_start=$(now)
	if [ "$dut" = svc ]; then
		# calibration: an empty graph walk's duration (2 dumps 0.5 s apart)
		local ta tb
		ta=$(now); kill -USR1 "$DUT_PID"; sleep 0.5; tb=$(now); kill -USR1 "$DUT_PID"
		echo "$ta $tb" >"$dir/calib"
		sleep 0.1
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
		pre=3
		kill -USR1 "$DUT_PID"
	else
		echo "start" >&"$GEN_FD"
	fi
	sleep "$WARMUP"
	: >"$dir/samples"
	t0=$(now)
	for k in $(seq 1 $((DURATION + 1))); do
		if [ "$k" -gt 1 ]; then
			sleep "$(awk -v t0="$t0" -v k="$k" -v n="$(now)" \
				'BEGIN { d = t0 + k - 1 - n; printf "%.3f", (d > 0 ? d : 0) }')"
		fi
		c=$(cpu_snapshot "$GEN_PID" "$DUT_PID")
		echo "$k $(now) $c" >>"$dir/samples"
		echo "show port stats all" >&"$GEN_FD"
		if [ "$dut" = io ]; then echo "show port stats all" >&"$DUT_FD"; else kill -USR1 "$DUT_PID"; fi
	done
	sleep 0.5
	if [ "$dut" = svc ]; then
		read -r R_CT R_CTFULL < <(ct_count)
		if [ "$EFFECT" = 1 ]; then effect "$dir"; fi
	fi
	t_stop=$(now)
	echo "stop" >&"$GEN_FD"
	sleep 0.5
	if [ "$dut" = io ]; then
		printf 'stop\nquit\n' >&"$DUT_FD"
		for _ in $(seq 50); do kill -0 "$DUT_PID" 2>/dev/null || break; sleep 0.1; done
	fi
	stop_pid "$DUT_PID" 10
	echo "quit" >&"$GEN_FD"
	for _ in $(seq 100); do kill -0 "$GEN_PID" 2>/dev/null || break; sleep 0.1; done
	stop_pid "$GEN_PID" 5
	eval "exec $GEN_FD>&-"
	[ "$dut" = io ] && eval "exec $DUT_FD>&-"
	FIFO_FDS=()
	PIDS=()
	rm -f "$HUGEDIR"/$TAG-* 2>/dev/null || true

	n=$((DURATION + 1))
	# generator ports: 0 pcap, 1 virtio_user0 (p0), 2 virtio_user1 (p1), 3 null
	parse_testpmd "$dir/gen.log" 4 >"$dir/gen.stats"
	if [ "$dut" = io ]; then
		parse_testpmd "$dir/dut.log" 2 >"$dir/dut.stats"
	else
		parse_podswitch_ports "$dir/dut.log" "$pre" >"$dir/dut.stats"
		parse_podswitch_calls "$dir/dut.log" "$pre" >"$dir/dut.calls"
		window_nodes "$dir/dut.calls" "$n" >"$dir/dut.window"
	fi
	[ "$(awk -v n="$n" '$1 == n' "$dir/gen.stats" | wc -l)" -eq 4 ] ||
		{ KEEP=1; die "$CASE: generator counters missing (see $dir/gen.log)"; }
	R_EFFECT="- - - -"
	if [ -s "$dir/effect.put" ]; then R_EFFECT=$(effect_times "$dir" $((n + 1))); fi
	# what comes back on p1 (generator port 2)
	read -r R_FWD R_BEST R_CLEAN R_NCLEAN < <(rates "$dir" gen.stats 3 2)
	R_SENT=$(rates "$dir" gen.stats 4 1 | cut -d' ' -f1)
	R_DUTRX=$(rates "$dir" dut.stats 3 | cut -d' ' -f1)
	R_GENBUSY=$(busy_cycles "$dir/gen.log" "$t_start" "$t_stop")
	mhz=$(awk '/CPU cycles\/packet=/ { for (i = 1; i <= NF; i++) if ($(i + 1) == "MHz") print $i }' \
		"$dir/gen.log" | tail -1)
	if [ "$dut" = io ]; then
		R_DUTBUSY=$(busy_cycles "$dir/dut.log" "$t_start" "$t_stop")
		R_DUTCPP=$(awk '/CPU cycles\/packet=/ { v = $0; sub(/.*packet=/, "", v); sub(/ .*/, "", v)
			printf "%.0f", v }' "$dir/dut.log")
	else
		# busy = window minus empty walks x the calibrated empty walk
		R_DUTBUSY=$(awk -v n="$n" -v pre="$pre" '
			FILENAME ~ /calib$/ { ta = $1; tb = $2; next }
			FILENAME ~ /samples$/ { t[$1] = $2; next }
			$2 ~ /^port_rx-/ && !seen[$1]++ { w[$1] = $4 }
			$2 == "eth_input" { c[$1] = $4 }
			END {
				cw = w[2 - pre] - w[1 - pre]
				if (cw <= 0 || t[n] <= t[1]) { print "-"; exit }
				empty_walk = (tb - ta) / cw
				empty = (w[n] - w[1]) - (c[n] - c[1])
				b = 100 - 100 * empty * empty_walk / (t[n] - t[1])
				printf "%.0f%%", b < 0 ? 0 : b
			}' "$dir/calib" "$dir/samples" "$dir/dut.calls")
		R_DUTCPP=$(awk -v b="${R_DUTBUSY%\%}" -v rx="$R_DUTRX" -v mhz="${mhz:-0}" \
			'BEGIN { if (b == "-" || rx <= 0 || mhz <= 0) print "-";
				else printf "%.0f", b / 100 * mhz / rx }')
	fi
	R_DUTCPP=${R_DUTCPP:--}
	R_FOREIGN=$(awk -v hz="$HZ" 'NR == 1 { t = $2; b = $3; o = $4 }
		END { printf "%.0f", 100 * (($3 - b) - ($4 - o)) / hz / ($2 - t) }' "$dir/samples")
	log "  back on p1 $R_FWD Mpps (best second $R_BEST, clean $R_CLEAN x$R_NCLEAN), sent into p0 $R_SENT, DUT rx $R_DUTRX, foreign ${R_FOREIGN}%, busy: generator $R_GENBUSY DUT $R_DUTBUSY, DUT cycles/frame $R_DUTCPP; fill: first pass $R_FILL0 conn/s, 10-90% $R_FILL conn/s (all in ${R_FILL_T}s), conntrack after the window: $R_CT (full $R_CTFULL); endpoint change (code, PUT ms, first on p0 ms, all moved ms): $R_EFFECT"
}

RESULTS=$WORK/results
: >"$RESULTS"
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
	for d in io svc; do
		run_case "$d" "$round"
		echo "$d $round $R_FWD $R_BEST $R_CLEAN $R_NCLEAN $R_SENT $R_DUTRX $R_FOREIGN $R_GENBUSY $R_DUTBUSY $R_DUTCPP $R_FILL $R_FILL_T $R_CT $R_CTFULL $R_FILL0 $R_EFFECT" >>"$RESULTS"
	done
done

echo
echo "=== service traffic: $FLOWS UDP flows to ClusterIP $VIP (10 endpoints), 64-byte frames, DUT alone on CPU $DUT_CPU, ${DURATION}s window ==="
awk -v rounds="$ROUNDS" '
function median(arr, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && arr[j - 1] > arr[j]; j--) { t = arr[j]; arr[j] = arr[j - 1]; arr[j - 1] = t }
	return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
{ r[$1, $2] = $0 }
END {
	fmt = "%-12s %6s %6s %6s %6s %8s %8s %8s %9s %9s\n"
	printf fmt, "case", "Mpps", "ratio", "best1s", "clean", "foreign%", "gen_busy", "dut_busy", "cyc/frame", "cyc_ratio"
	for (k = 1; k <= rounds; k++) {
		split(r["io", k], a); split(r["svc", k], b)
		printf fmt, "io-forward#" k, a[3], "1.00", a[4], a[5], a[9], a[10], a[11], a[12], "1.00"
		ratio = a[3] > 0 ? b[3] / a[3] : 0
		cr = (b[12] > 0 && a[12] > 0) ? a[12] / b[12] : 0
		printf fmt, "svc#" k, b[3], sprintf("%.2f", ratio), b[4], b[5], b[9], b[10], b[11], b[12], sprintf("%.2f", cr)
		io[k] = a[3]; sv[k] = b[3]; ra[k] = ratio; cy[k] = cr; nc[k] = b[17]
	}
	if (rounds > 1) {
		printf "median of %d rounds: io-forward %.2f Mpps, svc %.2f Mpps, ratio %.2f, cycle ratio %.2f (ratio range %.2f-%.2f)\n",
			rounds, median(io, rounds), median(sv, rounds), median(ra, rounds),
			median(cy, rounds), ra[1], ra[rounds]
	}
	fmt = "%-12s %14s %14s %8s %10s   %5s %8s %10s %12s\n"
	printf "\n" fmt, "", "new conn/s", "new conn/s", "fill s", "ct entries", "", "PUT", "first on", "all moved"
	printf fmt, "", "first pass", "10-90%", "", "", "code", "ms", "p0 ms", "ms"
	for (k = 1; k <= rounds; k++) {
		split(r["svc", k], b)
		printf fmt, "svc#" k, b[17], b[13], b[14], b[15], b[18], b[19], b[20], b[21]
	}
}' "$RESULTS"
for round in $(seq "$ROUNDS"); do
	f=$WORK/svc-$round/dut.window
	[ -s "$f" ] || continue
	awk -v lb="svc#$round" '
		$1 == "total" { tot = $3; next }
		$3 != "-" { s = s sprintf(" %s %.0f", $1, $3) }
		END { printf "  %s nodes in the window, cycles/packet: all %.0f per frame:%s\n", lb, tot, s }' "$f"
done
f=$WORK/svc-1/dut.log
if [ -f "$f" ]; then
	echo "  drops of svc#1 (whole run):"
	awk '/^--- podswitch counters/ { n = 0; delete rows }
		/^drops: node/ { ind = 1; next }
		ind && (NF == 0 || /^fdb:/) { ind = 0; next }
		ind { rows[++n] = $0 }
		END { for (i = 1; i <= n; i++) print "    " rows[i] }' "$f"
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
EOF
