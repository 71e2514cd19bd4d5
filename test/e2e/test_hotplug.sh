#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_hotplug.sh: pod ports added and removed over the API while the
# daemon forwards, with real peers:
#   - an af_packet pod port added with podswitchctl: its pod pings the
#     others and the gateway, and fetches a page from one of them;
#   - a vhost-user pod port added with podswitchctl; the pod behind it is a
#     namespace whose veth a dpdk-testpmd (io forward) joins to a
#     virtio-user device on the socket podswitch created: the pod pings
#     and curls through it, and the port's counters move;
#   - the vhost-user port deleted: its socket is gone, the pod is cut off,
#     the others keep forwarding, and the same socket path can be used again;
#   - the refusals (bad body, duplicate, uplink, unknown), each leaving
#     the port list as it was; graph counters never go back.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

TESTPMD=${TESTPMD:-dpdk-testpmd}

e2e_init hotplug

e2e_snapshot_ctl || e2e_finish
command -v "$TESTPMD" >/dev/null || { e2e_fail "no $TESTPMD (dpdk package)"; e2e_finish; }
command -v curl >/dev/null || { e2e_fail "no curl"; e2e_finish; }

ctl() {
	"$CTL" --socket "$SOCK" "$@" >"$E2E_TMP/ctl.out" 2>"$E2E_TMP/ctl.err"
	RC=$?
	ERR=$(cat "$E2E_TMP/ctl.err")
}

# api METHOD PATH [BODY]: curl the socket; sets CODE and BODY.
api() { e2e_api "$SOCK" "$@"; }

ports_list() {
	curl -s --unix-socket "$SOCK" http://ps/v1/ports |
		python3 -c 'import json,sys; print(" ".join(p["name"] for p in json.load(sys.stdin)))'
}

# node_objs NAME: packets graph node NAME has seen (all workers).
node_objs() {
	curl -s --unix-socket "$SOCK" http://ps/v1/stats | python3 -c '
import json, sys
st = json.load(sys.stdin)
print(sum(n.get("packets", 0) for n in st["nodes"] if n["name"] == sys.argv[1]))' "$1"
}

port_counter() {
	curl -s --unix-socket "$SOCK" "http://ps/v1/ports/$1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"][sys.argv[1]])' "$2"
}

name="pse2e-hp-$E2E_ID"
SOCK="$E2E_TMP/$name.sock"
VSOCK="$E2E_TMP/v1.sock"

# TCP from the pods: checksums filled in before the frames leave.
e2e_pods a1:2 a2:3 a3:4 v1:20 || { e2e_fail "cannot create the pods"; e2e_finish; }
{ e2e_netns "pse2e$E2E_ID-up" && e2e_veth "pse2e${E2E_ID}up" "pse2e$E2E_ID-up" eth0 02:00:00:00:00:0b; } ||
	{ e2e_fail "cannot create the uplink veth"; e2e_finish; }

ports="[ $(e2e_port_json a1 pod af_packet "$(e2e_pod_if a1)" 10.244.0.2 "$(e2e_pod_mac a1)"),
    $(e2e_port_json a2 pod af_packet "$(e2e_pod_if a2)" 10.244.0.3 "$(e2e_pod_mac a2)"),
    $(e2e_port_json up0 uplink af_packet "pse2e${E2E_ID}up") ]"
cfg="$E2E_TMP/$name.json"
e2e_config "$cfg" "$name" "$(e2e_eal_nohuge "$name")" "$ports" '"hotplug": { "max_ports": 3 }'
e2e_start d "$cfg"
e2e_wait_running d 20 || e2e_finish

e2e_ping a1 10.244.0.3
eth0=$(node_objs eth_input)
e2e_assert_ge "eth_input counted the first pings" 1 "$eth0"

