#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# shellcheck disable=SC2016 # the bash -c scripts read their file as $1
#
# test_ctl.sh: podswitchctl against one running daemon (two af_packet pods
# and an af_packet uplink whose peer sits in its own namespace): status,
# route list/add/del/replace with their refusals, fdb and neigh after a
# ping, stats, metrics, services (apply, list, del) and conntrack flush
# with what they did, --json, and the exit codes of DESIGN.md section 3
# (0 ok, 1 failure with one line on stderr, 2 usage); --version, each
# command's help, the hint of a socket not found, and (no better place)
# that the README's set-up commands need no sudo. Then service show's
# traffic counters, conntrack list's filters and del, stats reset and
# what stats shows of receive nodes and of removed ports.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init ctl

# Same reason as lib.sh's podswitch copy: the tree may be relinked meanwhile.
e2e_snapshot_ctl || e2e_finish

# ctl ARGS...: run podswitchctl against the daemon; sets RC, OUT, ERR and
# ERR_LINES (stderr line count).
ctl() {
	"$CTL" --socket "$SOCK" "$@" >"$E2E_TMP/ctl.out" 2>"$E2E_TMP/ctl.err"
	RC=$?
	OUT=$(cat "$E2E_TMP/ctl.out")
	ERR=$(cat "$E2E_TMP/ctl.err")
	ERR_LINES=$(wc -l <"$E2E_TMP/ctl.err")
}

# expect_fail DESC REGEX: the last ctl call exited 1 with one stderr line
# matching REGEX.
expect_fail() {
	if [ "$RC" = 1 ] && [ "$ERR_LINES" = 1 ] && grep -qE -- "$2" <<<"$ERR"; then
		e2e_ok "$1 -> exit 1: $ERR"
	else
		e2e_fail "$1: want exit 1 and one line matching /$2/, got exit $RC, stderr:"
		sed 's/^/       | /' "$E2E_TMP/ctl.err"
	fi
}

expect_ok() {
	if [ "$RC" = 0 ] && [ -z "$ERR" ]; then
		e2e_ok "$1"
	else
		e2e_fail "$1: exit $RC, stderr: $ERR"
	fi
}

# route_listed PREFIX_LINE: whether "route list" prints that exact line.
# shellcheck disable=SC2317 # run through e2e_check
route_listed() {
	ctl route list
	[ "$RC" = 0 ] && grep -qxF -- "$1" <<<"$OUT"
}

name="pse2e-ctl-$E2E_ID"
SOCK="$E2E_TMP/$name.sock"

e2e_pod p1 10.244.0.2 || { e2e_fail "cannot create pod p1"; e2e_finish; }
e2e_pod p2 10.244.0.3 || { e2e_fail "cannot create pod p2"; e2e_finish; }
# The uplink: a veth to a namespace standing for the node's network, so
# that routes have a default dev.
{ e2e_netns "pse2e$E2E_ID-up" && e2e_veth "pse2e${E2E_ID}up" "pse2e$E2E_ID-up" eth0 02:00:00:00:00:0b; } ||
	{ e2e_fail "cannot create the uplink veth"; e2e_finish; }

ports="[ $(e2e_port_json p1 pod af_packet "$(e2e_pod_if p1)" 10.244.0.2 "$(e2e_pod_mac p1)"),
    $(e2e_port_json p2 pod af_packet "$(e2e_pod_if p2)"),
    $(e2e_port_json up0 uplink af_packet "pse2e${E2E_ID}up") ]"
cfg="$E2E_TMP/$name.json"
e2e_config "$cfg" "$name" "$(e2e_eal_nohuge "$name")" "$ports"
e2e_start d "$cfg"
e2e_wait_running d 20 || e2e_finish

# ------------------------------------------------------------- usage
"$CTL" --help >"$E2E_TMP/help" 2>&1
e2e_assert_eq "--help exits 0" 0 "$?"
e2e_assert_grep "--help lists route add" 'route add' "$E2E_TMP/help"
ctl frobnicate
e2e_assert_eq "unknown command exits 2" 2 "$RC"
e2e_check "unknown command prints a usage line" grep -q '^usage: podswitchctl' "$E2E_TMP/ctl.err"
ctl route
e2e_assert_eq "route with no subcommand lists (exit 0)" 0 "$RC"
ctl route add
e2e_assert_eq "route add without PREFIX exits 2" 2 "$RC"
ctl route add 10.244.9.0/24 via
e2e_assert_eq "route add ... via without GW exits 2" 2 "$RC"
"$CTL" --nope status >/dev/null 2>&1
e2e_assert_eq "unknown option exits 2" 2 "$?"

# --version: the project's version, the daemon's.
e2e_assert_eq "--version prints podswitchctl and the daemon's version" \
	"podswitchctl $("$PODSWITCH" --version | sed 's/^podswitch //')" \
	"$("$CTL" --version 2>&1)"

