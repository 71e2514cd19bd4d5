# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Helpers for the podswitch end-to-end tests. Source it from a test script:
#
#   . "$(dirname "$0")/lib.sh"
#   e2e_init ping                   # name used in the closing line
#   e2e_pod pod1 10.244.0.2         # netns + veth pair, see below
#   e2e_start d1 CONFIG_FILE        # daemon in the background
#   e2e_wait_running d1
#   ...assertions...
#   e2e_stop d1
#   e2e_finish                      # "e2e-ping: N passed, M failed", exit code
#
# Everything created here (namespaces, veths, daemons, background commands,
# the work directory) is recorded and removed by an EXIT trap, whatever way
# the script ends. All names start with "pse2e" (or $E2E_PREFIX) plus a
# per-run id, so several runs (and other people's psdemo/psperf setups) do
# not collide.

set -u -o pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_TOP=$(cd "$E2E_DIR/../.." && pwd)
PODSWITCH=${PODSWITCH:-$E2E_TOP/build/app/podswitch}
CTL=${PODSWITCHCTL:-$E2E_TOP/build/app/podswitchctl}
# The backend of the service tests (helpers/echo_server.py --help).
# shellcheck disable=SC2034 # for the tests that source this file
E2E_ECHO=$E2E_DIR/helpers/echo_server.py
# Bulk TCP both ways and UDP echo (helpers/bulk_server.py --help).
E2E_BULK=$E2E_DIR/helpers/bulk_server.py

# Short per-run id: interface names are limited to 15 characters.
E2E_ID=$(printf '%04x' $(($$ % 65536)))
# Prefix of namespace and interface names (perf/soak.sh uses its own, so
# that it can run beside the e2e tests without their lock).
E2E_PREFIX=${E2E_PREFIX:-pse2e}
E2E_PASS=0
E2E_FAIL=0
E2E_NAME=e2e
E2E_TMP=
E2E_VERBOSE=${E2E_VERBOSE:-0}

declare -a E2E_NETNS=()     # namespaces to delete
declare -a E2E_LINKS=()     # root-namespace links to delete
declare -a E2E_BG=()        # background helper pids (pings, ...)
declare -a E2E_EXTRA_PREFIXES=()  # EAL file prefixes of other DPDK processes
declare -A E2E_DPID=()      # daemon name -> pid
declare -A E2E_DLOG=()      # daemon name -> log file
declare -A E2E_DPREFIX=()   # daemon name -> EAL file prefix
declare -A E2E_DSOCK=()     # daemon name -> API socket (from its config)
declare -A E2E_DRC=()       # daemon name -> exit status once reaped
declare -A E2E_POD_IF=()    # pod name -> root-side veth name
declare -A E2E_POD_NS=()    # pod name -> netns name
declare -A E2E_POD_MAC=()   # pod name -> MAC of eth0 inside the pod
declare -a E2E_PODS_A=() E2E_PODS_B=()  # pods of node A, B (e2e_fabric_pod)
declare -A E2E_POD_IP=()    # pod name -> IP (e2e_fabric_pod)

# ---------------------------------------------------------------- output

e2e_log()  { echo "[$E2E_NAME] $*"; }
e2e_ok()   { E2E_PASS=$((E2E_PASS + 1)); echo "  ok   $*"; }
e2e_fail() { E2E_FAIL=$((E2E_FAIL + 1)); echo "  FAIL $*"; }

# e2e_check DESCRIPTION CMD [ARGS...]: pass if CMD succeeds. The command's
# output is shown only on failure (or with E2E_VERBOSE=1).
e2e_check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		e2e_ok "$desc"
		[ "$E2E_VERBOSE" = 1 ] && [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/       | /'
	else
		e2e_fail "$desc (exit $rc)"
		[ -n "$out" ] && printf '%s\n' "$out" | tail -n 20 | sed 's/^/       | /'
	fi
	return $rc
}

# e2e_assert_eq DESCRIPTION EXPECTED ACTUAL
e2e_assert_eq() {
	if [ "$2" = "$3" ]; then
		e2e_ok "$1"
	else
		e2e_fail "$1: expected '$2', got '$3'"
		return 1
	fi
}

# e2e_assert_ge DESCRIPTION MIN ACTUAL (integers)
e2e_assert_ge() {
	if [[ "$3" =~ ^[0-9]+$ ]] && [ "$3" -ge "$2" ]; then
		e2e_ok "$1 ($3 >= $2)"
	else
		e2e_fail "$1: expected >= $2, got '$3'"
		return 1
	fi
}