# ------------------------------------------------------------- af_packet
ctl port add a3 af_packet iface="$(e2e_pod_if a3)" ip 10.244.0.4 mac "$(e2e_pod_mac a3)"
e2e_assert_eq "port add a3 af_packet exits 0 ($ERR)" 0 "$RC"
e2e_ping a3 10.244.0.2
e2e_ping a3 10.244.0.1
e2e_ping a2 10.244.0.4
e2e_bg e2e_in a1 timeout 60 python3 -m http.server --bind 10.244.0.2 8080 --directory "$E2E_TMP"
echo "served by a1" >"$E2E_TMP/hello.txt"
sleep 1
e2e_check "a3 fetches a page from a1 over TCP" \
	bash -c "ip netns exec $(e2e_pod_ns a3) curl -sf --max-time 5 http://10.244.0.2:8080/hello.txt | grep -q 'served by a1'"
eth1=$(node_objs eth_input)
e2e_assert_ge "graph counters kept across the rebuild ($eth0 -> $eth1)" "$eth0" "$eth1"
ctl port list
e2e_check "port list shows a3 with its pod" grep -qE '^ *a3 +pod +af_packet .*10\.244\.0\.4' "$E2E_TMP/ctl.out"

# ------------------------------------------------------------- vhost-user
ctl port add v1 vhost-user path="$VSOCK" ip 10.244.0.20 mac "$(e2e_pod_mac v1)"
e2e_assert_eq "port add v1 vhost-user exits 0 ($ERR)" 0 "$RC"
e2e_check "the daemon listens on $VSOCK" test -S "$VSOCK"

# The pod's virtio side: testpmd joins the socket and the pod's veth.
# That relay (DPDK's net_af_packet, io-forward) drops the kernel's
# checksum state, which a real virtio guest would pass in its virtio-net
# header: the relayed kernel finishes its own checksums. Podswitch's own
# kernel ports need no such setting (test_ping, test_service).
ip netns exec "$(e2e_pod_ns v1)" ethtool -K eth0 tx off >/dev/null
tp_prefix="pse2e-tp-$E2E_ID"
E2E_EXTRA_PREFIXES+=("$tp_prefix")
e2e_bg "$TESTPMD" --lcores '0@0,1@0' --file-prefix="$tp_prefix" --no-pci -m 256 \
	--single-file-segments \
	--vdev "net_virtio_user0,path=$VSOCK,mac=$(e2e_pod_mac v1),queue_size=256" \
	--vdev "net_af_packet0,iface=$(e2e_pod_if v1),qpairs=1" \
	-- --forward-mode=io --auto-start --stats-period 30 --nb-cores=1 \
	--rxd=256 --txd=256 --total-num-mbufs=4096 >"$E2E_TMP/testpmd.log" 2>&1
TP_PID=$E2E_LAST_BG
# The vhost link comes up when the frontend has set its rings up.
link=false
for _ in $(seq 1 150); do
	link=$(curl -s --unix-socket "$SOCK" http://ps/v1/ports/v1 |
		python3 -c 'import json,sys; print(str(json.load(sys.stdin)["link_up"]).lower())' 2>/dev/null)
	[ "$link" = true ] && break
	sleep 0.1
done
e2e_assert_eq "v1's link is up once testpmd has joined" true "$link"
if ! kill -0 "$TP_PID" 2>/dev/null; then
	e2e_fail "testpmd (virtio-user side of v1) exited"
	tail -n 20 "$E2E_TMP/testpmd.log" | sed 's/^/       | /'
fi
e2e_ping v1 10.244.0.2
e2e_ping v1 10.244.0.1
e2e_ping a2 10.244.0.20
e2e_check "v1 fetches a page from a1 over TCP through vhost-user" \
	bash -c "ip netns exec $(e2e_pod_ns v1) curl -sf --max-time 5 http://10.244.0.2:8080/hello.txt | grep -q 'served by a1'"
rx=$(port_counter v1 rx_packets)
tx=$(port_counter v1 tx_packets)
e2e_assert_ge "v1 rx_packets counted" 5 "$rx"
e2e_assert_ge "v1 tx_packets counted" 5 "$tx"