# help_ok CMD ARGS...: podswitchctl ARGS prints CMD's usage and exits 0,
# quietly.
# shellcheck disable=SC2317 # run through e2e_check
help_ok() {
	local cmd=${1/#neighbor/neigh}
	shift
	ctl "$@"
	if [ "$RC" != 0 ] || [ -n "$ERR" ]; then
		echo "$*: exit $RC, $ERR"
		return 1
	fi
	if ! grep -q "^usage: podswitchctl \[OPTIONS\] $cmd " "$E2E_TMP/ctl.out" ||
	   ! grep -q "^  $cmd" "$E2E_TMP/ctl.out"; then
		echo "$*:"
		cat "$E2E_TMP/ctl.out"
		return 1
	fi
}
# shellcheck disable=SC2317 # run through e2e_check
every_command_help() {
	local c
	for c in status route port fdb neigh neighbor stats metrics service apply conntrack top; do
		help_ok "$c" "$c" -h && help_ok "$c" "$c" --help &&
			help_ok "$c" help "$c" || return 1
	done
}
e2e_check "every command's -h, --help and help COMMAND print its usage" every_command_help
ctl route -h
e2e_check "route -h lists route's subcommands, not the others'" \
	bash -c 'grep -q "^  route add " "$1" && grep -q "^  route replace " "$1" && ! grep -q "service" "$1"' _ "$E2E_TMP/ctl.out"
cp "$E2E_TMP/ctl.out" "$E2E_TMP/route-h.out"
ctl help route
e2e_check "help route prints what route -h does" cmp "$E2E_TMP/ctl.out" "$E2E_TMP/route-h.out"
ctl route add --help
expect_ok "route add --help exits 0"
ctl help frobnicate
e2e_assert_eq "help of an unknown command exits 2" 2 "$RC"

# The README's set-up commands run as root: a fresh Debian has no sudo.
awk '/^## Two commands/ { s = 1 } s && /^```sh/ { b = 1; next }
     b && /^```/ { exit } b' "$E2E_TOP/README.md" >"$E2E_TMP/readme-cmds"
e2e_check "README: the set-up commands are there, none begins with sudo" \
	bash -c 'grep -q "config/demo.sh" "$1" && ! grep -q "^sudo" "$1"' _ "$E2E_TMP/readme-cmds"
e2e_assert_grep "README: the set-up commands say as root (or with sudo)" \
	'as root \(or with sudo\)' "$E2E_TOP/README.md"

# ------------------------------------------------------------- no daemon
"$CTL" --socket "$E2E_TMP/none.sock" status >"$E2E_TMP/ctl.out" 2>"$E2E_TMP/ctl.err"
RC=$?; ERR=$(cat "$E2E_TMP/ctl.err"); ERR_LINES=$(wc -l <"$E2E_TMP/ctl.err")
expect_fail "no daemon on the socket" "^podswitchctl: cannot connect to $E2E_TMP/none.sock: No such file or directory "
e2e_check "... and hints at --socket PATH and PODSWITCH_SOCKET" \
	grep -qF "(from --socket; give the daemon's api.unix_socket with --socket PATH or PODSWITCH_SOCKET; " "$E2E_TMP/ctl.err"
"$CTL" --tcp 127.0.0.1:1 status >/dev/null 2>"$E2E_TMP/ctl.err"
e2e_check "no socket hint when --tcp fails" bash -c '! grep -q -- --socket "$1"' _ "$E2E_TMP/ctl.err"

# ctl_run_ns SCRIPT: SCRIPT (bash, $1 = podswitchctl) in a mount namespace
# of its own with an empty /run, so that /run/podswitch holds only what it
# puts there; sets RC, ERR and ERR_LINES of its last command as ctl does.
ctl_run_ns() {
	unshare -m bash -c 'mount -t tmpfs tmpfs /run && mkdir /run/podswitch && '"$1" \
		_ "$CTL" >"$E2E_TMP/ctl.out" 2>"$E2E_TMP/ctl.err"
	RC=$?; ERR=$(cat "$E2E_TMP/ctl.err"); ERR_LINES=$(wc -l <"$E2E_TMP/ctl.err")
}
ctl_run_ns 'env -u PODSWITCH_SOCKET "$1" status'
expect_fail "default socket missing, none in /run/podswitch" \
	'^podswitchctl: cannot connect to /run/podswitch/api\.sock: No such file or directory \(the default socket; .*--socket PATH or PODSWITCH_SOCKET; no other socket in /run/podswitch\)$'
ctl_run_ns 'for s in node-b node-a; do python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" /run/podswitch/$s.sock; done &&
	touch /run/podswitch/notasocket.sock && PODSWITCH_SOCKET=/run/podswitch/api.sock "$1" route list'
expect_fail "the hint lists the sockets of /run/podswitch (the shipped configs' node-a.sock)" \
	'^podswitchctl: cannot connect to /run/podswitch/api\.sock: No such file or directory \(from PODSWITCH_SOCKET; .*; sockets in /run/podswitch: /run/podswitch/node-a\.sock /run/podswitch/node-b\.sock\)$'
PODSWITCH_SOCKET=$SOCK "$CTL" status >/dev/null 2>&1
e2e_assert_eq "PODSWITCH_SOCKET selects the socket" 0 "$?"

# ------------------------------------------------------------- status
ctl status
expect_ok "status exits 0"
e2e_check "status names the node and the ports" \
	bash -c 'grep -q "node '"$name"'" "$1" && grep -qE "^ +up0 +uplink +af_packet" "$1"' _ "$E2E_TMP/ctl.out"
ctl --json status
e2e_check "--json status is JSON" python3 -m json.tool "$E2E_TMP/ctl.out"

# ------------------------------------------------------------- routes
ctl route add 10.244.1.0/24 via 192.168.60.11
expect_ok "route add 10.244.1.0/24 via 192.168.60.11"
e2e_check "route list shows it (dev defaults to the uplink)" \
	route_listed "10.244.1.0/24 via 192.168.60.11 dev up0 proto api"
ctl route add 10.244.1.0/24 via 192.168.60.12
expect_fail "route add of an existing prefix" '^podswitchctl: 409 exists: '
ctl route add 10.244.1.1/24
expect_fail "route add with host bits set" '^podswitchctl: 400 bad_request: .*host bits'
ctl route add notaprefix dev up0
expect_fail "route add of a bad prefix" '^podswitchctl: 400 bad_request: '
ctl route add 10.244.3.0/24 dev nosuchport
expect_fail "route add on an unknown port" "^podswitchctl: 400 bad_request: .*nosuchport"
ctl route add 10.244.5.0/24 encap vxlan id 7 remote 192.168.60.15 mac 0e:00:00:00:00:05
expect_ok "route add 10.244.5.0/24 encap vxlan id 7 remote 192.168.60.15 mac ..."
e2e_check "route list shows the VXLAN route" \
	route_listed "10.244.5.0/24 encap vxlan id 7 remote 192.168.60.15 mac 0e:00:00:00:00:05 proto api"
ctl route add 10.244.6.0/24 encap vxlan remote 192.168.60.10
expect_fail "route add encap to our own node IP" '^podswitchctl: 400 bad_request: .*remote'
ctl route add 10.244.6.0/24 encap vxlan id x remote 192.168.60.16
e2e_assert_eq "route add encap with a bad id exits 2" 2 "$RC"
ctl route add blackhole 10.250.0.0/16
expect_ok "route add blackhole 10.250.0.0/16"
e2e_check "route list shows the blackhole" route_listed "blackhole 10.250.0.0/16 proto api"
ctl route del 10.244.1.0/24
expect_ok "route del 10.244.1.0/24"
ctl route list
e2e_check "route list no longer shows 10.244.1.0/24" bash -c '! grep -q "^10.244.1.0/24" "$1"' _ "$E2E_TMP/ctl.out"
ctl route del 10.244.1.0/24
expect_fail "route del of a missing route" '^podswitchctl: 404 not_found: '
ctl route del 10.244.0.0/24
expect_fail "route del of a connected route" '^podswitchctl: 409 connected_route: '

cat >"$E2E_TMP/routes.json" <<'JSON'
[ { "dst": "10.244.1.0/24", "gateway": "192.168.60.11", "dev": "up0" },
  { "dst": "10.244.2.0/24", "gateway": "192.168.60.12" } ]
JSON
ctl route replace -f "$E2E_TMP/routes.json"
expect_ok "route replace -f FILE"
e2e_check "replaced set: 10.244.1.0/24" route_listed "10.244.1.0/24 via 192.168.60.11 dev up0 proto api"
e2e_check "replaced set: 10.244.2.0/24" route_listed "10.244.2.0/24 via 192.168.60.12 dev up0 proto api"
e2e_check "replaced set: the blackhole is gone" bash -c '! grep -q blackhole "$1"' _ "$E2E_TMP/ctl.out"
e2e_check "replaced set: connected routes kept" grep -q 'proto kernel' "$E2E_TMP/ctl.out"
ctl --json route list
e2e_check "--json route list is JSON" python3 -m json.tool "$E2E_TMP/ctl.out"
e2e_assert_eq "--json route list has 2 api routes" 2 \
	"$(python3 -c 'import json,sys; print(sum(r["protocol"] == "api" for r in json.load(sys.stdin)))' <"$E2E_TMP/ctl.out")"
echo '[ { "dst": "10.244.2.0/24", "bogus": 1 } ]' >"$E2E_TMP/bad.json"
ctl route replace -f "$E2E_TMP/bad.json"
expect_fail "route replace with an unknown field" '^podswitchctl: 400 bad_request: routes\[0\]\.bogus'
echo '[ { "dst": ' >"$E2E_TMP/broken.json"
ctl route replace -f "$E2E_TMP/broken.json"
expect_fail "route replace with broken JSON (refused locally)" "^podswitchctl: $E2E_TMP/broken.json: line"
ctl route replace -f "$E2E_TMP/missing.json"
expect_fail "route replace with a missing file" "^podswitchctl: cannot open $E2E_TMP/missing.json"
e2e_check "refused replaces changed nothing" route_listed "10.244.2.0/24 via 192.168.60.12 dev up0 proto api"
"$CTL" --socket "$SOCK" route replace -f - <<<'[]' >/dev/null 2>"$E2E_TMP/ctl.err"
e2e_assert_eq "route replace -f - (stdin, empty set)" 0 "$?"
ctl route list
e2e_check "empty set: no api route left" bash -c '! grep -q "proto api" "$1"' _ "$E2E_TMP/ctl.out"

# ------------------------------------------------------------- tables
e2e_ping p1 10.244.0.3
e2e_ping p2 10.244.0.1
ctl fdb
expect_ok "fdb exits 0"
e2e_check "fdb: p1's MAC is static on p1" \
	grep -qE "^$(e2e_pod_mac p1) +p1 +static +-\$" "$E2E_TMP/ctl.out"
e2e_check "fdb: p2's MAC was learned on p2" \
	grep -qE "^$(e2e_pod_mac p2) +p2 +learned +[0-9]+s\$" "$E2E_TMP/ctl.out"
ctl neigh
expect_ok "neigh exits 0"
e2e_check "neigh: p2 (10.244.0.3) has an entry with its MAC" \
	grep -qE "^10\.244\.0\.3 +$(e2e_pod_mac p2) +p2 +" "$E2E_TMP/ctl.out"
ctl --json fdb
e2e_check "--json fdb is JSON" python3 -m json.tool "$E2E_TMP/ctl.out"

ctl stats
expect_ok "stats exits 0"
e2e_check "stats shows the three ports" \
	bash -c 'for p in p1 p2 up0; do grep -qE "^  $p +" "$1" || exit 1; done' _ "$E2E_TMP/ctl.out"
e2e_check "stats has node and drop sections" \
	bash -c 'grep -q "^nodes:" "$1" && grep -q "^drops:" "$1" && grep -q "CYCLES/PKT" "$1"' _ "$E2E_TMP/ctl.out"
ctl --json stats
e2e_check "--json stats is JSON" python3 -m json.tool "$E2E_TMP/ctl.out"
ctl metrics
expect_ok "metrics exits 0"
e2e_check "metrics is the Prometheus text" \
	grep -q '^podswitch_port_rx_packets_total{port="p1"' "$E2E_TMP/ctl.out"

# ------------------------------------------------------------- services
# What apply, service del and conntrack flush did (the API's counts), and
# service list's load-balancer IPs, externalTrafficPolicy and affinity
# after the columns scripts already read.
cat >"$E2E_TMP/svcs.json" <<'JSON'
{ "kind": "List", "apiVersion": "v1", "items": [
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "web", "namespace": "default" },
    "spec": { "type": "LoadBalancer", "clusterIP": "10.96.0.10",
      "externalTrafficPolicy": "Local", "sessionAffinity": "ClientIP",
      "sessionAffinityConfig": { "clientIP": { "timeoutSeconds": 600 } },
      "ports": [ { "name": "p", "protocol": "TCP", "port": 80,
                   "nodePort": 30080, "targetPort": 8080 } ] },
    "status": { "loadBalancer": { "ingress": [ { "ip": "192.168.60.200" } ] } } },
  { "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
    "addressType": "IPv4",
    "metadata": { "name": "web-x", "namespace": "default",
      "labels": { "kubernetes.io/service-name": "web" } },
    "ports": [ { "name": "p", "protocol": "TCP", "port": 8080 } ],
    "endpoints": [ { "addresses": [ "10.244.0.3" ],
      "conditions": { "ready": true } } ] },
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "db", "namespace": "default" },
    "spec": { "type": "ClusterIP", "clusterIP": "10.96.0.11",
      "ports": [ { "name": "p", "protocol": "TCP", "port": 5432 } ] } }
] }
JSON
ctl apply -f "$E2E_TMP/svcs.json"
expect_ok "apply -f FILE exits 0"
e2e_assert_eq "apply -f says what the API applied" \
	"applied: 2 services, 1 endpoint slice" "$OUT"
ctl --json apply -f "$E2E_TMP/svcs.json"
e2e_assert_eq "--json apply prints the API's JSON" "2 1" \
	"$(python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["services"], j["endpointSlices"])' <"$E2E_TMP/ctl.out")"
ctl service list
expect_ok "service list exits 0"
e2e_check "service list: the old columns first, then LB-IPS EXT-POLICY AFFINITY" \
	grep -qE '^NAMESPACE +NAME +TYPE +CLUSTER-IP +PORTS +SCHEDULER +PROGRAMMED +LB-IPS +EXT-POLICY +AFFINITY$' "$E2E_TMP/ctl.out"
e2e_check "service list: web's LB IP, Local policy and ClientIP affinity" \
	grep -qE '^default +web +LoadBalancer +10\.96\.0\.10 +80:30080/TCP +[^ ]+ +yes +192\.168\.60\.200 +Local +ClientIP/600s$' "$E2E_TMP/ctl.out"
e2e_check "service list: db has no LB IP, Cluster policy, no affinity" \
	grep -qE '^default +db +ClusterIP +10\.96\.0\.11 +5432/TCP +[^ ]+ +yes +- +Cluster +None$' "$E2E_TMP/ctl.out"
ctl service del default/db
expect_ok "service del default/db exits 0"
e2e_assert_eq "service del says what it deleted" "deleted service default/db" "$OUT"
ctl service del default web
e2e_assert_eq "service del NS NAME says it too" "deleted service default/web" "$OUT"
ctl service del default/web
expect_fail "service del of a missing service" '^podswitchctl: 404 not_found: '
e2e_check "... and says nothing on stdout" test -z "$OUT"
ctl conntrack flush
expect_ok "conntrack flush exits 0"
e2e_check "conntrack flush says how many connections it flushed" \
	grep -qxE 'flushed [0-9]+ connections?' "$E2E_TMP/ctl.out"
ctl conntrack flush
e2e_assert_eq "a second flush flushes none" "flushed 0 connections" "$OUT"
ctl --json conntrack flush
e2e_assert_eq "--json conntrack flush prints the API's JSON" 0 \
	"$(python3 -c 'import json,sys; print(json.load(sys.stdin)["deleted"])' <"$E2E_TMP/ctl.out")"

# ------------------------------------------------------------- cli-a
# Issue 17's rough edges on ports, routes, apply and conntrack: port add
# of a missing interface and of a taken pod IP say what is wrong by name,
# port show NAME, route get ADDR, apply skipping SCTP with a reason, and a
# connection's first packet counted.
ctl port add px af_packet "iface=psnosuch$E2E_ID"
expect_fail "port add on a missing interface names it" \
	"^podswitchctl: 422 no_such_interface: port px: no such interface 'psnosuch$E2E_ID'\$"
ctl port add px af_packet-pmd "iface=psnosuch$E2E_ID"
expect_fail "... with the DPDK af_packet driver too (was Operation not permitted)" \
	"^podswitchctl: 422 no_such_interface: port px: no such interface 'psnosuch$E2E_ID'\$"
ctl port add p3 af_packet "iface=$(e2e_pod_if p2)" ip 10.244.0.2 mac 02:00:0a:f4:00:63
expect_fail "port add of p1's pod IP names both ports" \
	"^podswitchctl: 400 bad_request: \\\$\\.pod: pod IP 10\\.244\\.0\\.2 of port 'p3' is already used by port 'p1'\$"
e2e_check "... and no index of the node's port array" bash -c '! grep -q "ports\[" "$1"' _ "$E2E_TMP/ctl.err"

ctl port show p1
expect_ok "port show p1 exits 0"
e2e_check "port show: name, role, driver and device" \
	bash -c 'grep -qx "port p1" "$1" && grep -qE "^  role +pod$" "$1" &&
		grep -qE "^  driver +af_packet \(af_packet backend, device af_packet:$2\)$" "$1" &&
		grep -qE "^  args +iface=$2$" "$1"' _ "$E2E_TMP/ctl.out" "$(e2e_pod_if p1)"
e2e_check "port show: the interface's MAC, MTU, pod, link, queues" \
	bash -c 'grep -qE "^  mac +([0-9a-f]{2}:){5}[0-9a-f]{2}$" "$1" && grep -qE "^  mtu +[0-9]+$" "$1" &&
		grep -qE "^  pod +10\.244\.0\.2 $2$" "$1" && grep -qE "^  link +up$" "$1" &&
		grep -qE "^  queues +1 rx, [0-9]+ tx$" "$1"' _ "$E2E_TMP/ctl.out" "$(e2e_pod_mac p1)"
e2e_check "port show: rx and tx counters (p1 pinged)" \
	bash -c 'grep -qE "^  rx +[1-9][0-9]* packets, [1-9][0-9]* bytes, [0-9]+ missed, [0-9]+ errors$" "$1" &&
		grep -qE "^  tx +[1-9][0-9]* packets, [1-9][0-9]* bytes, [0-9]+ errors, [0-9]+ dropped$" "$1"' _ "$E2E_TMP/ctl.out"
ctl --json port show p1
e2e_assert_eq "--json port show prints the API's JSON" "p1 af_packet 10.244.0.2" \
	"$(python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["name"], j["backend"], j["pod"]["ip"])' <"$E2E_TMP/ctl.out")"
ctl port show nope
expect_fail "port show of an unknown port" '^podswitchctl: 404 not_found: no port nope '
ctl port show 'a/b'
e2e_assert_eq "port show of a name that is none exits 2" 2 "$RC"

ctl route add 10.244.1.0/24 via 192.168.60.11
ctl route get 10.244.1.7
expect_ok "route get 10.244.1.7 exits 0"
e2e_assert_eq "route get: the route, its gateway and port" \
	"10.244.1.7 via 192.168.60.11 dev up0 route 10.244.1.0/24 proto api" "$(sed -n 1p "$E2E_TMP/ctl.out")"
e2e_assert_eq "route get: the gateway not resolved yet" \
	"    neighbor 192.168.60.11 none (not resolved yet)" "$(sed -n 2p "$E2E_TMP/ctl.out")"
ctl route get 10.244.0.3
e2e_assert_eq "route get of a pod: the segment's route, the pod's port" \
	"10.244.0.3 dev p2 route 10.244.0.0/24 proto kernel" "$(sed -n 1p "$E2E_TMP/ctl.out")"
e2e_check "route get of a pod: its neighbor entry and MAC" \
	grep -qE "^    neighbor 10\.244\.0\.3 lladdr $(e2e_pod_mac p2) [A-Z]+\$" "$E2E_TMP/ctl.out"
ctl route get 10.244.0.1
e2e_assert_eq "route get of our own address" "local 10.244.0.1 route 10.244.0.1/32 proto kernel" "$OUT"
ctl --json route get 10.244.1.7
e2e_assert_eq "--json route get prints the API's JSON" "10.244.1.0/24 192.168.60.11 up0" \
	"$(python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["route"]["dst"], j["nexthop"], j["dev"])' <"$E2E_TMP/ctl.out")"
ctl route get 10.244.1
expect_fail "route get of a bad address" "^podswitchctl: 400 bad_request: addr: '10\.244\.1' is not an IPv4 address\$"
ctl route get 8.8.8.8
expect_fail "route get with no route" '^podswitchctl: 404 no_route: no route to 8\.8\.8\.8'
ctl route get
e2e_assert_eq "route get without ADDR exits 2" 2 "$RC"
ctl route del 10.244.1.0/24

# A cluster-wide List with an SCTP Service: served minus SCTP, the rest
# skipped with a reason, the UDP one then counts its first datagram.
cat >"$E2E_TMP/sctp.json" <<'JSON'
{ "kind": "List", "apiVersion": "v1", "items": [
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "dns", "namespace": "kube-system" },
    "spec": { "clusterIP": "10.96.0.53",
      "ports": [ { "name": "dns", "protocol": "UDP", "port": 53, "targetPort": 5353 } ] } },
  { "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
    "addressType": "IPv4",
    "metadata": { "name": "dns-x", "namespace": "kube-system",
      "labels": { "kubernetes.io/service-name": "dns" } },
    "ports": [ { "name": "dns", "protocol": "UDP", "port": 5353 } ],
    "endpoints": [ { "addresses": [ "10.244.0.3" ], "conditions": { "ready": true } } ] },
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "mixed", "namespace": "default" },
    "spec": { "clusterIP": "10.96.0.60",
      "ports": [ { "name": "s", "protocol": "SCTP", "port": 9 },
                 { "name": "t", "protocol": "TCP", "port": 90 } ] } },
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "sctp", "namespace": "default" },
    "spec": { "clusterIP": "10.96.0.61",
      "ports": [ { "protocol": "SCTP", "port": 7 } ] } },
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "six", "namespace": "default" },
    "spec": { "clusterIP": "fd00::10", "clusterIPs": [ "fd00::10" ],
      "ports": [ { "protocol": "TCP", "port": 80 } ] } }
] }
JSON
ctl apply -f "$E2E_TMP/sctp.json"
expect_ok "apply of a List with SCTP Services exits 0"
e2e_assert_eq "apply: what it took, then what it skipped and why" \
	"applied: 3 services, 1 endpoint slice
skipped Service default/mixed: port 9/SCTP: SCTP is not served
skipped Service default/sctp: port 7/SCTP: SCTP is not served
skipped Service default/six: no IPv4 clusterIP" "$OUT"
ctl service list
e2e_check "service list: mixed keeps its TCP port, sctp is not there" \
	bash -c 'grep -qE "^default +mixed +ClusterIP +10\.96\.0\.60 +90/TCP " "$1" && ! grep -qE "^default +sctp " "$1"' _ "$E2E_TMP/ctl.out"

ctl conntrack flush
e2e_in p1 python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"q" * 20, ("10.96.0.53", 53))'
# dns_entry_counted: the query's entry (waited for) counts the query, 1
# packet of 62 bytes (14 + 20 + 8 + 20), the way it came.
# shellcheck disable=SC2317 # run through e2e_check
dns_entry_counted() {
	local _
	for _ in $(seq 20); do
		ctl --json conntrack list
		grep -q '"10.96.0.53"' "$E2E_TMP/ctl.out" && break
		sleep 0.2
	done
	python3 -c '
import json, sys
for e in json.load(sys.stdin)["entries"]:
    if e["original"]["dst"] == "10.96.0.53" and e["original"]["dport"] == 53:
        print(e["packets"], e["bytes"])
        sys.exit(0 if e["packets"][0] == 1 and e["bytes"][0] == 62 else 1)
sys.exit(1)' <"$E2E_TMP/ctl.out"
}
e2e_check "one UDP query through a ClusterIP: its entry shows 1 packet, 62 bytes" \
	dns_entry_counted
ctl service del kube-system/dns
ctl service del default/mixed
ctl service del default/six

# ------------------------------------------------------------- traffic counters, conntrack filters, stats reset
# (issue 17, cli-b) service show's per-endpoint counters after real
# traffic through a ClusterIP, conntrack list's filters and del of one
# connection, stats reset, sane cycles per packet on receive nodes, and
# a removed port's nodes leaving stats.
echo "served by p2" >"$E2E_TMP/hello.txt"
e2e_bg e2e_in p2 timeout 120 python3 -m http.server --bind 10.244.0.3 8080 --directory "$E2E_TMP"
# shellcheck disable=SC2317 # run through e2e_check
p2_listens() {
	local _
	for _ in $(seq 1 100); do
		e2e_in p2 ss -Hltn 'sport = :8080' | grep -q . && return 0
		sleep 0.2
	done
	return 1
}
e2e_check "p2 serves HTTP on 10.244.0.3:8080" p2_listens
cat >"$E2E_TMP/echo.json" <<'JSON'
{ "kind": "List", "apiVersion": "v1", "items": [
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "echo", "namespace": "default" },
    "spec": { "clusterIP": "10.96.0.20",
      "ports": [ { "name": "h", "protocol": "TCP", "port": 8080, "targetPort": 8080 } ] } },
  { "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
    "addressType": "IPv4",
    "metadata": { "name": "echo-x", "namespace": "default",
      "labels": { "kubernetes.io/service-name": "echo" } },
    "ports": [ { "name": "h", "protocol": "TCP", "port": 8080 } ],
    "endpoints": [ { "addresses": [ "10.244.0.3" ], "conditions": { "ready": true } } ] }
] }
JSON
ctl apply -f "$E2E_TMP/echo.json"
expect_ok "apply the echo service"
ctl conntrack flush
e2e_check "p1 curls the ClusterIP twice (served by p2)" \
	bash -c "for i in 1 2; do ip netns exec $(e2e_pod_ns p1) curl -sSf --max-time 5 http://10.96.0.20:8080/hello.txt | grep -q 'served by p2' || exit 1; done"

ctl service show default/echo
expect_ok "service show exits 0"
cp "$E2E_TMP/ctl.out" "$E2E_TMP/show.out"
e2e_check "service show: ipvsadm --stats columns after the old ones" \
	grep -qE '^    ENDPOINT +PORT +READY +SERVING +LOCAL +CONNS +CREATED +IN-PKTS +OUT-PKTS +IN-BYTES +OUT-BYTES$' "$E2E_TMP/show.out"
# shellcheck disable=SC2317 # run through e2e_check
endpoint_counted() {
	awk '$1 == "10.244.0.3" && $7 == 2 && $8 >= 6 && $9 >= 4 && $10 > $8 * 50 && $11 > $9 * 50 { ok = 1 }
	     $1 == "TOTAL" && $7 == 2 && $8 >= 6 && $9 >= 4 { tot = 1 }
	     END { exit !(ok && tot) }' "$1"
}
e2e_check "service show: 10.244.0.3 created 2 connections, packets and bytes both ways, and the port's total" \
	endpoint_counted "$E2E_TMP/show.out"
ctl --json service show default/echo
e2e_assert_eq "--json service show: the endpoint's stats" "2 True" \
	"$(python3 -c 'import json,sys; e=json.load(sys.stdin)["endpoints"][0]["endpoints"][0]["stats"]; print(e["connections"], e["inPackets"] > 0 and e["outPackets"] > 0)' <"$E2E_TMP/ctl.out")"

ctl conntrack list -p tcp --dport 8080
expect_ok "conntrack list -p tcp --dport 8080"
e2e_check "... lists the two connections to the ClusterIP" \
	bash -c 'grep -qx "2 connections matched (table of [0-9]*)" "$1" && [ "$(grep -c "10.244.0.2:[0-9]* > 10.96.0.20:8080" "$1")" = 2 ]' _ "$E2E_TMP/ctl.out"
ctl conntrack list -p udp --dport 8080
e2e_check "conntrack list -p udp --dport 8080 matches none" grep -qx "0 connections matched (table of [0-9]*)" "$E2E_TMP/ctl.out"
ctl conntrack list --endpoint 10.244.0.3:8080 --service default/echo
e2e_check "conntrack list --endpoint --service finds them too" grep -qx "2 connections matched (table of [0-9]*)" "$E2E_TMP/ctl.out"
ctl conntrack list --dport 80x
expect_fail "conntrack list with a bad port" '^podswitchctl: 400 bad_request: dport'
ctl conntrack list --nope 1
e2e_assert_eq "conntrack list with an unknown option exits 2" 2 "$RC"
ctl --json conntrack list -p tcp --dport 8080
sport=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["original"]["sport"])' <"$E2E_TMP/ctl.out")
ctl conntrack del -p tcp --src 10.244.0.2 --dst 10.96.0.20 --sport "$sport" --dport 8080
expect_ok "conntrack del of one connection"
e2e_check "... prints the connection it deleted" \
	bash -c 'grep -qx "deleted 1 connection:" "$1" && grep -q "10.244.0.2:'"$sport"' > 10.96.0.20:8080" "$1"' _ "$E2E_TMP/ctl.out"
ctl conntrack list -p tcp --dport 8080
e2e_check "... and only it is gone" grep -qx "1 connections matched (table of [0-9]*)" "$E2E_TMP/ctl.out"
ctl conntrack del -p tcp --src 10.244.0.2 --dst 10.96.0.20 --sport "$sport" --dport 8080
expect_fail "conntrack del of a connection that is gone" '^podswitchctl: 404 not_found: '
ctl conntrack del -p tcp --dport 8080
expect_fail "conntrack del without the whole tuple deletes nothing" '^podswitchctl: 400 bad_request: .*original tuple'
ctl conntrack list -p tcp --dport 8080
e2e_check "... the other connection is still there" grep -qx "1 connections matched (table of [0-9]*)" "$E2E_TMP/ctl.out"
ctl conntrack del
e2e_assert_eq "conntrack del without a tuple exits 2" 2 "$RC"

# Receive nodes: cycles per packet of the calls that brought packets.
ctl --json stats
# shellcheck disable=SC2317 # run through e2e_check
rx_cycles_sane() {
	python3 -c '
import json, sys
nodes = [n for n in json.load(open(sys.argv[1]))["nodes"]
         if n["name"].startswith("port_rx-") and n.get("port") == "p1"]
n = nodes[0]
busy = n["calls"] - n["idle_calls"]
ok = (n["packets"] > 0 and n["idle_calls"] > 0 and 0 < busy <= n["packets"]
      and n["cycles_per_packet"] < n["cycles"] / n["packets"]
      and abs(n["cycles_per_packet"] - (n["cycles"] - n["idle_cycles"]) / n["packets"]) < 1)
print(n)
sys.exit(0 if ok else 1)' "$1"
}
e2e_check "stats: p1's receive node counts its empty polls apart (idle_calls)" rx_cycles_sane "$E2E_TMP/ctl.out"
ctl stats
e2e_check "stats: the node table has IDLE-CALLS last" grep -qE '^  NODE +PACKETS +CALLS +CYCLES/PKT +CYCLES/CALL +IDLE-CALLS$' "$E2E_TMP/ctl.out"

ctl stats reset
expect_ok "stats reset exits 0"
e2e_check "stats reset says so" grep -qE '^statistics reset \(uptime [0-9]+s\)$' "$E2E_TMP/ctl.out"
ctl --json stats
# shellcheck disable=SC2317 # run through e2e_check
stats_since_reset() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
lookup = [n for n in j["nodes"] if n["name"] == "ip4_lookup"][0]
up = [p for p in j["ports"] if p["name"] == "up0"][0]
ok = (j["reset"] is not None and lookup["packets"] <= 5 and
      up["tx_packets"] <= 5 and sum(d["packets"] for d in j["drops"]) <= 5)
print(lookup, up)
sys.exit(0 if ok else 1)' "$1"
}
e2e_check "after stats reset: nodes, ports and drops count from zero" stats_since_reset "$E2E_TMP/ctl.out"
ctl stats
e2e_check "stats says since when it counts" grep -qE '^since the reset at uptime [0-9]+s$' "$E2E_TMP/ctl.out"
ctl stats --reset
expect_ok "stats --reset (DESIGN.md's spelling) exits 0"
ctl stats reset now
e2e_assert_eq "stats reset with an argument exits 2" 2 "$RC"

# A removed port's nodes leave stats.
e2e_pod p3 10.244.0.4 || e2e_fail "cannot create pod p3"
ctl port add p3 af_packet iface="$(e2e_pod_if p3)" ip 10.244.0.4 mac "$(e2e_pod_mac p3)"
expect_ok "port add p3"
e2e_ping p3 10.244.0.1
ctl --json stats
p3nodes=$(python3 -c 'import json,sys; print(" ".join(n["name"] for n in json.load(sys.stdin)["nodes"] if n.get("port") == "p3"))' <"$E2E_TMP/ctl.out")
e2e_check "stats lists p3's nodes ($p3nodes)" bash -c '[[ "$1" == *port_rx-* && "$1" == *port_tx-* ]]' _ "$p3nodes"
ctl port del p3
expect_ok "port del p3"
ctl stats
cp "$E2E_TMP/ctl.out" "$E2E_TMP/stats-after-del.out"
# shellcheck disable=SC2317 # run through e2e_check
nodes_gone() {
	local n
	for n in $p3nodes; do
		grep -qE "^  $n( |\$)" "$E2E_TMP/stats-after-del.out" && { echo "$n still listed"; return 1; }
	done
	return 0
}
e2e_check "after port del p3, stats no longer lists its nodes" nodes_gone
ctl metrics
e2e_check "... nor does /metrics" bash -c 'for n in $1; do grep -q "graph_node=\"$n\"" "$2" && exit 1; done; exit 0' _ "$p3nodes" "$E2E_TMP/ctl.out"

# log level: shown, changed at run time (the daemon logs the change), refused
ctl log level
expect_ok "log level exits 0"
e2e_check "log level shows the level and the global one" \
	grep -qxE 'level info \(global [a-z]+\)' "$E2E_TMP/ctl.out"
ctl log level debug
expect_ok "log level debug exits 0"
e2e_assert_eq "log level debug says the new level" "level debug" "$OUT"
ctl --json log level
e2e_assert_eq "--json log level prints the API's JSON" "debug debug" \
	"$(python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["level"], j["global"])' <"$E2E_TMP/ctl.out")"
e2e_check "the daemon logged the change" \
	grep -q 'rest: log level info -> debug' "$(e2e_dlog d)"
ctl log level verbose
expect_fail "log level verbose" '^podswitchctl: 400 bad_request: .*debug, info, notice, warning, error'
ctl log level info extra
e2e_assert_eq "log level with two levels exits 2" 2 "$RC"
ctl log level info
e2e_assert_eq "log level info sets it back" "level info" "$OUT"

# ------------------------------------------------------------- change log
# One info line, with time and level, per change an operator makes: a
# route, a service apply (one line however many objects), a port; none
# at level warning, back at info.
DLOG=$(e2e_dlog d)
TS='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
# since MARK REGEX: lines of the daemon's log after line MARK matching REGEX
since() { tail -n +"$(($1 + 1))" "$DLOG" | grep -cE -- "$2"; }
# shellcheck disable=SC2317 # run through e2e_check
wait_line() { # MARK REGEX: the line shows within 3 s
	local _i
	for _i in $(seq 30); do
		[ "$(since "$1" "$2")" -ge 1 ] && return 0
		sleep 0.1
	done
	return 1
}
e2e_pod p4 10.244.0.5 || e2e_fail "cannot create pod p4"
mark=$(wc -l <"$DLOG")
ctl route add 10.244.8.0/24 via 192.168.60.11
expect_ok "route add 10.244.8.0/24 (for the change log)"
ctl apply -f "$E2E_TMP/svcs.json"
expect_ok "apply -f svcs.json (for the change log)"
ctl port add p4 af_packet iface="$(e2e_pod_if p4)" ip 10.244.0.5 mac "$(e2e_pod_mac p4)"
expect_ok "port add p4 (for the change log)"
wait_line "$mark" "$TS INFO .*port p4 added" || true
e2e_assert_eq "route add: one info line with time and level" 1 \
	"$(since "$mark" "$TS INFO route: 10\.244\.8\.0/24 added\$")"
e2e_assert_eq "service apply: one info line that sums it up" 1 \
	"$(since "$mark" "$TS INFO service: apply: [0-9]+ services added, [0-9]+ changed, 1 EndpointSlices")"
e2e_assert_eq "port add: one info line with time and level" 1 \
	"$(since "$mark" "$TS INFO .*port p4 added")"
e2e_check "every log line since has time and level" \
	bash -c '! tail -n +"$(($2 + 1))" "$1" | grep -E "^(route|service|dataplane|rest):"' _ "$DLOG" "$mark"
ctl log level warning
expect_ok "log level warning"
mark=$(wc -l <"$DLOG")
ctl route del 10.244.8.0/24
expect_ok "route del 10.244.8.0/24 at level warning"
ctl apply -f "$E2E_TMP/svcs.json"
ctl port del p4
expect_ok "port del p4 at level warning"
sleep 0.5
e2e_assert_eq "level warning: no info line for a route, an apply, a port" 0 \
	"$(since "$mark" "$TS INFO ")"
ctl log level info
expect_ok "log level info"
mark=$(wc -l <"$DLOG")
ctl route add 10.244.8.0/24 via 192.168.60.11
e2e_check "level info: the route add line is back" \
	wait_line "$mark" "$TS INFO route: 10\.244\.8\.0/24 added\$"

# ------------------------------------------------------------- top
# A live view over the last interval: with p1 pinging p2 a hundred times
# a second, p1's RX-PPS and a node's cycles per packet are not zero.
e2e_in p1 ping -q -i 0.01 -c 400 10.244.0.3 >/dev/null 2>&1 &
ping_pid=$!
sleep 0.5
ctl top -n 2
expect_ok "top -n 2 exits 0"
cp "$E2E_TMP/ctl.out" "$E2E_TMP/top.out"
wait "$ping_pid"
e2e_assert_eq "top -n 2 without a tty: two views, no ANSI clear" "2 0" \
	"$(grep -c '^podswitch top: the last ' "$E2E_TMP/top.out") $(grep -c $'\e' "$E2E_TMP/top.out")"
e2e_check "... separated by a blank line" grep -qx '' "$E2E_TMP/top.out"
# the last view's p1 row: PORT ROLE RX-PPS TX-PPS ...
p1pps=$(awk '/^podswitch top/ {v++} v == 2 && $1 == "p1" && $2 == "pod" {print $3}' "$E2E_TMP/top.out")
e2e_assert_ge "top: p1 receives the ping (rx pps)" 10 "${p1pps:-0}"
e2e_check "top: a graph node's cycles per packet over the interval" \
	bash -c 'awk "/^podswitch top/ {v++} v == 2 && \$1 == \"eth_input\" && \$4 + 0 > 0 {f=1} END {exit !f}" "$1"' _ "$E2E_TMP/top.out"
e2e_check "top: a worker's busy %" \
	bash -c 'awk "/WORKER/ {w=1; next} w && /^  0 / && \$3 ~ /^[0-9.]+\$/ {f=1} END {exit !f}" "$1"' _ "$E2E_TMP/top.out"
ctl top --once
expect_ok "top --once exits 0"
e2e_assert_eq "top --once: one view" 1 "$(grep -c '^podswitch top: the last ' "$E2E_TMP/ctl.out")"
ctl top -n 0
e2e_assert_eq "top -n 0 exits 2" 2 "$RC"

e2e_stop d TERM
e2e_assert_eq "daemon exits 0 on SIGTERM" 0 "$(e2e_drc d)"
e2e_finish
