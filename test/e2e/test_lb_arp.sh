#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e-timeout: 240
#
# test_lb_arp.sh: MetalLB's L2 mode with podswitch as the speaker
# (services.announce_arp). The outside host has no route to the service
# addresses, only its on-link subnet, so it reaches them by ARP alone:
#
#   b1 10.244.0.3 (server :8080) - podswitch (af_packet) == uplink == ext 192.168.60.50/24
#
#   web  LoadBalancer 10.96.0.10:80, nodePort 30080, ingress 192.168.60.200,
#        externalIPs 192.168.60.201 -> b1:8080
#
# Checked: a gratuitous ARP for each address on the wire (tshark on ext)
# when the service is applied; ext's curl to both reaches b1, its neighbor
# table holding the node MAC for them; an address no service has is not
# answered; after the service is deleted its addresses are not answered;
# restarted with a state directory, podswitch announces the restored
# address again; with the key off nothing is answered.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init lb_arp
for t in tshark python3 curl; do
	command -v "$t" >/dev/null || { e2e_fail "missing tool: $t"; e2e_finish; }
done
EXT="pse2e$E2E_ID-ext"
UP="pse2e${E2E_ID}up"
NODE_MAC=02:00:00:00:00:0a
LB=192.168.60.200
XIP=192.168.60.201
NOBODY=192.168.60.202

e2e_pods b1:3 || { e2e_fail "pods"; e2e_finish; }
e2e_uplink_peer "$EXT" "$UP" || { e2e_fail "ext namespace"; e2e_finish; }
e2e_bg ip netns exec "$(e2e_pod_ns b1)" python3 "$E2E_ECHO" b1

name="pse2e-lbarp-$E2E_ID"
ports="[ $(e2e_port_json b1 pod af_packet "$(e2e_pod_if b1)" 10.244.0.3 "$(e2e_pod_mac b1)"),
    $(e2e_port_json uplink0 uplink af_packet "$UP") ]"
cfg="$E2E_TMP/$name.json"
cfg_off="$E2E_TMP/$name-off.json"
e2e_config "$cfg" "$name" "$(e2e_eal_nohuge "$name")" "$ports" \
	"\"services\": { \"announce_arp\": true }, \"state\": { \"dir\": \"$E2E_TMP/state\" }"
e2e_config "$cfg_off" "$name" "$(e2e_eal_nohuge "$name")" "$ports"
sock="$E2E_TMP/$name.sock"
mkdir -p "$E2E_TMP/state"

cat >"$E2E_TMP/services.json" <<EOF
{ "kind": "List", "apiVersion": "v1", "items": [
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "web", "namespace": "default" },
    "spec": { "type": "LoadBalancer", "clusterIP": "10.96.0.10",
      "externalIPs": [ "$XIP" ],
      "ports": [ { "name": "p", "protocol": "TCP", "port": 80, "nodePort": 30080,
                   "targetPort": 8080 } ] },
    "status": { "loadBalancer": { "ingress": [ { "ip": "$LB" } ] } } },
  { "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
    "addressType": "IPv4", "metadata": { "name": "web-x", "namespace": "default",
      "labels": { "kubernetes.io/service-name": "web" } },
    "ports": [ { "name": "p", "protocol": "TCP", "port": 8080 } ],
    "endpoints": [ { "addresses": [ "10.244.0.3" ], "conditions": { "ready": true } } ] }
] }
EOF

# capture_start FILE: ARP on ext's eth0 as "sender-MAC sender-IP target-IP
# opcode" lines, until capture_stop.
capture_start() {
	cap=$1
	ip netns exec "$EXT" tshark -l -i eth0 -f arp -T fields \
		-e arp.src.hw_mac -e arp.src.proto_ipv4 -e arp.dst.proto_ipv4 \
		-e arp.opcode >"$cap" 2>"$cap.err" &
	cap_pid=$!
	for _i in $(seq 1 150); do	# tshark starts slowly on a busy machine
		grep -q Capturing "$cap.err" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.5
}
capture_stop() {
	sleep 0.5
	kill "$cap_pid" 2>/dev/null
	wait "$cap_pid" 2>/dev/null
}
# curl from ext; prints the body ("b1 <client>") or nothing
ext_curl() {
	ip netns exec "$EXT" curl -s --max-time "${2:-3}" "http://$1/" 2>/dev/null
}
# whether ext's kernel holds MAC for ip
# shellcheck disable=SC2317 # run through e2e_check
ext_neigh() {
	ip -n "$EXT" neigh show "$1" dev eth0 | grep -q "lladdr $2"
}

