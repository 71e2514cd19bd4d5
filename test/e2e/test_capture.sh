#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e-timeout: 300
#
# test_capture.sh: podswitchctl capture and dpdk-dumpcap on a running
# podswitch, read back with tshark.
#
#   p1 10.244.0.2 (client)  \
#   b1 10.244.0.3 (server)   > podswitch == uplink0 (af_packet-pmd, an
#                           /   ethdev) == ext 192.168.60.50 (8.8.8.8 on lo)
#
# Service web 10.96.0.10:80 -> b1:8080. Checked: one capture of p1, b1
# and uplink0 (both directions) while p1 pings b1 and 8.8.8.8 and curls
# the ClusterIP and 8.8.8.8:8080; tshark finds the interfaces by their
# podswitch names, each packet's direction, the ClusterIP SYN on p1
# (before DNAT) and on b1 (after, the pod's address kept), the reply
# un-NATed on p1, and the masqueraded ping and curl on the uplink with
# the node's address. A capture with -f icmp -c 3 -w - into tshark
# stops by itself after 3 packets, all ICMP, while TCP flows. A bad
# filter, an unknown port and a port captured twice are refused with
# their reason; the session list is empty once the clients are done.
# dpdk-dumpcap (dpdk.secondary) attaches as a secondary process and
# writes the uplink's packets, which tshark reads.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init capture
EXT="pse2e$E2E_ID-ext"
UP="pse2e${E2E_ID}up"
for t in tshark curl python3; do
	command -v "$t" >/dev/null || { e2e_fail "missing tool: $t"; e2e_finish; }
done

e2e_pods p1:2 b1:3 || { e2e_fail "pods"; e2e_finish; }
e2e_uplink_peer "$EXT" "$UP" || { e2e_fail "ext namespace"; e2e_finish; }
ip -n "$EXT" addr add 8.8.8.8/32 dev lo
# DPDK's net_af_packet (the ethdev uplink dpdk-dumpcap needs) hands over
# a veth's partial checksums as they are, unlike podswitch's own
# af_packet backend: ext sends whole ones. (Seen with this very capture:
# ext's SYN-ACK reached p1 with a bad TCP checksum.)
ip netns exec "$EXT" ethtool -K eth0 tx off >/dev/null
e2e_bg ip netns exec "$(e2e_pod_ns b1)" python3 "$E2E_ECHO" b1
e2e_bg ip netns exec "$EXT" python3 "$E2E_ECHO" ext --bind 8.8.8.8

name="pse2e-cap-$E2E_ID"
ports="[ $(e2e_port_json p1 pod af_packet "$(e2e_pod_if p1)" 10.244.0.2 "$(e2e_pod_mac p1)"),
    $(e2e_port_json b1 pod af_packet "$(e2e_pod_if b1)" 10.244.0.3 "$(e2e_pod_mac b1)"),
    $(e2e_port_json uplink0 uplink af_packet-pmd "$UP") ]"
cfg="$E2E_TMP/$name.json"
# hugepages kept for the secondary process (dpdk.secondary)
e2e_config "$cfg" "$name" "$(e2e_eal_huge "$name"), \"secondary\": true" \
	"$ports" '"routes": [ { "dst": "0.0.0.0/0", "gateway": "192.168.60.50" } ]'
sock="$E2E_TMP/$name.sock"
cat >"$E2E_TMP/svc.json" <<EOF
{ "kind": "List", "apiVersion": "v1", "items": [
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "web", "namespace": "default" },
    "spec": { "type": "ClusterIP", "clusterIP": "10.96.0.10",
      "ports": [ { "name": "p", "protocol": "TCP", "port": 80, "targetPort": 8080 } ] } },
  { "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
    "addressType": "IPv4", "metadata": { "name": "web-x", "namespace": "default",
    "labels": { "kubernetes.io/service-name": "web" } },
    "ports": [ { "name": "p", "protocol": "TCP", "port": 8080 } ],
    "endpoints": [ { "addresses": [ "10.244.0.3" ], "conditions": { "ready": true } } ] }
] }
EOF

e2e_start d "$cfg"
if ! e2e_wait_running d 30; then
	e2e_stop d
	e2e_finish