# ------------------------------------------------------------- refusals
before=$(ports_list)
api POST /v1/ports '{"name": "v1", "role": "pod", "driver": "vhost-user", "args": {"path": "/tmp/x.sock"}}'
e2e_assert_eq "same name again -> 400 (duplicate)" 400 "$CODE"
api POST /v1/ports '{"name": "x9", "role": "pod", "driver": "af_packet", "args": {"iface": "lo"}, "pod": {"ip": "10.244.0.20", "mac": "02:00:0a:f4:00:99"}}'
e2e_assert_eq "a pod IP in use -> 400" 400 "$CODE"
api POST /v1/ports '{"name": "x9", "role": "uplink", "driver": "af_packet", "args": {"iface": "lo"}}'
e2e_assert_eq "a second uplink -> 400" 400 "$CODE"
api POST /v1/ports '{"name": "x9", "role": "pod", "driver": "af_packet", "args": {"iface": "pse2e-nope"}}'
e2e_assert_eq "an interface that does not exist -> 422" 422 "$CODE"
api POST /v1/ports '{"name": "x9", "role": "pod", "driver": "af_packet"'
e2e_assert_eq "truncated JSON -> 400" 400 "$CODE"
api POST /v1/ports
e2e_assert_eq "no body -> 400" 400 "$CODE"
api POST /v1/ports '{"name": "x9", "role": "pod", "driver": "vhost-user", "args": {"path": "/tmp/x.sock"}, "colour": "red"}'
e2e_assert_eq "unknown field -> 400" 400 "$CODE"
e2e_check "the error names the field" grep -q 'colour' "$E2E_TMP/api.body"
api DELETE /v1/ports/up0
e2e_assert_eq "delete the uplink -> 409" 409 "$CODE"
api DELETE /v1/ports/nope
e2e_assert_eq "delete an unknown port -> 404" 404 "$CODE"
ctl port add
e2e_assert_eq "podswitchctl port add without arguments exits 2" 2 "$RC"
ctl port del nope
e2e_assert_eq "podswitchctl port del of an unknown port exits 1" 1 "$RC"
e2e_assert_eq "refusals changed no port" "$before" "$(ports_list)"
e2e_ping a1 10.244.0.20

# ------------------------------------------------------------- delete vhost
ctl port del v1
e2e_assert_eq "port del v1 exits 0 ($ERR)" 0 "$RC"
e2e_check "the vhost-user socket is released" bash -c "! test -e '$VSOCK'"
e2e_check "v1 is cut off" bash -c "! ip netns exec $(e2e_pod_ns v1) ping -c 2 -W 1 10.244.0.2 >/dev/null"
e2e_assert_eq "port list no longer has v1" "a1 a2 up0 a3" "$(ports_list)"
e2e_ping a1 10.244.0.3
e2e_ping a3 10.244.0.2
kill "$TP_PID" 2>/dev/null
wait "$TP_PID" 2>/dev/null
ctl port add v1 vhost-user path="$VSOCK" ip 10.244.0.20 mac "$(e2e_pod_mac v1)"
e2e_assert_eq "the same socket path is usable again" 0 "$RC"
e2e_check "... and listened on" test -S "$VSOCK"
ctl port del v1
e2e_assert_eq "and removed again" 0 "$RC"

# ------------------------------------------------------------- delete af_packet
ctl port del a3
e2e_assert_eq "port del a3 exits 0" 0 "$RC"
e2e_check "a3 is cut off" bash -c "! ip netns exec $(e2e_pod_ns a3) ping -c 2 -W 1 10.244.0.2 >/dev/null"
e2e_ping a2 10.244.0.2
eth2=$(node_objs eth_input)
e2e_assert_ge "graph counters never went back ($eth1 -> $eth2)" "$eth1" "$eth2"
e2e_check "daemon still running" e2e_alive "$(e2e_dpid d)"

e2e_stop d
e2e_finish
