#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Control plane against the kernel (perf/README.md, "ctl_vs_kernel.sh").
#
# One run, one network namespace of its own (ip netns add; every kernel
# command runs in it through nsenter --net, and so does podswitch):
# N ClusterIP services (default 10,000) x E endpoints (default 10)
# programmed from empty, then one endpoint change at that size, into
#
#   podswitch    POST /v1/apply of the kubectl-shaped List (svc_gen.py
#                list), a fresh daemon each round (as svc_prog.sh); the
#                change: PUT /v1/services/default/svc-M/endpoints, the
#                slice with E other addresses (curl time_total).
#   nft          kube-proxy's nftables mode (kproxy_gen.py): its full sync
#                as one `nft -f` (table ip kube-proxy, service-ips verdict
#                map, per-service and per-endpoint chains, numgen random
#                vmap, dnat, masquerade marks). The change as its partial
#                sync does it: `nft -f` of a transaction rewriting svc-M's
#                chain and adding its new endpoint chains, the old ones
#                flushed; "as kube-proxy" adds what the same sync also runs:
#                the deletion of the chains flushed by the previous one
#                (`nft -f`) and `nft --json list chains ip` (how it finds
#                stale chains).
#   ipt-nft      kube-proxy's iptables mode through iptables-nft-restore
#   ipt-legacy   and iptables-legacy-restore (when installed): the full
#                sync's restore input (--noflush --counters), then the
#                partial sync's (top-level chains whole, KUBE-SERVICES with
#                N rules, svc-M's KUBE-SVC and new KUBE-SEP chains).
#   ipvs         the course's way: the VIPs bound to the local table (ip
#                -batch), `ipvsadm -R` of -A -t VIP:80 -s rr -p 600 and -a
#                ... -m lines; the change: -d old, -a new. Skipped, with a
#                message, where the kernel has no IPVS.
#
# Rounds (-r) alternate the cases; each round starts every case from
# empty. Changes (-s per case and round) alternate svc-M's endpoints
# between 10.250.0.1+ and 10.250.1.1+, one second apart (kube-proxy's
# minimum sync period). Every step's result is checked (counts, the new
# endpoints in place). Timed: the command only (inputs are generated
# beforehand, untimed; kube-proxy's own computation is not counted).
# foreign%: the CPU time others used (all CPUs; in % of one CPU) over a
# window: the programming's, and for the changes the whole series, its
# one-second gaps included; "ours" is the measured commands' CPU time and
# podswitch's over the window (perf/lib.sh's share, for short commands).
#
# usage: perf/ctl_vs_kernel.sh [-n SERVICES] [-e ENDPOINTS] [-r ROUNDS]
#                              [-s CHANGES] [-I ROUNDS] [-T SECONDS]
#                              [-c CASES] [-k] [-h]
#   -n  services (default 10000)
#   -e  endpoints per service (default 10)
#   -r  rounds (default 3)
#   -s  endpoint changes per case and round (default 10)
#   -I  rounds of the iptables cases (default: -r; at 10,000 services
#       iptables-nft-restore takes minutes per full restore)
#   -T  a kernel command's time limit in seconds (default 1800); past
#       it the case is abandoned for the round and reported as "> T"
#   -c  cases, comma-separated (default podswitch,nft,ipt-nft,ipt-legacy,ipvs)
#   -k  keep the work directory
#   quick smoke check: perf/ctl_vs_kernel.sh -n 100 -r 1 -s 3
# env:  PODSWITCH (default build/app/podswitch), DUT_CPU (1)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
PODSWITCH=${PODSWITCH:-$top/build/app/podswitch}
DUT_CPU=${DUT_CPU:-1}
NSVC=10000
NEPS=10
ROUNDS=3
NCHG=10
CASES=podswitch,nft,ipt-nft,ipt-legacy,ipvs
IPT_ROUNDS=
TMO=1800
KEEP=0

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$top/perf/lib.sh"

while getopts "n:e:r:s:I:T:c:kh" o; do
	case $o in
	n) NSVC=$OPTARG ;;
	e) NEPS=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	s) NCHG=$OPTARG ;;
	c) CASES=$OPTARG ;;
	I) IPT_ROUNDS=$OPTARG ;;
	T) TMO=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

