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
# that the README's set-up commands need no sudo.
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
	for c in status route port fdb neigh neighbor stats metrics service apply conntrack; do
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

e2e_stop d TERM
e2e_assert_eq "daemon exits 0 on SIGTERM" 0 "$(e2e_drc d)"
e2e_finish