# --- announce_arp on
e2e_start d "$cfg"
e2e_wait_running d 20 || { e2e_stop d; e2e_finish; }
for _i in $(seq 1 50); do	# the server takes a moment
	ip netns exec "$(e2e_pod_ns b1)" curl -s --max-time 1 http://10.244.0.3:8080/ \
		>/dev/null && break
	sleep 0.2
done
e2e_check "ext has no route but its subnet" \
	bash -c "[ \"\$(ip -n $EXT -4 route show | grep -vc ' scope link')\" -eq 0 ]"

capture_start "$E2E_TMP/garp.txt"
e2e_check "podswitchctl apply -f services.json" \
	"$CTL" --socket "$sock" apply -f "$E2E_TMP/services.json"
capture_stop
e2e_assert_grep "gratuitous ARP for the ingress IP from the node MAC" \
	"^$NODE_MAC	$LB	$LB	1$" "$E2E_TMP/garp.txt"
e2e_assert_grep "gratuitous ARP for the external IP from the node MAC" \
	"^$NODE_MAC	$XIP	$XIP	1$" "$E2E_TMP/garp.txt"

out=$(ext_curl "$LB")
e2e_assert_eq "ext reaches the LoadBalancer IP on-link (b1, SNAT to the node)" \
	"b1 192.168.60.10" "$out"
e2e_check "ext's neighbor entry for $LB is the node MAC" ext_neigh "$LB" "$NODE_MAC"
out=$(ext_curl "$XIP")
e2e_assert_eq "ext reaches the external IP on-link" "b1 192.168.60.10" "$out"
e2e_check "ext's neighbor entry for $XIP is the node MAC" ext_neigh "$XIP" "$NODE_MAC"
out=$(ext_curl "$NOBODY" 4)
e2e_assert_eq "an address no service has is not answered" "" "$out"
e2e_check "no neighbor entry for $NOBODY" bash -c "! ip -n $EXT neigh show $NOBODY | grep -q lladdr"
tables=$("$CTL" --socket "$sock" --json stats 2>/dev/null)
e2e_assert_grep "stats count 2 announced addresses and 2 gratuitous ARPs" \
	'"arp_announce": *\{[^}]*"entries": *2,[^}]*"gratuitous_sent": *2' <(echo "$tables" | tr -d '\n')

# --- restart with the state directory: announced again at start
e2e_stop d
e2e_assert_eq "daemon exits 0" 0 "$(e2e_drc d)"
ip -n "$EXT" neigh flush dev eth0
capture_start "$E2E_TMP/garp2.txt"
e2e_start d "$cfg"
e2e_wait_running d 20 || { e2e_stop d; e2e_finish; }
capture_stop
e2e_assert_grep "after a restart the restored ingress IP is announced again" \
	"^$NODE_MAC	$LB	$LB	1$" "$E2E_TMP/garp2.txt"
out=$(ext_curl "$LB")
e2e_assert_eq "ext reaches the LoadBalancer IP after the restart" "b1 192.168.60.10" "$out"

# --- the service goes: its addresses are no longer answered
e2e_check "podswitchctl service del default/web" \
	"$CTL" --socket "$sock" service del default/web
ip -n "$EXT" neigh flush dev eth0
out=$(ext_curl "$LB" 4)
e2e_assert_eq "a deleted service's ingress IP is not answered" "" "$out"
e2e_stop d
e2e_assert_eq "daemon exits 0" 0 "$(e2e_drc d)"

# --- announce_arp off (the default): the same service, no answer
e2e_start d "$cfg_off"
e2e_wait_running d 20 || { e2e_stop d; e2e_finish; }
capture_start "$E2E_TMP/garp3.txt"
e2e_check "podswitchctl apply -f services.json (announce_arp off)" \
	"$CTL" --socket "$sock" apply -f "$E2E_TMP/services.json"
capture_stop
e2e_check "no gratuitous ARP with the key off" \
	bash -c "! grep -q '	$LB	$LB	' $E2E_TMP/garp3.txt"
ip -n "$EXT" neigh flush dev eth0
out=$(ext_curl "$LB" 4)
e2e_assert_eq "the ingress IP is not answered with the key off" "" "$out"
e2e_stop d
e2e_assert_eq "daemon exits 0" 0 "$(e2e_drc d)"
e2e_finish