[ "$(id -u)" = 0 ] || die "needs root (network namespace, netfilter)"
[[ "$NSVC" =~ ^[0-9]+$ && "$NSVC" -ge 2 && "$NSVC" -le 16000 ]] || die "-n: 2..16000"
[[ "$NEPS" =~ ^[0-9]+$ && "$NEPS" -ge 1 && "$NEPS" -le 16 ]] || die "-e: 1..16"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "-r: a positive number"
[[ "$NCHG" =~ ^[1-9][0-9]*$ ]] || die "-s: a positive number"
IPT_ROUNDS=${IPT_ROUNDS:-$ROUNDS}
[[ "$IPT_ROUNDS" =~ ^[0-9]+$ && "$IPT_ROUNDS" -le "$ROUNDS" ]] || die "-I: 0..$ROUNDS"
[[ "$TMO" =~ ^[1-9][0-9]*$ ]] || die "-T: seconds"
for c in ${CASES//,/ }; do
	case $c in
	podswitch)
		[ -x "$PODSWITCH" ] || die "no podswitch binary at $PODSWITCH (ninja -C build)"
		command -v curl >/dev/null || die "no curl" ;;
	nft) command -v nft >/dev/null || die "no nft (apt-get install nftables)" ;;
	ipt-nft) command -v iptables-nft-restore >/dev/null || die "no iptables-nft-restore" ;;
	ipt-legacy | ipvs) ;;
	*) die "-c: unknown case $c" ;;
	esac
done
command -v python3 >/dev/null || die "no python3"

perf_init psctl
NS=$TAG
CURL_API_TIMEOUT=300
TIMEFORMAT='%R %U %S'
M=$((NSVC / 2))
VIPM=10.96.$(((M + 1) / 256)).$(((M + 1) % 256))	# svc-M's ClusterIP
RES=$WORK/results	# "case round what idx wall_s user_s sys_s busy_jiffies ours_jiffies"
IDX=0	# the change being measured (0: the programming)
: >"$RES"
SKIPPED=$WORK/skipped	# "case reason"
: >"$SKIPPED"
TIMEOUTS=$WORK/timeouts	# "case round what"
: >"$TIMEOUTS"

# all_busy: jiffies all CPUs were busy (user nice system irq softirq steal).
all_busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# pid_jiffies PID: utime + stime of PID (all its threads).
pid_jiffies() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

in_ns() { nsenter --net="/var/run/netns/$NS" "$@"; }

# timed CASE ROUND WHAT INPUT CMD...: CMD in the namespace, stdin from
# INPUT (- for none); appends its wall/user/sys time and the CPUs' busy
# jiffies to RES. Past TMO seconds CMD is stopped, TIMEOUTS gets a line
# and timed returns 124; on any other failure it dies with CMD's stderr.
timed() {
	local cs=$1 rd=$2 what=$3 in=$4 b0 b1 t rc=0
	shift 4
	[ "$in" = - ] && in=/dev/null
	b0=$(all_busy)
	{ time in_ns timeout "$TMO" "$@" <"$in" >"$WORK/out" 2>"$WORK/err"; } 2>"$WORK/time" || rc=$?
	if [ "$rc" = 124 ]; then
		log "  $cs $what: $1 did not finish in $TMO s: stopped, the case abandoned for this round"
		echo "$cs $rd $what" >>"$TIMEOUTS"
		return 124
	elif [ "$rc" != 0 ]; then
		head -c 600 "$WORK/err" >&2
		die "$cs $what: $* failed"
	fi
	b1=$(all_busy)
	read -r -a t <"$WORK/time"
	echo "$cs $rd $what $IDX ${t[0]} ${t[1]} ${t[2]} $((b1 - b0)) 0" >>"$RES"
}

# win_begin [PID] / win_end CASE ROUND KIND: a foreign-CPU window (KIND
# pwin: the programming, cwin: the changes), with PID's CPU time as ours.
win_begin() {
	W_PID=${1:-}
	W_T0=$(now)
	W_B0=$(all_busy)
	W_J0=0
	[ -n "$W_PID" ] && W_J0=$(pid_jiffies "$W_PID")
	return 0
}
win_end() {
	local j=0 t1 b1
	t1=$(now)
	b1=$(all_busy)
	[ -n "$W_PID" ] && j=$(($(pid_jiffies "$W_PID") - W_J0))
	echo "$1 $2 $3 0 $(awk -v a="$W_T0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') 0 0 $((b1 - W_B0)) $j" >>"$RES"
}

# fail WHAT: a result check failed.
fail() { die "check failed: $*"; }

