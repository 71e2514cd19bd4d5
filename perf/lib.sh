# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Helpers of the perf scripts (rig.sh, svc_rig.sh, route_prog.sh,
# svc_prog.sh). Source it after setting the options, then call perf_init
# once the arguments are checked:
#
#   top=$(cd "$(dirname "$0")/.." && pwd)
#   . "$top/perf/lib.sh"
#   ...getopts, checks (die)...
#   perf_init psperf          # TAG=psperf-$$, WORK, the EXIT trap
#
# What a script starts goes in PIDS (stopped at exit), the FIFOs it holds
# open in FIFO_FDS, the namespaces it makes in NETNS; HUGEDIR, when set,
# is where the hugepage files named after TAG are removed. KEEP=1 keeps
# WORK. GEN_CPU and DUT_CPU are the rig's two CPUs.

# usage: the script's header from "# usage:" to "set -euo".
usage() { sed -n '/^# usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

die() { echo "$(basename "$0" .sh): $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }
now() { date +%s.%N; }

PIDS=()
FIFO_FDS=()
NETNS=()
KEEP=${KEEP:-0}

# perf_init TAG_PREFIX: TAG (file prefix of everything of this run), the
# work directory WORK, and the clean-up at exit.
perf_init() {
	TAG=$1-$$
	WORK=$(mktemp -d "/tmp/$TAG.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

cleanup() {
	local rc=$? p fd ns
	set +e
	for fd in "${FIFO_FDS[@]}"; do eval "exec $fd>&-"; done 2>/dev/null
	for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	# an OVS bridge's tap device (perf/ovs.sh) outlives ovs-vswitchd
	[ -n "${OVS_BR:-}" ] && ip link del "$OVS_BR" 2>/dev/null
	# deleting a namespace deletes its veth pair
	for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	# --single-file-segments keeps the hugepage files: remove ours only.
	[ -n "${HUGEDIR:-}" ] && rm -f "$HUGEDIR/$TAG"-* 2>/dev/null
	rm -rf /var/run/dpdk/"$TAG"-* 2>/dev/null
	rm -f "$WORK"/*/*.sock "$WORK"/*/*.fifo 2>/dev/null
	if [ "$KEEP" = 1 ]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
	exit $rc
}

# wait_for FILE REGEX SECONDS [PID]: until REGEX appears in FILE; fails
# (and keeps the work directory) at the timeout or when PID dies.
wait_for() {
	local f=$1 re=$2 t=$3 pid=${4:-}
	for _ in $(seq $((t * 10))); do
		grep -qE "$re" "$f" 2>/dev/null && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			KEEP=1
			log "process $pid died; tail of $f:"
			tail -20 "$f" >&2
			return 1
		fi
		sleep 0.1
	done
	KEEP=1
	log "timeout waiting for /$re/ in $f; tail:"
	tail -20 "$f" >&2
	return 1
}

# stop_pid PID [SECONDS]: SIGINT, then SIGKILL after SECONDS (default 10).
stop_pid() {
	local p=$1 t=${2:-10}
	kill -INT "$p" 2>/dev/null || return 0
	for _ in $(seq $((t * 10))); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}

# open_fifo PATH: creates the FIFO, holds it open read-write (so the reader
# never sees EOF) and sets FD to the descriptor.
open_fifo() {
	mkfifo "$1"
	exec {FD}<>"$1"
	FIFO_FDS+=("$FD")
}

# curl_api METHOD PATH [-d JSON | FILE]: one request on the API socket $API
# (a body from FILE, or JSON given inline); the answer in $WORK/resp;
# prints "code time_total time_starttransfer size_upload size_download".
# CURL_API_TIMEOUT: seconds (default 60).
curl_api() {
	local m=$1 p=$2 data=()
	shift 2
	if [ $# -gt 0 ]; then
		if [ "$1" = -d ]; then data=(--data "$2"); else data=(--data-binary "@$1"); fi
		data+=(-H 'Content-Type: application/json')
	fi
	curl -sS --unix-socket "$API" -X "$m" "${data[@]}" -o "$WORK/resp" \
		--max-time "${CURL_API_TIMEOUT:-60}" -H 'Expect:' \
		-w '%{http_code} %{time_total} %{time_starttransfer} %{size_upload} %{size_download}\n' \
		"http://localhost$p"
}

# ------------------------------------------------------------- the rigs

# rig_checks: what both rigs need (root, testpmd, curl, python3, the
# podswitch binary, 2 CPUs, hugetlbfs); HUGEDIR is where it is mounted.
rig_checks() {
	[ "$(id -u)" = 0 ] || die "needs root (hugepages, vhost-user)"
	command -v "$TESTPMD" >/dev/null || die "no $TESTPMD"
	command -v curl >/dev/null || die "no curl"
	command -v python3 >/dev/null || die "no python3"
	[ -x "$PODSWITCH" ] || die "no podswitch binary at $PODSWITCH (ninja -C build)"
	[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs"
	grep -qs hugetlbfs /proc/mounts ||
		die "no hugetlbfs mounted: echo 1024 > /proc/sys/vm/nr_hugepages; mount -t hugetlbfs nodev /dev/hugepages"
	HUGEDIR=$(awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts)
}

# A one-second sample is "clean" when others took less than this % of a
# CPU (the rig's own once-a-second sampling and kernel threads make ~3-5%).
FOREIGN_MAX=10
HZ=$(getconf CLK_TCK)

# cpu_busy: jiffies the rig's two CPUs were busy.
cpu_busy() {
	awk -v a="cpu$GEN_CPU" -v b="cpu$DUT_CPU" '
		$1 == a || $1 == b { s += $2 + $3 + $4 + $7 + $8 + $9 } END { print s }' /proc/stat
}

# cpu_snapshot PID...: "busy ours": cpu_busy, and jiffies the PIDs ran.
# busy - ours is CPU time taken by anybody else (other tests, builds, the
# rig's own perf) from the pinned pollers.
cpu_snapshot() {
	local busy ours=0 p f
	busy=$(cpu_busy)
	for p in "$@"; do
		f=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		# after the command name: field 12 = utime, 13 = stime
		ours=$((ours + $(echo "$f" | awk '{ print $12 + $13 }')))
	done
	echo "$busy $ours"
}

# wait_quiet SECONDS: until the rig's CPUs are used by others for less
# than 10% of a CPU over one second (nothing of the rig runs then).
wait_quiet() {
	local end=$((SECONDS + $1)) a b used
	while :; do
		a=$(cpu_busy)
		sleep 1
		b=$(cpu_busy)
		used=$(echo "$a $b" | awk -v hz="$HZ" '{ printf "%.0f", 100 * ($2 - $1) / hz }')
		[ "$used" -lt 10 ] && return 0
		if [ "$SECONDS" -ge "$end" ]; then
			log "  CPUs still busy (others use ${used}% of a CPU): measuring anyway"
			return 0
		fi
	done
}

# sleep_until T0 K: sleep until K - 1 seconds after T0 (the K-th sample).
sleep_until() {
	sleep "$(awk -v t0="$1" -v k="$2" -v n="$(now)" \
		'BEGIN { d = t0 + k - 1 - n; printf "%.3f", (d > 0 ? d : 0) }')"
}

# gen_start DIR WAIT_S PRE_VDEVS POST_VDEVS [TESTPMD ARGS...]: the
# generator/sink, a dpdk-testpmd alone on GEN_CPU (EAL's control threads,
# which serve the vhost-user sockets, too) with two net_virtio_user ports
# in server mode, DIR/p0.sock (MAC_A) and DIR/p1.sock (MAC_B), between the
# vdevs of PRE_VDEVS and POST_VDEVS ("--vdev ..." words); interactive,
# commands on the FIFO GEN_FD, output in DIR/gen.log. Waits up to WAIT_S
# for the first socket to wait for its client. Sets GEN_PID, GEN_FD.
gen_start() {
	local dir=$1 wait_s=$2 pre post
	read -r -a pre <<<"$3"
	read -r -a post <<<"$4"
	shift 4
	open_fifo "$dir/gen.fifo"
	GEN_FD=$FD
	taskset -c "$GEN_CPU" stdbuf -oL "$TESTPMD" \
		--lcores "0@$GEN_CPU,1@$GEN_CPU" --no-pci --single-file-segments \
		--file-prefix="$TAG-gen-$CASE" --log-level=lib.eal:warning "${pre[@]}" \
		--vdev "net_virtio_user0,path=$dir/p0.sock,server=1,queue_size=1024,mac=$MAC_A" \
		--vdev "net_virtio_user1,path=$dir/p1.sock,server=1,queue_size=1024,mac=$MAC_B" \
		"${post[@]}" \
		-- -i --nb-cores=1 --burst=32 --record-burst-stats --record-core-cycles "$@" \
		<&"$GEN_FD" >"$dir/gen.log" 2>&1 &
	GEN_PID=$!
	PIDS+=("$GEN_PID")
	# virtio-user in server mode blocks at probe until the client comes
	# (its start can take tens of seconds on a loaded machine)
	wait_for "$dir/gen.log" "p0.sock.*waiting for client" "$wait_s" "$GEN_PID"
}

# start_io_dut DIR WAIT_S: the io-forward DUT, a second dpdk-testpmd with
# two net_vhost ports (client=1), its forwarding core alone on DUT_CPU, its
# main thread on GEN_CPU, --forward-mode=io, started. Sets DUT_PID, DUT_FD.
start_io_dut() {
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
	wait_for "$dir/dut.log" "testpmd>" "$2" "$DUT_PID"
	echo "start" >&"$DUT_FD"
}

# stop_testpmds DUT: the io-forward DUT (DUT = io) or podswitch, then the
# generator; their FIFOs closed, their hugepage files removed.
stop_testpmds() {
	if [ "$1" = io ]; then
		printf 'stop\nquit\n' >&"$DUT_FD"
		for _ in $(seq 50); do kill -0 "$DUT_PID" 2>/dev/null || break; sleep 0.1; done
	fi
	stop_pid "$DUT_PID" 10
	echo "quit" >&"$GEN_FD"
	for _ in $(seq 100); do kill -0 "$GEN_PID" 2>/dev/null || break; sleep 0.1; done
	stop_pid "$GEN_PID" 5
	eval "exec $GEN_FD>&-"
	[ "$1" = io ] && eval "exec $DUT_FD>&-"
	FIFO_FDS=()
	PIDS=()
	rm -f "$HUGEDIR/$TAG"-* 2>/dev/null || true
}

# testpmd "show port stats all" blocks -> "snap port rx tx" lines
# (snapshot numbers from 1, NPORTS blocks per snapshot).
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

# busy_cycles LOG T0 T1: testpmd's --record-core-cycles cycles (22.11 counts
# only the polls that got frames, whatever its "total cycles" label says) as a
# share of the time from T0 to T1 (forwarding started and stopped), e.g. "97%"
busy_cycles() {
	awk -v t0="$2" -v t1="$3" '/CPU cycles\/packet=/ {
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^cycles=/) { v = $i; sub(/^cycles=/, "", v) }
			if ($(i + 1) == "MHz") mhz = $i
		}
	}
	END { if (v == "" || mhz == "" || t1 <= t0) print "-";
		else { b = 100 * v / (mhz * 1e6 * (t1 - t0)); printf "%.0f%%", (b > 100 ? 100 : b) } }' "$1"
}

# testpmd_mhz LOG: the TSC frequency testpmd printed with its cycles.
testpmd_mhz() {
	awk '/CPU cycles\/packet=/ { for (i = 1; i <= NF; i++) if ($(i + 1) == "MHz") print $i }' \
		"$1" | tail -1
}

# testpmd_cpp LOG: testpmd's own busy cycles per received frame.
testpmd_cpp() {
	awk '/CPU cycles\/packet=/ { v = $0; sub(/.*packet=/, "", v); sub(/ .*/, "", v)
		printf "%.0f", v }' "$1"
}

# rates DIR STATS COLUMN [PORT]: from DIR/samples ("k time busy ours") and
# DIR/STATS ("snap port counters..."; snapshots before 1 are ignored), the
# rate of COLUMN summed over the ports (or of one PORT) in Mpps: "mean best
# clean nclean" = over the whole window, best one-second interval, mean of
# the intervals with less than FOREIGN_MAX % foreign CPU and their count.
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

# foreign DIR: CPU time others took from the rig's CPUs over the window
# (DIR/samples), in percent of one CPU.
foreign() {
	awk -v hz="$HZ" 'NR == 1 { t = $2; b = $3; o = $4 }
		END { printf "%.0f", 100 * (($3 - b) - ($4 - o)) / hz / ($2 - t) }' "$1/samples"
}

# ------------------------------------------------------- the podswitch DUT

# ps_dut_json DIR: the last members of a podswitch DUT's configuration:
# one worker alone on DUT_CPU, busy polling; the API on DIR/api.sock; EAL
# "--lcores 0@GEN_CPU,1@DUT_CPU" (the io-forward DUT's placement: the main
# thread and, through it, EAL's control threads and podswitch's management
# thread on the generator's CPU, rather than the daemon's default, which
# lets the main lcore run on any CPU, the worker's included).
ps_dut_json() {
	cat <<EOF
  "workers": { "lcores": "$DUT_CPU", "burst": 32, "idle_sleep_max_us": 0 },
  "api": { "unix_socket": "$1/api.sock", "max_body_bytes": 67108864 },
  "dpdk": { "eal_args": ["--no-pci", "--file-prefix=$TAG-dut-$CASE",
                         "--lcores", "0@$GEN_CPU,1@$DUT_CPU",
                         "--log-level=lib.eal:warning"] }
EOF
}

# start_ps_dut DIR WAIT_S: podswitch with DIR/podswitch.json, output in
# DIR/dut.log, until it runs and its API socket (API) is there. Sets DUT_PID.
start_ps_dut() {
	API=$1/api.sock
	"$PODSWITCH" --config "$1/podswitch.json" >"$1/dut.log" 2>&1 &
	DUT_PID=$!
	PIDS+=("$DUT_PID")
	wait_for "$1/dut.log" "podswitch: node .* running" "$2" "$DUT_PID" || return 1
	for _ in $(seq 50); do [ -S "$API" ] && break; sleep 0.1; done
}

# --------------------------------------------------- podswitch's counters
#
# The podswitch DUT's counters come from GET /v1/stats (a JSON document,
# lib/api/rest_status.c), one snapshot per label in DIR/stats/LABEL.json:
# -2 and -1 the calibration (no traffic yet, half a second apart), 0 any
# other before the window, 1..n the window's, "end" after the traffic.

# ps_snap DIR LABEL: one snapshot through the DUT's API socket $API.
ps_snap() {
	mkdir -p "$1/stats"
	curl -sS --unix-socket "$API" --max-time 10 -o "$1/stats/$2.json" \
		http://localhost/v1/stats || log "GET /v1/stats ($2) failed"
}

# ps_tables DIR: the snapshots as the text files the figures are made of:
#   DIR/dut.stats  "snap port rx tx txdropped" (txdropped: tx_dropped +
#                  tx_errors, what the counter table calls tx-dropped)
#   DIR/dut.calls  "snap node packets calls cycles"
#   DIR/dut.nodes  "node packets cycles_per_pkt cycles_per_call" (end)
#   DIR/dut.drops  "node reason packets", drops counted (end)
#   DIR/dut.fdb    the FDB's counters as the counter table says them (end)
ps_tables() {
	python3 - "$1" <<'PY'
import glob, json, os, sys
d = sys.argv[1]
snaps = {}
for f in glob.glob(os.path.join(d, "stats", "*.json")):
    label = os.path.basename(f)[:-5]
    try:
        with open(f) as fh:
            snaps[label] = json.load(fh)
    except (OSError, ValueError):
        continue
nums = sorted((int(k), v) for k, v in snaps.items() if k.lstrip("-").isdigit())
with open(os.path.join(d, "dut.stats"), "w") as out:
    for k, j in nums:
        for p in j.get("ports", []):
            out.write("%d %s %d %d %d\n" % (k, p["name"], p["rx_packets"],
                      p["tx_packets"], p["tx_dropped"] + p["tx_errors"]))
with open(os.path.join(d, "dut.calls"), "w") as out:
    for k, j in nums:
        for n in j.get("nodes", []):
            out.write("%d %s %d %d %d\n" % (k, n["name"], n["packets"],
                      n["calls"], n["cycles"]))
end = snaps.get("end", {})
with open(os.path.join(d, "dut.nodes"), "w") as out:
    for n in end.get("nodes", []):
        out.write("%s %d %.1f %.1f\n" % (n["name"], n["packets"],
                  n["cycles_per_packet"], n["cycles_per_call"]))
with open(os.path.join(d, "dut.drops"), "w") as out:
    for x in end.get("drops", []):
        if x["packets"] > 0:
            out.write("%-28s %-20s %14d\n" % (x["node"], x["reason"], x["packets"]))
with open(os.path.join(d, "dut.fdb"), "w") as out:
    f = end.get("tables", {}).get("fdb")
    if f:
        out.write("fdb: %d/%d entries, learned %d, moved %d, aged %d, refused "
                  "(full) %d, static moves refused %d, learn queue full %d\n" % (
                      f["entries"], f["size"], f["learned"], f["moved"],
                      f["aged"], f["full"], f["static_move_refused"],
                      f["learn_queue_full"]))
PY
}

# window_nodes CALLS N: podswitch's graph nodes between snapshots 1 and N
# -> "node packets cycles_per_pkt cycles_per_rx_frame", nodes that ran in
# the window only, plus "port_rx" (all rx queues; it includes the empty
# polls) and "total" (every node, per frame received). cycles_per_rx_frame
# adds up to the total: the share of each node in the worker's graph
# cycles per frame.
window_nodes() {
	awk -v n="$2" '
	$1 != 1 && $1 != n { next }
	{
		k = $2; if (!(k in seen)) { seen[k] = 1; order[++no] = k }
		s = $1 == 1 ? -1 : 1
		p[k] += s * $3; c[k] += s * $5
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

# dut_busy DIR N: the podswitch worker's busy share over the window: the
# window minus its empty walks times the duration of an empty walk,
# calibrated between snapshots -2 and -1 (DIR/calib: their times). A walk
# polls every rx queue (the calls of the first port_rx node); eth_input
# runs when one had frames.
dut_busy() {
	awk -v n="$2" '
		FILENAME ~ /calib$/ { ta = $1; tb = $2; next }
		FILENAME ~ /samples$/ { t[$1] = $2; next }
		$2 ~ /^port_rx-/ && !seen[$1]++ { w[$1] = $4 }
		$2 == "eth_input" { c[$1] = $4 }
		END {
			cw = w[-1] - w[-2]
			if (cw <= 0 || t[n] <= t[1]) { print "-"; exit }
			empty_walk = (tb - ta) / cw
			empty = (w[n] - w[1]) - (c[n] - c[1])
			b = 100 - 100 * empty * empty_walk / (t[n] - t[1])
			printf "%.0f%%", b < 0 ? 0 : b
		}' "$1/calib" "$1/samples" "$1/dut.calls"
}

# calibrate DIR: snapshots -2 and -1 half a second apart, before any
# traffic (how long an empty graph walk takes), their times in DIR/calib.
calibrate() {
	local ta tb
	ta=$(now)
	ps_snap "$1" -2
	sleep 0.5
	tb=$(now)
	ps_snap "$1" -1
	echo "$ta $tb" >"$1/calib"
}

# dut_cpp BUSY RX MHZ: busy cycles per received frame ("97%", Mpps, MHz).
dut_cpp() {
	awk -v b="${1%\%}" -v rx="$2" -v mhz="${3:-0}" \
		'BEGIN { if (b == "-" || rx <= 0 || mhz <= 0) print "-";
			else printf "%.0f", b / 100 * mhz / rx }'
}

# ------------------------------------------------------------ --json

# json_lines FILE: from FILE's "scenario dut round mpps cyc_per_frame
# foreign_pct" lines (dut io-forward, podswitch or ovs; "-" where a figure
# is missing), one JSON object a line per scenario and DUT, medians over
# the rounds: mpps, ratio_io (Mpps / io-forward's of the same round),
# cyc_ratio (io-forward's cycles per frame / the DUT's, same round),
# foreign_pct; null where there was no figure.
json_lines() {
	awk '
	function median(arr, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && arr[j - 1] > arr[j]; j--) { t = arr[j]; arr[j] = arr[j - 1]; arr[j - 1] = t }
		return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
	}
	function num(x) { return x != "-" && x != "" && x + 0 > 0 }
	# m(key, values collected in v[key, 1..c[key]]) or null
	function med(key, fmt,   i, n, t) {
		n = c[key]; if (n == 0) return "null"
		for (i = 1; i <= n; i++) t[i] = v[key, i]
		return sprintf(fmt, median(t, n))
	}
	function add(key, x) { v[key, ++c[key]] = x }
	{ mp[$1, $2, $3] = $4; cy[$1, $2, $3] = $5; fo[$1, $2, $3] = $6
	  if (!(($1, $2) in seen)) { seen[$1, $2] = 1; order[++no] = $1 SUBSEP $2 }
	  rounds[$1, $3] = 1 }
	END {
		for (k in mp) {
			split(k, f, SUBSEP); s = f[1]; d = f[2]; r = f[3]
			io = mp[s, "io-forward", r]; ioc = cy[s, "io-forward", r]
			if (num(mp[k])) add(s SUBSEP d SUBSEP "m", mp[k])
			if (num(mp[k]) && num(io)) add(s SUBSEP d SUBSEP "r", mp[k] / io)
			if (num(cy[k]) && num(ioc)) add(s SUBSEP d SUBSEP "c", ioc / cy[k])
			if (fo[k] != "-" && fo[k] != "") add(s SUBSEP d SUBSEP "f", fo[k])
		}
		for (i = 1; i <= no; i++) {
			split(order[i], f, SUBSEP); s = f[1]; d = f[2]; b = s SUBSEP d SUBSEP
			printf "{\"scenario\": \"%s\", \"dut\": \"%s\", \"mpps\": %s, \"ratio_io\": %s, \"cyc_ratio\": %s, \"foreign_pct\": %s}\n",
				s, d, med(b "m", "%.3f"), med(b "r", "%.3f"), med(b "c", "%.3f"), med(b "f", "%.0f")
		}
	}' "$1"
}

# policy_load DIR GEN_ARGS...: the POLICIES policies over POLICIES pods of
# perf/policy_gen.py (GEN_ARGS: its senders and what they may reach) into
# the podswitch DUT on $API, one POST /v1/apply; waits until GET
# /v1/policies lists them all (compiled: the daemon answers from its live
# model) and logs how long the whole took.
policy_load() {
	local dir=$1 t0 out n=0
	shift
	python3 "$(dirname "${BASH_SOURCE[0]}")/policy_gen.py" "$dir/policies.json" \
		--policies "$POLICIES" --pods "$POLICIES" --node "$TAG" "$@" ||
		die "policy_gen.py failed"
	t0=$(now)
	out=$(curl -sS --unix-socket "$API" --max-time 120 -X POST \
		--data-binary "@$dir/policies.json" -H 'Content-Type: application/json' \
		-o "$dir/policies.answer" -w '%{http_code}' http://localhost/v1/apply) ||
		out=000
	[ "$out" = 200 ] || { KEEP=1; die "POST /v1/apply of $POLICIES policies: $out $(head -c 300 "$dir/policies.answer")"; }
	for _ in $(seq 1 600); do
		n=$(curl -sS --unix-socket "$API" --max-time 10 http://localhost/v1/policies |
			python3 -c 'import json, sys; print(len(json.load(sys.stdin)))' 2>/dev/null) || n=0
		[ "${n:-0}" -ge "$POLICIES" ] && break
		sleep 0.1
	done
	[ "${n:-0}" -ge "$POLICIES" ] || { KEEP=1; die "GET /v1/policies lists $n of $POLICIES"; }
	curl -sS --unix-socket "$API" --max-time 10 http://localhost/v1/stats \
		-o "$dir/policies.stats" || true
	log "  $POLICIES policies over $POLICIES pods loaded in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }') s ($(python3 -c 'import json, sys
p = json.load(open(sys.argv[1])).get("policy", {})
print(", ".join("%s %s" % (k, v) for k, v in p.items() if not isinstance(v, (dict, list))))' "$dir/policies.stats" 2>/dev/null))"
}