# e2e_assert_lt DESCRIPTION LIMIT ACTUAL (integers)
e2e_assert_lt() {
	if [[ "$3" =~ ^[0-9]+$ ]] && [ "$3" -lt "$2" ]; then
		e2e_ok "$1 ($3 < $2)"
	else
		e2e_fail "$1: expected < $2, got '$3'"
		return 1
	fi
}

# e2e_assert_grep DESCRIPTION REGEX FILE
e2e_assert_grep() {
	if grep -qE -- "$2" "$3"; then
		e2e_ok "$1"
	else
		e2e_fail "$1: /$2/ not found in $3"
		tail -n 15 "$3" 2>/dev/null | sed 's/^/       | /'
		return 1
	fi
}

# e2e_finish: closing line and exit status.
e2e_finish() {
	echo "e2e-$E2E_NAME: $E2E_PASS passed, $E2E_FAIL failed"
	[ "$E2E_FAIL" -eq 0 ]
	exit $?
}

# ------------------------------------------------------------ setup/teardown

e2e_require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "e2e-$E2E_NAME: must run as root (namespaces, veths, DPDK)" >&2
		echo "e2e-$E2E_NAME: 0 passed, 1 failed"
		exit 1
	fi
}

# e2e_init NAME: common start of every test script.
e2e_init() {
	E2E_NAME=$1
	e2e_require_root
	E2E_TMP=$(mktemp -d "/tmp/$E2E_PREFIX-$E2E_NAME.XXXXXX")
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	if [ ! -e "$PODSWITCH" ]; then
		e2e_fail "podswitch binary not found at $PODSWITCH (build it, or set \$PODSWITCH)"
		e2e_finish
	fi
	e2e_snapshot_binary || e2e_finish
	local t
	for t in ip ping timeout; do
		command -v "$t" >/dev/null || { e2e_fail "missing tool: $t"; e2e_finish; }
	done
}

# e2e_snapshot_ctl: CTL becomes a private copy of podswitchctl, for the
# reason below.
e2e_snapshot_ctl() {
	if ! "$CTL" --help >/dev/null 2>&1 || ! cp "$CTL" "$E2E_TMP/bin/podswitchctl"; then
		e2e_fail "podswitchctl not runnable at $CTL (build it, or set \$PODSWITCHCTL)"
		return 1
	fi
	CTL=$E2E_TMP/bin/podswitchctl
}

# The repository is shared: someone may relink build/app/podswitch while a
# test runs ("Permission denied", "Text file busy", a half-written file). Run
# a private copy instead, taken once the file is complete and stable. Its
# driver profiles still come from the source tree (absolute path compiled in).
e2e_snapshot_binary() {
	local s1 s2 src=$PODSWITCH
	mkdir -p "$E2E_TMP/bin"
	for _ in $(seq 1 60); do
		s1=$(stat -c '%s %Y' "$src" 2>/dev/null)
		if "$src" --version >/dev/null 2>&1 &&
		   cp "$src" "$E2E_TMP/bin/podswitch" 2>/dev/null; then
			s2=$(stat -c '%s %Y' "$src" 2>/dev/null)
			if [ "$s1" = "$s2" ] && "$E2E_TMP/bin/podswitch" --version >/dev/null 2>&1; then
				PODSWITCH="$E2E_TMP/bin/podswitch"
				# the copy is outside the build tree: keep it on
				# the tree's driver profiles, not installed ones
				export PODSWITCH_DRIVERS_DIR=${PODSWITCH_DRIVERS_DIR:-$E2E_TOP/drivers-cfg}
				e2e_log "using a copy of $src ($("$PODSWITCH" --version))"
				return 0
			fi
		fi
		sleep 1
	done
	e2e_fail "podswitch binary $src not runnable for 60 s"
	return 1
}

# Proc state of a pid ("Z" for an exited child not yet reaped, "" if gone).
e2e_proc_state() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	s=${s##*) }
	echo "${s%% *}"
}