altbase() { if [ $(($1 % 2)) = 1 ]; then echo 10.250.0.1; else echo 10.250.1.1; fi; }

gen_inputs() {
	local g="python3 $top/perf/kproxy_gen.py" b
	log "generating inputs in $WORK ($NSVC services x $NEPS endpoints)"
	python3 "$top/perf/svc_gen.py" list "$WORK/list.json" "$NSVC" "$NEPS"
	for b in 10.250.0.1 10.250.1.1; do
		python3 "$top/perf/svc_gen.py" slice "$WORK/eps-$b.json" "$M" "$NEPS" "$b"
	done
	case ,$CASES, in *,nft,*)
		$g nft-full "$WORK/nft-full.nft" "$NSVC" "$NEPS"
		$g nft-change "$WORK/nft-chg---10.250.0.1.nft" "$M" "$NEPS" - 10.250.0.1
		$g nft-change "$WORK/nft-chg-10.250.0.1-10.250.1.1.nft" "$M" "$NEPS" 10.250.0.1 10.250.1.1
		$g nft-change "$WORK/nft-chg-10.250.1.1-10.250.0.1.nft" "$M" "$NEPS" 10.250.1.1 10.250.0.1
		for b in - 10.250.0.1 10.250.1.1; do
			$g nft-stale "$WORK/nft-stale-$b.nft" "$M" "$NEPS" "$b"
		done ;;
	esac
	case ,$CASES, in *,ipt-*)
		$g ipt-base "$WORK/ipt-base.rules"
		$g ipt-full "$WORK/ipt-full.rules" "$NSVC" "$NEPS"
		for b in 10.250.0.1 10.250.1.1; do
			$g ipt-change "$WORK/ipt-chg-$b.rules" "$NSVC" "$NEPS" "$M" "$b"
		done ;;
	esac
	case ,$CASES, in *,ipvs,*)
		$g vips "$WORK/vips.batch" "$NSVC"
		$g ipvs-full "$WORK/ipvs-full.txt" "$NSVC" "$NEPS"
		$g ipvs-change "$WORK/ipvs-chg---10.250.0.1.txt" "$M" "$NEPS" - 10.250.0.1
		$g ipvs-change "$WORK/ipvs-chg-10.250.0.1-10.250.1.1.txt" "$M" "$NEPS" 10.250.0.1 10.250.1.1
		$g ipvs-change "$WORK/ipvs-chg-10.250.1.1-10.250.0.1.txt" "$M" "$NEPS" 10.250.1.1 10.250.0.1 ;;
	esac
	find "$WORK" -maxdepth 1 -type f -printf '  %-44f %10s bytes\n' | sort >&2
}

# ------------------------------------------------------------ podswitch

ps_start() {	# DIR
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
	nsenter --net="/var/run/netns/$NS" "$PODSWITCH" --config "$d/podswitch.json" >"$d/podswitch.log" 2>&1 &
	PS_PID=$!
	PIDS+=("$PS_PID")
	wait_for "$d/podswitch.log" "podswitch: node .* running" 60 "$PS_PID"
	for _ in $(seq 50); do [ -S "$API" ] && break; sleep 0.1; done
}

# ps_call ROUND WHAT METHOD PATH FILE: one timed API call; the time is
# curl's time_total, ours the daemon's and curl's CPU time.
ps_call() {
	local rd=$1 what=$2 b0 b1 j0 j1 out t
	j0=$(pid_jiffies "$PS_PID")
	b0=$(all_busy)
	{ time curl_api "$3" "$4" "$5" >"$WORK/out"; } 2>"$WORK/time"
	b1=$(all_busy)
	j1=$(pid_jiffies "$PS_PID")
	read -r -a out <"$WORK/out"
	read -r -a t <"$WORK/time"
	case ${out[0]} in 2*) ;; *) die "podswitch $what: HTTP ${out[0]}: $(head -c 300 "$WORK/resp")" ;; esac
	echo "podswitch $rd $what $IDX ${out[1]} ${t[1]} ${t[2]} $((b1 - b0)) $((j1 - j0))" >>"$RES"
	# kept for -k: the window rows give the daemon's share
}