fi
e2e_assert_grep "pdump initialised for secondaries" 'pdump ready' "$(e2e_dlog d)"
e2e_check "apply the service" "$CTL" --socket "$sock" apply -f "$E2E_TMP/svc.json"
for _i in $(seq 1 50); do
	e2e_in p1 curl -s --max-time 1 http://10.244.0.3:8080/ >/dev/null &&
		ip netns exec "$EXT" curl -s --max-time 1 http://8.8.8.8:8080/ >/dev/null &&
		break
	sleep 0.2
done
e2e_in p1 ping -c 1 -W 2 8.8.8.8 >/dev/null 2>&1

# tshark_count FILE FILTER: packets of FILE that match the display filter
tshark_count() {
	tshark -r "$1" -Y "$2" -T fields -e frame.number 2>/dev/null | grep -c .
}
# wait_listening ERRFILE: until the capture said it listens
wait_listening() {
	local _i
	for _i in $(seq 1 50); do
		grep -q 'listening on' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# --- 1. pods and uplink, both directions, stopped with Ctrl-C
pc1="$E2E_TMP/all.pcapng"
"$CTL" --socket "$sock" capture p1 b1 uplink0 -w "$pc1" 2>"$E2E_TMP/cap1.err" &
cap=$!
wait_listening "$E2E_TMP/cap1.err" || e2e_fail "capture 1 did not start: $(cat "$E2E_TMP/cap1.err")"
e2e_in p1 ping -c 2 -W 1 10.244.0.3 >/dev/null
e2e_in p1 ping -c 2 -W 1 8.8.8.8 >/dev/null
out=$(e2e_in p1 curl -s --max-time 3 http://10.96.0.10/)
e2e_assert_eq "curl through the ClusterIP while capturing" "b1 10.244.0.2" "$out"
out=$(e2e_in p1 curl -s --max-time 3 http://8.8.8.8:8080/)
e2e_assert_eq "curl to 8.8.8.8 (masqueraded) while capturing" "ext 192.168.60.10" "$out"
sleep 0.5
kill -INT "$cap"
wait "$cap"
e2e_assert_eq "capture ended by Ctrl-C exits 0" 0 "$?"
e2e_assert_grep "capture says how many it captured" '^[1-9][0-9]* packets captured' "$E2E_TMP/cap1.err"
e2e_assert_grep "capture says none dropped" '^0 packets dropped' "$E2E_TMP/cap1.err"
[ "$E2E_VERBOSE" = 1 ] && tshark -r "$pc1" -T fields -e frame.interface_name \
	-e frame.packet_flags_direction -e _ws.col.Info 2>&1 | head -60

t=$(tshark -r "$pc1" -c 1 -T fields -e frame.time_epoch 2>/dev/null)
d=$(( $(date +%s) - ${t%.*} ))
if [ "$d" -ge 0 ] && [ "$d" -lt 120 ]; then
	e2e_ok "packets stamped with the time of day ($d s ago)"
else
	e2e_fail "first packet stamped $t, $d s from now"
fi
ifs=$(tshark -r "$pc1" -T fields -e frame.interface_name 2>/dev/null | sort -u | tr '\n' ' ')
e2e_assert_eq "tshark: the interfaces are the podswitch ports" "b1 p1 uplink0 " "$ifs"
e2e_assert_ge "tshark: interface description names the port" 1 \
	"$(tshark_count "$pc1" 'frame.interface_description contains "podswitch port uplink0 (uplink, af_packet-pmd"')"
# direction: 1 inbound (rx), 2 outbound (tx)
e2e_assert_ge "ping request enters on p1 (rx)" 2 \
	"$(tshark_count "$pc1" 'frame.interface_name == "p1" && frame.packet_flags_direction == 1 && icmp.type == 8 && ip.dst == 10.244.0.3')"
e2e_assert_ge "ping request leaves on b1 (tx)" 2 \
	"$(tshark_count "$pc1" 'frame.interface_name == "b1" && frame.packet_flags_direction == 2 && icmp.type == 8 && ip.src == 10.244.0.2')"
e2e_assert_ge "ping reply enters on b1 (rx)" 2 \
	"$(tshark_count "$pc1" 'frame.interface_name == "b1" && frame.packet_flags_direction == 1 && icmp.type == 0 && ip.src == 10.244.0.3')"
e2e_assert_eq "no packet without a direction" 0 \
	"$(tshark_count "$pc1" '!(frame.packet_flags_direction == 1 || frame.packet_flags_direction == 2)')"
syn='tcp.flags.syn == 1 && tcp.flags.ack == 0'
e2e_assert_eq "ClusterIP SYN on p1 rx, before DNAT (10.96.0.10:80)" 1 \
	"$(tshark_count "$pc1" "frame.interface_name == \"p1\" && frame.packet_flags_direction == 1 && $syn && ip.src == 10.244.0.2 && ip.dst == 10.96.0.10 && tcp.dstport == 80")"
e2e_assert_eq "ClusterIP SYN on b1 tx, after DNAT (10.244.0.3:8080, source kept)" 1 \
	"$(tshark_count "$pc1" "frame.interface_name == \"b1\" && frame.packet_flags_direction == 2 && $syn && ip.src == 10.244.0.2 && ip.dst == 10.244.0.3 && tcp.dstport == 8080")"
e2e_assert_eq "SYN-ACK on b1 rx from the endpoint" 1 \
	"$(tshark_count "$pc1" 'frame.interface_name == "b1" && frame.packet_flags_direction == 1 && tcp.flags.syn == 1 && tcp.flags.ack == 1 && ip.src == 10.244.0.3 && tcp.srcport == 8080')"
e2e_assert_eq "SYN-ACK on p1 tx from the ClusterIP (un-NATed)" 1 \
	"$(tshark_count "$pc1" 'frame.interface_name == "p1" && frame.packet_flags_direction == 2 && tcp.flags.syn == 1 && tcp.flags.ack == 1 && ip.src == 10.96.0.10 && tcp.srcport == 80')"
e2e_assert_ge "HTTP request seen on both sides of the NAT" 2 \
	"$(tshark_count "$pc1" 'http.request && (ip.dst == 10.96.0.10 || ip.dst == 10.244.0.3)')"
e2e_assert_ge "ping to 8.8.8.8 on p1 rx from the pod" 2 \
	"$(tshark_count "$pc1" 'frame.interface_name == "p1" && frame.packet_flags_direction == 1 && icmp.type == 8 && ip.src == 10.244.0.2 && ip.dst == 8.8.8.8')"
e2e_assert_ge "ping to 8.8.8.8 on uplink0 tx, masqueraded to the node IP" 2 \
	"$(tshark_count "$pc1" 'frame.interface_name == "uplink0" && frame.packet_flags_direction == 2 && icmp.type == 8 && ip.src == 192.168.60.10 && ip.dst == 8.8.8.8')"
e2e_assert_eq "curl SYN to 8.8.8.8 on uplink0 tx from the node IP" 1 \
	"$(tshark_count "$pc1" "frame.interface_name == \"uplink0\" && frame.packet_flags_direction == 2 && $syn && ip.src == 192.168.60.10 && ip.dst == 8.8.8.8 && tcp.dstport == 8080")"
e2e_assert_ge "reply from 8.8.8.8 on uplink0 rx" 1 \
	"$(tshark_count "$pc1" 'frame.interface_name == "uplink0" && frame.packet_flags_direction == 1 && ip.src == 8.8.8.8 && ip.dst == 192.168.60.10')"
e2e_assert_eq "no pod address on the uplink" 0 \
	"$(tshark_count "$pc1" 'frame.interface_name == "uplink0" && ip.addr == 10.244.0.2')"

# --- 2. BPF filter and count, pcapng on stdout into tshark
pc2="$E2E_TMP/icmp.pcapng"
"$CTL" --socket "$sock" capture p1 -f icmp -c 3 -w - 2>"$E2E_TMP/cap2.err" >"$pc2" &
cap=$!
wait_listening "$E2E_TMP/cap2.err" || e2e_fail "capture 2 did not start: $(cat "$E2E_TMP/cap2.err")"
e2e_in p1 curl -s --max-time 3 http://10.96.0.10/ >/dev/null
e2e_in p1 ping -c 3 -i 0.2 -W 1 10.244.0.3 >/dev/null
e2e_in p1 curl -s --max-time 3 http://10.96.0.10/ >/dev/null
for _i in $(seq 1 50); do e2e_alive "$cap" || break; sleep 0.1; done
if e2e_alive "$cap"; then
	e2e_fail "capture -c 3 still runs"
	kill -INT "$cap"
fi
wait "$cap"
e2e_assert_eq "capture -c 3 ends by itself with status 0" 0 "$?"
e2e_assert_eq "-f icmp -c 3: 3 packets" 3 "$(tshark_count "$pc2" 'frame')"
e2e_assert_eq "-f icmp: all ICMP" 3 "$(tshark_count "$pc2" 'icmp')"
e2e_assert_eq "-f icmp: no TCP though curl ran" 0 "$(tshark_count "$pc2" 'tcp')"
n=$("$CTL" --socket "$sock" capture p1 -f 'icmp' -c 2 -w - 2>/dev/null |
	tshark -r - -T fields -e frame.interface_name 2>/dev/null | grep -c '^p1$' &
	sleep 1; e2e_in p1 ping -c 3 -i 0.2 -W 1 10.244.0.3 >/dev/null; wait)
e2e_assert_eq "capture -w - | tshark -r -: 2 packets on p1" 2 "$n"

# --- 3. refusals
out=$("$CTL" --socket "$sock" capture p1 -f 'tcp port' -w "$E2E_TMP/x" 2>&1)
e2e_assert_eq "bad filter: exit 1" 1 "$?"
e2e_assert_grep "bad filter: libpcap's reason" '400 bad_filter: .*syntax error' <(printf '%s\n' "$out")
out=$("$CTL" --socket "$sock" capture nosuch -w "$E2E_TMP/x" 2>&1)
e2e_assert_grep "unknown port: 422 with its name" '422 unknown_port: .*no port nosuch' <(printf '%s\n' "$out")
e2e_api "$sock" POST /v1/captures '{"ports": ["p1"], "direction": "rx"}'
e2e_assert_eq "POST /v1/captures: 201" 201 "$CODE"
id=$(printf '%s' "$BODY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
e2e_api "$sock" POST /v1/captures '{"ports": ["p1"], "direction": "both"}'
e2e_assert_eq "the same port and direction twice: 409" 409 "$CODE"
e2e_api "$sock" POST /v1/captures '{"ports": ["p1"], "snaplen": 0}'
e2e_assert_eq "snaplen 0: 400" 400 "$CODE"
e2e_api "$sock" GET /v1/captures
e2e_assert_grep "GET /v1/captures lists the session" "\"id\": *$id" <(printf '%s\n' "$BODY")
e2e_api "$sock" DELETE "/v1/captures/$id"
e2e_assert_eq "DELETE /v1/captures/ID: 204" 204 "$CODE"
e2e_api "$sock" GET /v1/captures
e2e_assert_eq "no session left" '{"captures":[]}' "$BODY"

# --- 4. dpdk-dumpcap as a secondary process
if command -v dpdk-dumpcap >/dev/null; then
	prefix=$(e2e_dprefix d)
	list=$(timeout 30 dpdk-dumpcap --file-prefix="$prefix" -D 2>&1)
	[ "$E2E_VERBOSE" = 1 ] && printf '%s\n' "$list"
	idx=$(printf '%s\n' "$list" | sed -n 's/^\([0-9]*\)\. net_af_packet.*/\1/p' | head -n1)
	if [ -z "$idx" ]; then
		e2e_fail "dpdk-dumpcap -D lists no uplink: $(printf '%s\n' "$list" | tail -n 3)"
	else
		e2e_ok "dpdk-dumpcap -D lists the uplink ethdev (port $idx)"
		pc3="$E2E_TMP/dumpcap.pcapng"
		timeout 60 dpdk-dumpcap --file-prefix="$prefix" -i "$idx" -f icmp \
			-c 4 -w "$pc3" >"$E2E_TMP/dumpcap.log" 2>&1 &
		dc=$!
		sleep 3
		e2e_in p1 ping -c 4 -i 0.3 -W 1 8.8.8.8 >/dev/null
		wait "$dc"
		rc=$?
		e2e_assert_eq "dpdk-dumpcap -c 4 exits 0" 0 "$rc"
		[ "$rc" = 0 ] || tail -n 5 "$E2E_TMP/dumpcap.log" | sed 's/^/       | /'
		e2e_assert_eq "dpdk-dumpcap file: 4 ICMP packets of the node IP" 4 \
			"$(tshark_count "$pc3" 'icmp && ip.addr == 192.168.60.10 && ip.addr == 8.8.8.8')"
	fi
else
	e2e_fail "dpdk-dumpcap not installed (Debian dpdk-dev)"
fi

e2e_ping p1 10.244.0.3
e2e_stop d
e2e_assert_eq "daemon exits 0" 0 "$(e2e_drc d)"
e2e_finish