e2e_alive() {
	local s
	s=$(e2e_proc_state "$1")
	[ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}

e2e_cleanup() {
	local rc=$? name pid p
	trap - EXIT INT TERM
	for pid in "${E2E_BG[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	for name in "${!E2E_DPID[@]}"; do
		pid=${E2E_DPID[$name]}
		if e2e_alive "$pid"; then
			kill -TERM "$pid" 2>/dev/null
			for _ in $(seq 1 50); do
				e2e_alive "$pid" || break
				sleep 0.1
			done
			e2e_alive "$pid" && kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
		p=${E2E_DPREFIX[$name]:-}
		if [ -n "$p" ]; then
			rm -rf "/var/run/dpdk/$p"
			rm -f /dev/hugepages/"$p"map_* /dev/hugepages/"$p"mapseg_* 2>/dev/null
		fi
	done
	wait 2>/dev/null
	# Other DPDK processes of the test (testpmd peers), killed above.
	for p in "${E2E_EXTRA_PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$p"
		rm -f /dev/hugepages/"$p"map_* /dev/hugepages/"$p"mapseg_* 2>/dev/null
	done
	for p in "${E2E_LINKS[@]}"; do
		ip link del "$p" 2>/dev/null
	done
	for p in "${E2E_NETNS[@]}"; do
		ip netns del "$p" 2>/dev/null
	done
	# Namespaces made in a subshell (an e2e_check function) are only in
	# the file: the array change died with the subshell.
	if [ -n "$E2E_TMP" ] && [ -f "$E2E_TMP/netns.list" ]; then
		while read -r p; do
			ip netns del "$p" 2>/dev/null
		done <"$E2E_TMP/netns.list"
	fi
	if [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ]; then
		if [ "${E2E_KEEP_TMP:-0}" = 1 ] || [ "$E2E_FAIL" -ne 0 ]; then
			echo "[$E2E_NAME] logs kept in $E2E_TMP"
		else
			rm -rf "$E2E_TMP"
		fi
	fi
	exit $rc
}

# e2e_bg CMD...: run a helper in the background, killed at exit. Sets E2E_LAST_BG.
e2e_bg() {
	"$@" &
	E2E_LAST_BG=$!
	E2E_BG+=("$E2E_LAST_BG")
}

# e2e_netns NAME: an empty namespace, lo up, IPv6 off (no RS/MLD/DAD noise).
e2e_netns() {
	local ns=$1
	ip netns add "$ns" || return 1
	E2E_NETNS+=("$ns")
	[ -n "$E2E_TMP" ] && echo "$ns" >>"$E2E_TMP/netns.list"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

# e2e_veth HOSTIF NS PEERIF MAC: a veth pair with HOSTIF in the root
# namespace (up, no addresses, IPv6 off) and PEERIF in NS (up, MAC set).
# One rx and one tx queue on both ends: the AF_XDP PMD binds queue 0 only,
# so a frame hashed to another queue would bypass podswitch.
e2e_veth() {
	local hif=$1 ns=$2 pif=$3 mac=$4
	ip link add "$hif" numtxqueues 1 numrxqueues 1 type veth \
		peer name "$pif" netns "$ns" numtxqueues 1 numrxqueues 1 || return 1
	E2E_LINKS+=("$hif")
	sysctl -qw "net.ipv6.conf.$hif.disable_ipv6=1" >/dev/null
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$pif.disable_ipv6=1" >/dev/null
	ip -n "$ns" link set "$pif" address "$mac"
	ip -n "$ns" link set "$pif" up
	ip link set "$hif" up
}

# e2e_pod NAME IP [MAC]: pod namespace <prefix><id>-NAME with eth0 = IP/24,
# default route via 10.244.0.1, and root-side veth <prefix><id>NAME.
e2e_pod() {
	local name=$1 ip=$2 mac=${3:-}
	local ns="$E2E_PREFIX$E2E_ID-$name" hif="$E2E_PREFIX$E2E_ID$name"
	if [ -z "$mac" ]; then
		local last=${ip##*.}
		mac=$(printf '02:00:0a:f4:00:%02x' "$last")
	fi
	if [ ${#hif} -gt 15 ]; then
		echo "e2e_pod: interface name $hif too long" >&2
		return 1
	fi
	e2e_netns "$ns" || return 1
	e2e_veth "$hif" "$ns" eth0 "$mac" || return 1
	ip -n "$ns" addr add "$ip/24" dev eth0 || return 1
	ip -n "$ns" route add default via 10.244.0.1 || return 1
	E2E_POD_IF[$name]=$hif
	E2E_POD_NS[$name]=$ns
	E2E_POD_MAC[$name]=$mac
}

# e2e_pods NAME:N...: e2e_pod NAME 10.244.0.N for each. The pods keep the
# kernel's default offloads (partial checksums, TSO): podswitch finishes
# what the kernel left to "hardware".
e2e_pods() {
	local p
	for p in "$@"; do
		e2e_pod "${p%%:*}" "10.244.0.${p#*:}" || return 1
	done
}

# e2e_uplink_peer NS HOSTIF: the machine at the far end of the uplink:
# namespace NS, veth HOSTIF in the root namespace (the uplink port's
# interface), eth0 192.168.60.50/24 with default offloads.
e2e_uplink_peer() {
	e2e_netns "$1" && e2e_veth "$2" "$1" eth0 02:00:c0:a8:3c:32 &&
		ip -n "$1" addr add 192.168.60.50/24 dev eth0
}

# e2e_two_node_fabric EXT_IP: two nodes and an outside host on one
# segment, as in flannel's host-gw setting. Namespaces FAB (a bridge br0),
# NSA and NSB (the nodes, each with an "uplink" veth whose peer
# <prefix><id>uA / uB is on the bridge, ARP off: podswitch owns it, the
# node's kernel lives on its host port) and EXT (eth0 EXT_IP/24, peer
# <prefix><id>x on the bridge, default offloads). Being namespaces, the
# two daemons' AF_PACKET fanout groups stay apart too (DPDK derives their
# ids from pid ^ ifindex).
e2e_two_node_fabric() {
	local ext_ip=$1 n up x="$E2E_PREFIX${E2E_ID}x"
	FAB=$E2E_PREFIX$E2E_ID-fab
	EXT=$E2E_PREFIX$E2E_ID-ext
	NSA=$E2E_PREFIX$E2E_ID-nA
	NSB=$E2E_PREFIX$E2E_ID-nB
	e2e_netns "$FAB" && e2e_netns "$EXT" && e2e_netns "$NSA" &&
		e2e_netns "$NSB" || return 1
	ip -n "$FAB" link add br0 type bridge && ip -n "$FAB" link set br0 up ||
		return 1
	for n in A:$NSA B:$NSB; do
		up="$E2E_PREFIX${E2E_ID}u${n%%:*}"
		ip -n "${n#*:}" link add uplink numtxqueues 1 numrxqueues 1 type veth \
			peer name "$up" netns "$FAB" numtxqueues 1 numrxqueues 1 || return 1
		ip -n "${n#*:}" link set uplink arp off up
		ip -n "$FAB" link set "$up" master br0 up
	done
	ip -n "$EXT" link add eth0 type veth peer name "$x" netns "$FAB" || return 1
	ip -n "$FAB" link set "$x" master br0 up
	ip -n "$EXT" addr add "$ext_ip/24" dev eth0
	ip -n "$EXT" link set eth0 up
}

# e2e_node_pod NAME IP NODE_NS: a pod namespace <prefix><id>-NAME with eth0
# (MAC 02:00:0a:f4 + IP's last two bytes, IP/24, default via the .1 of its
# /24, default offloads), its peer NAME in NODE_NS (up, ARP off).
e2e_node_pod() {
	local name=$1 ip=$2 node=$3 ns="$E2E_PREFIX$E2E_ID-$1"
	e2e_netns "$ns" || return 1
	ip -n "$node" link add "$name" numtxqueues 1 numrxqueues 1 type veth \
		peer name eth0 netns "$ns" numtxqueues 1 numrxqueues 1 || return 1
	ip -n "$ns" link set eth0 address "$(printf '02:00:0a:f4:%02x:%02x' \
		"$(echo "$ip" | cut -d. -f3)" "${ip##*.}")"
	ip -n "$ns" addr add "$ip/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "${ip%.*}.1"
	ip -n "$node" link set "$name" arp off up
	E2E_POD_NS[$name]=$ns
}

# e2e_fabric_pod NAME IP A|B: e2e_node_pod on node A or B of
# e2e_two_node_fabric, listed in E2E_PODS_A or E2E_PODS_B, its IP in
# E2E_POD_IP.
e2e_fabric_pod() {
	local nns=$NSA
	[ "$3" = B ] && nns=$NSB
	e2e_node_pod "$1" "$2" "$nns" || return 1
	# shellcheck disable=SC2034 # for the tests
	E2E_POD_IP[$1]=$2
	if [ "$3" = A ]; then E2E_PODS_A+=("$1"); else E2E_PODS_B+=("$1"); fi
}

# e2e_host_port NODE_NS IP: the node's kernel on podswitch's host port
# (pshost): the node IP/24, and podswitch as its router to the pods.
e2e_host_port() {
	ip -n "$1" addr add "$2/24" dev pshost &&
		ip -n "$1" link set pshost up &&
		ip -n "$1" route add 10.244.0.0/16 dev pshost
}

e2e_pod_if()  { echo "${E2E_POD_IF[$1]}"; }
e2e_pod_ns()  { echo "${E2E_POD_NS[$1]}"; }
e2e_pod_mac() { echo "${E2E_POD_MAC[$1]}"; }

# e2e_in POD CMD...: run CMD inside the pod's namespace.
e2e_in() {
	local ns=${E2E_POD_NS[$1]}
	shift
	ip netns exec "$ns" "$@"
}

# e2e_bulk DESC NS ADDR PORT: from namespace NS, through ADDR:PORT to a
# bulk_server.py: 1 MiB down and 1 MiB up over TCP (many segments: the
# kernels at both ends keep TSO and partial checksums), and a 1400-byte
# UDP datagram echoed; each checked byte for byte (sha256).
e2e_bulk() {
	local desc=$1 ns=$2 dst=$3 port=$4 want got up
	want=$(python3 "$E2E_BULK" --sha)
	got=$(ip netns exec "$ns" curl -s -m 30 "http://$dst:$port/big.bin" |
		sha256sum | cut -d' ' -f1)
	e2e_assert_eq "$desc: 1 MiB TCP download intact" "$want" "$got"
	up=$E2E_TMP/bulk.up
	[ -s "$up" ] || head -c 1048576 /dev/urandom >"$up"
	want=$(sha256sum "$up" | cut -d' ' -f1)
	got=$(ip netns exec "$ns" curl -s -m 30 -T "$up" "http://$dst:$port/up")
	e2e_assert_eq "$desc: 1 MiB TCP upload intact" "$want" "$got"
	got=$(ip netns exec "$ns" python3 -c '
import os, socket, sys
d = os.urandom(1400)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for _ in range(3):
    s.sendto(d, (sys.argv[1], int(sys.argv[2])))
    try:
        r = s.recv(2048)
    except socket.timeout:
        continue
    print("same" if r == d else "different")
    break
else:
    print("no answer")
' "$dst" "$port" 2>&1)
	e2e_assert_eq "$desc: 1400-byte UDP echoed intact" same "$got"
}

# e2e_api SOCKET METHOD PATH [BODY]: one REST call on the daemon's Unix
# socket; sets CODE (HTTP status) and BODY.
e2e_api() {
	local args=(-s -o "$E2E_TMP/api.body" -w '%{http_code}' -X "$2"
		--unix-socket "$1" "http://ps$3")
	[ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	# shellcheck disable=SC2034 # for the caller
	CODE=$(curl "${args[@]}")
	# shellcheck disable=SC2034 # for the caller
	BODY=$(cat "$E2E_TMP/api.body")
}

# ------------------------------------------------------------------ configs

# e2e_config FILE NAME WORKER_EAL_ARGS_JSON PORTS_JSON [EXTRA_TOP_LEVEL_JSON]
# Writes a node configuration. NAME is the node name; the EAL file prefix is
# pse2e-NAME (set explicitly so it is unique and known to the test).
# $E2E_WORKERS, when set, is the "workers" object (one worker on CPU 1 if not).
e2e_config() {
	local file=$1 name=$2 eal=$3 ports=$4 extra=${5:-}
	local workers='{ "lcores": "1", "burst": 32, "idle_sleep_max_us": 200 }'
	[ -n "${E2E_WORKERS:-}" ] && workers=$E2E_WORKERS
	cat >"$file" <<EOF
{
  "node": { "name": "$name", "ip": "192.168.60.10/24",
            "mac": "02:00:00:00:00:0a", "pod_cidr": "10.244.0.0/24",
            "gateway_ip": "10.244.0.1", "cluster_cidr": "10.244.0.0/16",
            "service_cidr": "10.96.0.0/12" },
  "overlay": { "mode": "host-gw" },
  "ports": $ports,
  "workers": $workers,
  "api": { "unix_socket": "$E2E_TMP/$name.sock" },
  "dpdk": { "eal_args": $eal }${extra:+,
  $extra}
}
EOF
}

# JSON for one port: e2e_port_json NAME ROLE DRIVER IFACE [POD_IP POD_MAC]
e2e_port_json() {
	local s
	s="{ \"name\": \"$1\", \"role\": \"$2\", \"driver\": \"$3\", \"args\": { \"iface\": \"$4\" }"
	[ $# -ge 6 ] && s="$s, \"pod\": { \"ip\": \"$5\", \"mac\": \"$6\" }"
	echo "$s }"
}

# EAL args for a test daemon without hugepages (prefix $1).
e2e_eal_nohuge() {
	echo "[\"--no-huge\", \"-m\", \"1024\", \"--no-pci\", \"--file-prefix=$1\"]"
}

# EAL args for a test daemon on hugepages (prefix $1); the daemon adds
# --huge-unlink itself.
e2e_eal_huge() {
	echo "[\"--no-pci\", \"--file-prefix=$1\"]"
}

# ------------------------------------------------------------------ daemons

# e2e_start NAME CONFIG [EXTRA ARGS...]: start podswitch --config CONFIG in
# the background, output in $E2E_TMP/NAME.log. The EAL file prefix is read
# from the config (for cleanup).
e2e_start() {
	local name=$1 cfg=$2 log="$E2E_TMP/$1.log" prefix
	shift 2
	prefix=$(grep -oE -- '--file-prefix=[A-Za-z0-9_.-]+' "$cfg" | head -n1 | cut -d= -f2)
	[ -n "$prefix" ] || prefix="podswitch-$(grep -oE '"name": *"[^"]+"' "$cfg" | head -n1 | sed 's/.*"\([^"]*\)"$/\1/')"
	"$PODSWITCH" --config "$cfg" "$@" >"$log" 2>&1 </dev/null &
	E2E_DPID[$name]=$!
	E2E_DLOG[$name]=$log
	E2E_DPREFIX[$name]=$prefix
	E2E_DSOCK[$name]=$(sed -n 's/.*"unix_socket": *"\([^"]*\)".*/\1/p' "$cfg" | head -n1)
	unset 'E2E_DRC[$name]'
}

# e2e_start_in NS NAME CONFIG [EXTRA ARGS...]: e2e_start with the daemon in
# namespace NS, as on a node of its own ("ip netns exec" execs it, so the
# pid the helpers track is the daemon's).
e2e_start_in() {
	local ns=$1 real=$PODSWITCH wrap="$E2E_TMP/bin/podswitch-$2"
	shift
	printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$ns" "$real" >"$wrap"
	chmod +x "$wrap"
	PODSWITCH=$wrap
	e2e_start "$@"
	PODSWITCH=$real
}

e2e_dpid() { echo "${E2E_DPID[$1]}"; }
e2e_dlog() { echo "${E2E_DLOG[$1]}"; }
e2e_dprefix() { echo "${E2E_DPREFIX[$1]}"; }

# e2e_wait_running NAME [TIMEOUT_S]: until the daemon logs "podswitch: node X running"
# (not just "running": libbpf says "while running as root" earlier).
e2e_wait_running() {
	local name=$1 tmo=${2:-20} pid=${E2E_DPID[$1]} log=${E2E_DLOG[$1]} _i
	for _i in $(seq 1 $((tmo * 10))); do
		if grep -qE '^podswitch: node .* running' "$log" 2>/dev/null; then
			e2e_ok "daemon $name is running (pid $pid)"
			return 0
		fi
		if ! e2e_alive "$pid"; then
			wait "$pid" 2>/dev/null
			E2E_DRC[$name]=$?
			e2e_fail "daemon $name exited with status ${E2E_DRC[$name]} before running"
			grep -v 'skipping unrecognized data section' "$log" | tail -n 25 | sed 's/^/       | /'
			return 1
		fi
		sleep 0.1
	done
	e2e_fail "daemon $name not running after ${tmo}s"
	tail -n 25 "$log" | sed 's/^/       | /'
	return 1
}

# e2e_wait_exit NAME TIMEOUT_MS [DIAG_MS]: wait for the daemon to exit, reap
# it and set E2E_DRC[NAME]. If it still runs DIAG_MS after the call, its
# threads are dumped once (and it keeps being waited for). Returns 1 if it
# is still running at the deadline.
e2e_wait_exit() {
	local name=$1 tmo=$2 diag=${3:-} pid=${E2E_DPID[$1]} t0 ms
	t0=$(date +%s%N)
	while e2e_alive "$pid"; do
		ms=$((($(date +%s%N) - t0) / 1000000))
		[ "$ms" -ge "$tmo" ] && return 1
		if [ -n "$diag" ] && [ "$ms" -ge "$diag" ]; then
			e2e_dump_stacks "$name" "still running $ms ms after the signal"
			diag=
		fi
		sleep 0.01
	done
	wait "$pid" 2>/dev/null
	E2E_DRC[$name]=$?
	return 0
}

# e2e_stop NAME [SIGNAL] [TIMEOUT_MS] [DIAG_MS]: signal the daemon (TERM) and
# wait for it, killing it (and dumping its threads) if it has not exited
# after TIMEOUT_MS (default 30 s: most tests do not check the exit time, and
# on a loaded shared machine releasing memory at exit can take seconds).
# Sets E2E_DRC[NAME] and E2E_STOP_MS (time from the signal to the exit,
# polled every 10 ms). DIAG_MS: dump the threads if the exit takes longer.
e2e_stop() {
	local name=$1 sig=${2:-TERM} tmo=${3:-30000} diag=${4:-} pid=${E2E_DPID[$1]} t0 t1
	E2E_STOP_MS=
	if ! e2e_alive "$pid"; then
		wait "$pid" 2>/dev/null
		E2E_DRC[$name]=$?
		return 0
	fi
	t0=$(date +%s%N)
	kill "-$sig" "$pid"
	if e2e_wait_exit "$name" "$tmo" "$diag"; then
		t1=$(date +%s%N)
		# shellcheck disable=SC2034 # for the caller
		E2E_STOP_MS=$(((t1 - t0) / 1000000))
		return 0
	fi
	e2e_dump_stacks "$name" "did not exit within $tmo ms, killing it"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	E2E_DRC[$name]=killed
	return 1
}

# e2e_dump_stacks NAME WHY: where a slow daemon is: each thread's state,
# kernel stack, scheduler statistics (ns on a CPU, ns waiting for one,
# timeslices) and allowed CPUs; the machine's load; user-space backtraces
# when gdb is installed. Printed and appended to the daemon's log.
e2e_dump_stacks() {
	local name=$1 why=$2 pid=${E2E_DPID[$1]} t out
	out=$(
		echo "--- e2e: daemon $name (pid $pid) $why; threads:"
		for t in /proc/"$pid"/task/*; do
			echo "  tid ${t##*/} $(cat "$t/comm" 2>/dev/null) state $(e2e_proc_state "${t##*/}")" \
				"schedstat $(cat "$t/schedstat" 2>/dev/null)" \
				"cpus $(awk '/^Cpus_allowed_list/ { print $2 }' "$t/status" 2>/dev/null)"
			sed 's/^/      /' "$t/stack" 2>/dev/null
		done
		sleep 0.5
		echo "  0.5 s later: main thread state $(e2e_proc_state "$pid") schedstat $(cat "/proc/$pid/schedstat" 2>/dev/null)"
		echo "  loadavg $(cat /proc/loadavg); cpu pressure: $(head -n 1 /proc/pressure/cpu 2>/dev/null)"
		ps -eo pid,psr,pcpu,ni,cls,comm --sort=-pcpu 2>/dev/null | head -n 6 | sed 's/^/    /'
		if command -v gdb >/dev/null; then
			timeout 20 gdb -p "$pid" -batch -ex 'thread apply all bt' 2>/dev/null |
				grep -E '^(Thread|#)'
		fi
	)
	printf '%s\n' "$out" >>"${E2E_DLOG[$name]}"
	printf '%s\n' "$out" | sed 's/^/       | /'
}

e2e_drc() { echo "${E2E_DRC[$1]:-}"; }

# --------------------------------------------------------------- counters
#
# Counters come from GET /v1/stats (lib/api/rest_status.c), not from the
# SIGUSR1 table, which is for people: take them while the daemon runs.

# e2e_stats NAME FILE: the daemon's /v1/stats into FILE.
e2e_stats() {
	local sock=${E2E_DSOCK[$1]:-}
	if [ -z "$sock" ]; then
		echo "e2e_stats: no API socket in $1's configuration" >&2
		return 1
	fi
	curl -sf -m 10 --unix-socket "$sock" http://ps/v1/stats -o "$2"
}

# e2e_port_counter STATS PORT FIELD: FIELD (rx_packets, tx_packets,
# rx_missed, rx_errors, tx_dropped, tx_errors, ...) of PORT in the stats
# file STATS. Prints nothing if not found.
e2e_port_counter() {
	python3 - "$@" <<'PY' 2>/dev/null
import json, sys
stats, port, field = sys.argv[1:4]
for p in json.load(open(stats)).get("ports", []):
    if p.get("name") == port and field in p:
        print(p[field])
PY
}

# e2e_drops STATS: "node reason packets" of every graph drop counted in
# the stats file STATS; nothing (and status 1) if it has no drop list.
e2e_drops() {
	python3 - "$1" <<'PY' 2>/dev/null
import json, sys
drops = json.load(open(sys.argv[1]))["drops"]
for d in drops:
    if d["packets"] > 0:
        print(d["node"], d["reason"], d["packets"])
PY
}

# e2e_check_port_counters STATS PORT MIN_RX MIN_TX: rx/tx at least the
# given numbers and no rx_missed, rx_errors, tx_dropped or tx_errors.
e2e_check_port_counters() {
	local f=$1 port=$2 minrx=$3 mintx=$4 rx tx m e d x
	rx=$(e2e_port_counter "$f" "$port" rx_packets)
	tx=$(e2e_port_counter "$f" "$port" tx_packets)
	m=$(e2e_port_counter "$f" "$port" rx_missed)
	e=$(e2e_port_counter "$f" "$port" rx_errors)
	d=$(e2e_port_counter "$f" "$port" tx_dropped)
	x=$(e2e_port_counter "$f" "$port" tx_errors)
	if [[ "$rx" =~ ^[0-9]+$ ]] && [[ "$tx" =~ ^[0-9]+$ ]] &&
	   [ "$rx" -ge "$minrx" ] && [ "$tx" -ge "$mintx" ] &&
	   [ "${m:-x}${e:-x}${d:-x}${x:-x}" = 0000 ]; then
		e2e_ok "port $port counters: rx $rx (>= $minrx), tx $tx (>= $mintx), missed/errors/tx-dropped 0"
	else
		e2e_fail "port $port counters: rx '$rx' (want >= $minrx), tx '$tx' (want >= $mintx), rx_missed '$m', rx_errors '$e', tx_dropped '$d', tx_errors '$x' (want 0)"
		return 1
	fi
}

# e2e_check_no_drops STATS [ALLOWED_REGEX]: no graph-node drop in the
# stats file STATS other than those whose "node reason" matches
# ALLOWED_REGEX.
e2e_check_no_drops() {
	local f=$1 allowed=${2:-} drops
	if ! drops=$(e2e_drops "$f"); then
		e2e_fail "no drop list in the stats $f"
		return 1
	fi
	[ -n "$allowed" ] && drops=$(printf '%s\n' "$drops" | grep -vE -- "$allowed")
	drops=$(printf '%s\n' "$drops" | sed '/^$/d')
	if [ -z "$drops" ]; then
		e2e_ok "no unexpected drops in the counters${allowed:+ (allowed: $allowed)}"
	else
		e2e_fail "unexpected drops:"
		printf '%s\n' "$drops" | sed 's/^/       | /'
		return 1
	fi
}

# ------------------------------------------------------------------ traffic

# e2e_ping POD DST: a warm-up ping (ARP, FDB learning), then
# "ping -c 3 -W 1" that must show 0% loss.
e2e_ping() {
	local pod=$1 dst=$2 out
	e2e_in "$pod" ping -c 1 -W 2 "$dst" >/dev/null 2>&1
	out=$(e2e_in "$pod" ping -c 3 -W 1 "$dst" 2>&1)
	if printf '%s\n' "$out" | grep -q ' 0% packet loss'; then
		e2e_ok "$pod -> $dst: $(printf '%s\n' "$out" | grep -o '[0-9]* received, 0% packet loss')"
	else
		e2e_fail "$pod -> $dst: $(printf '%s\n' "$out" | grep 'packet loss' || echo 'no ping output')"
		printf '%s\n' "$out" | tail -n 6 | sed 's/^/       | /'
		return 1
	fi
}