case_podswitch() {	# ROUND
	local rd=$1 k b n
	ps_start "$WORK/ps$rd"
	win_begin "$PS_PID"
	ps_call "$rd" program POST /v1/apply "$WORK/list.json"
	win_end podswitch "$rd" pwin
	curl_api GET /v1/services >/dev/null
	n=$(grep -o '"clusterIP"' "$WORK/resp" | wc -l)
	[ "$n" = "$NSVC" ] || fail "podswitch lists $n services, not $NSVC"
	win_begin "$PS_PID"
	for k in $(seq "$NCHG"); do
		b=$(altbase "$k")
		IDX=$k
		sleep 1
		ps_call "$rd" change PUT "/v1/services/default/svc-$M/endpoints" "$WORK/eps-$b.json"
	done
	win_end podswitch "$rd" cwin
	curl_api GET "/v1/services/default/svc-$M" >/dev/null
	grep -q "\"${b%.1}.$NEPS\"" "$WORK/resp" || fail "podswitch svc-$M does not show ${b%.1}.$NEPS"
	stop_pid "$PS_PID"
	PIDS=()
}

# ------------------------------------------------------------- nftables

case_nft() {	# ROUND
	local rd=$1 k b cur=- prev='' n want sc
	in_ns nft flush ruleset
	win_begin
	timed nft "$rd" program "$WORK/nft-full.nft" nft -f - || { in_ns nft flush ruleset; return 0; }
	win_end nft "$rd" pwin
	n=$(in_ns nft list chains ip | grep -c '^[[:space:]]*chain ')
	want=$((NSVC * (NEPS + 1) + 16))	# + the 16 fixed chains
	[ "$n" = "$want" ] || fail "nft: $n chains, not $want"
	in_ns nft get element ip kube-proxy service-ips "{ $VIPM . tcp . 80 }" \
		>/dev/null || fail "nft: no service-ips element for svc-$M"
	win_begin
	for k in $(seq "$NCHG"); do
		b=$(altbase "$k")
		IDX=$k
		sleep 1
		if [ -n "$prev" ]; then
			timed nft "$rd" stale "$WORK/nft-stale-$prev.nft" nft -f - || break
		fi
		timed nft "$rd" list - nft --json list chains ip || break
		timed nft "$rd" change "$WORK/nft-chg-$cur-$b.nft" nft -f - || break
		prev=$cur
		cur=$b
	done
	win_end nft "$rd" cwin
	if grep -q "^nft $rd " "$TIMEOUTS"; then
		in_ns nft flush ruleset
		return 0
	fi
	sc=$(grep -o 'service-[^ ]*/svc-'"$M"'/tcp/http' "$WORK/nft-chg-$prev-$cur.nft" | head -1)
	in_ns nft list chain ip kube-proxy "$sc" >"$WORK/out"
	grep -q "__${cur%.1}.$NEPS/8080" "$WORK/out" ||
		fail "nft: $sc does not go to ${cur%.1}.$NEPS"
	in_ns nft flush ruleset
}

# ------------------------------------------------------------- iptables

case_ipt() {	# CASE ROUND
	local cs=$1 rd=$2 v k b n svc
	v=${cs#ipt-}
	if ! command -v "iptables-$v-restore" >/dev/null; then
		echo "$cs iptables-$v-restore is not installed" >>"$SKIPPED"
		return 0
	fi
	ipt_clean "$v"
	in_ns "iptables-$v-restore" --noflush "$WORK/ipt-base.rules"
	win_begin
	if ! timed "$cs" "$rd" program - "iptables-$v-restore" --noflush --counters "$WORK/ipt-full.rules"; then
		ipt_clean "$v"
		return 0
	fi
	win_end "$cs" "$rd" pwin
	in_ns "iptables-$v-save" -t nat >"$WORK/save"
	n=$(grep -c '^-A KUBE-SERVICES' "$WORK/save")
	[ "$n" = $((NSVC + 1)) ] || fail "$cs: $n KUBE-SERVICES rules, not $((NSVC + 1))"
	n=$(grep -c '^:KUBE-SEP-' "$WORK/save")
	[ "$n" = $((NSVC * NEPS)) ] || fail "$cs: $n KUBE-SEP chains, not $((NSVC * NEPS))"
	win_begin
	for k in $(seq "$NCHG"); do
		b=$(altbase "$k")
		IDX=$k
		sleep 1
		if ! timed "$cs" "$rd" change - "iptables-$v-restore" --noflush --counters "$WORK/ipt-chg-$b.rules"; then
			ipt_clean "$v"
			return 0
		fi
	done
	win_end "$cs" "$rd" cwin
	svc=$(grep -o '^:KUBE-SVC-[A-Z0-9]*' "$WORK/ipt-chg-$b.rules" | tr -d :)
	in_ns "iptables-$v-save" -t nat >"$WORK/save"
	n=$(grep -c "^-A $svc .*-j KUBE-SEP-" "$WORK/save")
	[ "$n" = "$NEPS" ] || fail "$cs: $svc has $n endpoint rules, not $NEPS"
	grep -q "^-A KUBE-SEP-.*--to-destination ${b%.1}.$NEPS:8080" "$WORK/save" ||
		fail "$cs: no DNAT to ${b%.1}.$NEPS"
	ipt_clean "$v"
}

ipt_clean() {	# nft|legacy
	local t
	for t in nat filter; do
		in_ns "iptables-$1" -t "$t" -F 2>/dev/null || true
		in_ns "iptables-$1" -t "$t" -X 2>/dev/null || true
	done
	if [ "$1" = nft ]; then in_ns nft flush ruleset 2>/dev/null || true; fi
}

# ----------------------------------------------------------------- IPVS

case_ipvs() {	# ROUND
	local rd=$1 k b cur=- n
	if ! command -v ipvsadm >/dev/null; then
		echo "ipvs ipvsadm is not installed (apt-get install ipvsadm)" >>"$SKIPPED"
		return 0
	fi
	if ! in_ns ipvsadm -L -n >/dev/null 2>"$WORK/err"; then
		echo "ipvs this kernel has no IPVS (ipvsadm -L: $(head -1 "$WORK/err"))" >>"$SKIPPED"
		return 0
	fi
	in_ns ipvsadm -C
	in_ns ip link add kipvs0 type dummy
	win_begin
	timed ipvs "$rd" vips "$WORK/vips.batch" ip -batch - || return 0
	timed ipvs "$rd" program "$WORK/ipvs-full.txt" ipvsadm -R || return 0
	win_end ipvs "$rd" pwin
	n=$(in_ns ipvsadm -S -n | grep -c '^-a')
	[ "$n" = $((NSVC * NEPS)) ] || fail "ipvs: $n real servers, not $((NSVC * NEPS))"
	win_begin
	for k in $(seq "$NCHG"); do
		b=$(altbase "$k")
		IDX=$k
		sleep 1
		timed ipvs "$rd" change "$WORK/ipvs-chg-$cur-$b.txt" ipvsadm -R || return 0
		cur=$b
	done
	win_end ipvs "$rd" cwin
	in_ns ipvsadm -L -n -t "$VIPM:80" >"$WORK/out"
	grep -q "${cur%.1}.$NEPS:8080" "$WORK/out" || fail "ipvs: svc-$M has no ${cur%.1}.$NEPS"
	in_ns ipvsadm -C
	in_ns ip link del kipvs0
}

# ------------------------------------------------------------- summary

# med CASE WIN WHAT...: the median over rounds and changes of the sum of
# the WHATs of one change (or of the programming), and the foreign CPU
# share over the WIN windows, and the median CPU time of one:
# "median_s n foreign% cpu_s". Windows hold the daemon's CPU time, so
# podswitch's foreign share is over the window, not only its calls.
med() {
	local cs=$1 win=$2
	shift 2
	awk -v cs="$cs" -v win="$win" -v whats=" $* " -v hz="$(getconf CLK_TCK)" '
	$1 != cs { next }
	$3 == win { wall += $5; busy += $8 / hz; cpu += $9 / hz; next }
	index(whats, " " $3 " ") {
		# one change is the sum of its parts (stale + list + tx); its
		# CPU time: the commands, the daemon (10 ms ticks) and curl
		v[$2 " " $4] += $5; c[$2 " " $4] += $6 + $7 + $9 / hz; cpu += $6 + $7
	}
	function median(arr, out,   x, n, a, b, t, s) {
		n = 0
		for (x in arr) s[++n] = arr[x]
		for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++)
			if (s[b] < s[a]) { t = s[a]; s[a] = s[b]; s[b] = t }
		out["n"] = n
		return n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
	}
	END {
		m = median(v, o)
		if (o["n"] == 0) { print "- 0 - -"; exit }
		f = wall > 0 ? 100 * (busy - cpu) / wall : 0
		printf "%.6f %d %.0f %.6f\n", m, o["n"], (f < 0 ? 0 : f), median(c, o)
	}' "$RES"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "-") printf "%.4f", a / b; else print "-" }'; }

summary() {
	local ps_p ps_c row lb cs p pn pf pc c cn cf cc pw cw
	read -r ps_p _ _ _ < <(med podswitch pwin program)
	read -r ps_c _ _ _ < <(med podswitch cwin change)
	echo
	echo "=== control plane vs the kernel: $NSVC ClusterIP services x $NEPS endpoints, $ROUNDS round(s) ($IPT_ROUNDS of iptables), $NCHG change(s) each ==="
	echo "kernel $(uname -r), $(nproc) CPUs, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%-44s %9s %8s %3s %8s %5s | %9s %8s %3s %8s %5s\n' "" "program s" "cpu s" "n" "podsw/x" \
		"frgn%" "change ms" "cpu ms" "n" "podsw/x" "frgn%"
	for row in "podswitch:podswitch REST (apply List / PUT endpoints):program:change" \
		"nft:nftables kube-proxy shape (nft -f tx):program:change" \
		"nft:  change as kube-proxy (stale+list+tx):program:stale list change" \
		"ipt-nft:iptables-nft-restore (partial sync):program:change" \
		"ipt-legacy:iptables-legacy-restore (partial):program:change" \
		"ipvs:ipvsadm -R (rr -p 600, -m):program:change" \
		"ipvs:  with the VIPs bound (ip -batch):vips program:change"; do
		IFS=: read -r cs lb pw cw <<<"$row"
		case ,$CASES, in *,"$cs",*) ;; *) continue ;; esac
		if grep -q "^$cs " "$SKIPPED"; then
			[[ "$lb" == " "* ]] && continue
			printf '%-44s skipped: %s\n' "$lb" "$(grep "^$cs " "$SKIPPED" | head -1 | cut -d' ' -f2-)"
			continue
		fi
		# shellcheck disable=SC2086 # the WHAT lists are words
		read -r p pn pf pc < <(med "$cs" pwin $pw)
		if [ "$pn" = 0 ] && grep -q "^$cs [0-9]* \(program\|vips\)$" "$TIMEOUTS"; then
			[[ "$lb" == " "* ]] && continue
			printf '%-44s %9s %8s %3s %8s %5s | not measured: no full table\n' "$lb" ">$TMO" - \
				"$(grep -c "^$cs " "$TIMEOUTS")" "<$(ratio "$ps_p" "$TMO")" -
			continue
		fi
		# shellcheck disable=SC2086
		read -r c cn cf cc < <(med "$cs" cwin $cw)
		printf '%-44s %9.3f %8.3f %3d %8s %5s | %9.2f %8.1f %3d %8s %5s\n' "$lb" "$p" "$pc" "$pn" \
			"$(ratio "$ps_p" "$p")" "$pf" "$(awk -v c="$c" 'BEGIN { printf "%.2f", c * 1000 }')" \
			"$(awk -v c="$cc" 'BEGIN { printf "%.1f", c * 1000 }')" "$cn" "$(ratio "$ps_c" "$c")" "$cf"
	done
	echo "(medians; wall times; podsw/x = podswitch's wall time / that case's: below 1, podswitch"
	echo " is faster; cpu: the commands' user+sys, podswitch's in 10 ms ticks, plus curl's)"
}

ip netns add "$NS"
NETNS+=("$NS")
in_ns ip link set lo up
log "ctl_vs_kernel $TAG: namespace $NS, work dir $WORK; load average $(cut -d' ' -f1-3 /proc/loadavg)"
log "nft: $(nft --version 2>/dev/null || echo none); iptables: $(iptables --version 2>/dev/null || echo none)" \
	"(default backend); $(iptables-legacy --version 2>/dev/null || echo 'no iptables-legacy');" \
	"$(if command -v ipvsadm >/dev/null; then dpkg-query -W -f='ipvsadm ${Version}' ipvsadm 2>/dev/null; else echo 'no ipvsadm'; fi)"
gen_inputs
for rd in $(seq "$ROUNDS"); do
	for cs in ${CASES//,/ }; do
		[[ "$cs" == ipt-* && "$rd" -gt "$IPT_ROUNDS" ]] && continue
		log "round $rd: $cs"
		IDX=0
		case $cs in
		podswitch) case_podswitch "$rd" ;;
		nft) case_nft "$rd" ;;
		ipt-*) case_ipt "$cs" "$rd" ;;
		ipvs) case_ipvs "$rd" ;;
		esac
	done
done
summary
