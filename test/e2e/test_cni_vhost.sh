#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_cni_vhost.sh: podswitch-cni's vhost-user mode, run as a container
# runtime runs the plugin (CNI_* environment, network configuration on
# stdin, Debian's host-local in CNI_PATH), with a real virtio peer:
#   - ADD with port.driver vhost-user: a CNI 1.0.0 result with a host-local
#     address, the pod MAC derived from it and the socket path; podswitch
#     has the port and listens on that socket;
#   - dpdk-testpmd joins the socket with a net_virtio_user device carrying
#     the pod's MAC, in icmpecho mode (it answers ARP and ICMP echo
#     requests); a second pod, ADDed through the same network with the
#     af_packet driver, pings the vhost pod's address and gets replies;
#   - CHECK passes; DEL removes podswitch's port and the socket file and
#     releases the address; a second DEL succeeds; host-local's store ends
#     empty.
# shellcheck source=lib.sh source-path=SCRIPTDIR
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

CNI=${PODSWITCH_CNI:-$E2E_TOP/build/app/podswitch-cni}
CNI_BIN_DIR=${CNI_BIN_DIR:-/usr/lib/cni}
TESTPMD=${TESTPMD:-dpdk-testpmd}

e2e_init cni-vhost
command -v python3 >/dev/null || { e2e_fail "no python3"; e2e_finish; }
command -v curl >/dev/null || { e2e_fail "no curl"; e2e_finish; }
command -v "$TESTPMD" >/dev/null || { e2e_fail "no $TESTPMD (dpdk package)"; e2e_finish; }
[ -x "$CNI_BIN_DIR/host-local" ] || { e2e_fail "no $CNI_BIN_DIR/host-local (containernetworking-plugins)"; e2e_finish; }
# a private copy: someone may relink the build while the test runs
cp "$CNI" "$E2E_TMP/bin/podswitch-cni" || { e2e_fail "no $CNI"; e2e_finish; }
CNI=$E2E_TMP/bin/podswitch-cni

name="cv$E2E_ID"
SOCK="$E2E_TMP/$name.sock"
VDIR="$E2E_TMP/vhost"		# port.socket_dir: the plugin creates it
IPAMDIR="$E2E_TMP/ipam"
VP="cv"				# host veth prefix of the af_packet pod

# conf DRIVER: the network configuration with that port driver. Same
# network name and IPAM store for both drivers: one pod subnet, one
# allocator, as two pods of the same network would have.
conf() {
	cat <<EOC
{ "cniVersion": "1.0.0", "name": "podnet-$name", "type": "podswitch-cni",
  "socket": "$SOCK",
  "port": { "driver": "$1", "socket_dir": "$VDIR", "veth_prefix": "$VP" },
  "ipam": { "type": "host-local", "dataDir": "$IPAMDIR",
            "ranges": [[{ "subnet": "10.244.0.0/24", "rangeStart": "10.244.0.10",
                          "rangeEnd": "10.244.0.250", "gateway": "10.244.0.1" }]],
            "routes": [{ "dst": "0.0.0.0/0" }] } }
EOC
}
conf vhost-user >"$E2E_TMP/vhost.conf"
conf af_packet >"$E2E_TMP/afp.conf"

# cni CMD ID NETNS CONF: run the plugin; stdout in OUT, status in RC.
cni() {
	OUT=$(CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=$3 CNI_IFNAME=eth0 \
	      CNI_PATH="$CNI_BIN_DIR" "$CNI" <"$4" 2>"$E2E_TMP/cni.err")
	RC=$?
}
# jq-like: python expression on the JSON in $1 (as j)
js() { python3 -c "import json,sys; j = json.loads(sys.argv[1]); print($2)" "$1" 2>&1; }
ipam_used() { find "$IPAMDIR" -type f -name '10.*' 2>/dev/null | wc -l; }
port_names() {
	curl -s --unix-socket "$SOCK" http://ps/v1/ports |
		python3 -c 'import json,sys; print(" ".join(p["name"] for p in json.load(sys.stdin)))'
}

# --- podswitch: af_packet uplink, room for hotplugged pod ports ----------
# On hugepages with --single-file-segments, as the vhost-user profile asks
# of both ends (its own flags are added only for ports of the file, and
# the vhost port here comes later, from the plugin).
if ! { e2e_netns "cv${E2E_ID}up" && e2e_veth "cv${E2E_ID}up" "cv${E2E_ID}up" eth0 02:00:00:00:00:0b; }; then
	e2e_fail "cannot create the uplink veth"
	e2e_finish
fi
cfg="$E2E_TMP/$name.json"
e2e_config "$cfg" "$name" \
	"[\"--no-pci\", \"--single-file-segments\", \"-m\", \"512\", \"--file-prefix=$name\"]" \
	"[ $(e2e_port_json up0 uplink af_packet "cv${E2E_ID}up") ]" \
	'"hotplug": { "max_ports": 4 }, "tables": { "conntrack": 16384 }'
sed -i "s|\"unix_socket\": \"[^\"]*\"|\"unix_socket\": \"$SOCK\"|" "$cfg"
e2e_start d "$cfg"
e2e_wait_running d 30 || e2e_finish

# --- 1. ADD, driver vhost-user --------------------------------------------
VNS="cv${E2E_ID}v"; VID="cv${E2E_ID}-vhost"
ANS="cv${E2E_ID}a"; AID="cv${E2E_ID}-afp"
# the runtime gives a vhost pod a netns too; the plugin only checks it exists
if ! { e2e_netns "$VNS" && e2e_netns "$ANS"; }; then
	e2e_fail "cannot create the pod namespaces"
	e2e_finish
fi
cni ADD "$VID" "/var/run/netns/$VNS" "$E2E_TMP/vhost.conf"
e2e_assert_eq "ADD vhost-user exits 0" 0 "$RC" || { echo "$OUT"; e2e_finish; }
VRES=$OUT
echo "$VRES" >"$E2E_TMP/result.vhost"
e2e_assert_eq "result: cniVersion 1.0.0" 1.0.0 "$(js "$VRES" 'j["cniVersion"]')"
VIP=$(js "$VRES" 'j["ips"][0]["address"]')
e2e_check "result: address $VIP from host-local's range" \
	python3 -c 'import ipaddress,sys; a = ipaddress.ip_interface(sys.argv[1]);
assert a.network == ipaddress.ip_network("10.244.0.0/24") and 10 <= int(a.ip) % 256 <= 250' "$VIP"
VIP=${VIP%/*}
e2e_check "  and host-local's store holds it" test -f "$IPAMDIR/podnet-$name/$VIP"
e2e_assert_eq "result: ips[0] is interface 0" 0 "$(js "$VRES" 'j["ips"][0]["interface"]')"
e2e_assert_eq "result: gateway 10.244.0.1" 10.244.0.1 "$(js "$VRES" 'j["ips"][0]["gateway"]')"
e2e_assert_eq "result: interface 0 is eth0" eth0 "$(js "$VRES" 'j["interfaces"][0]["name"]')"
# names.c: port "<12 chars of the container id>-<ifname>", socket
# <socket_dir>/<port>.sock, MAC 0a:58:<the IPv4 bytes>
VPORT="${VID:0:12}-eth0"
VSOCK="$VDIR/$VPORT.sock"
IFS=. read -r o1 o2 o3 o4 <<<"$VIP"
VMAC=$(printf '0a:58:%02x:%02x:%02x:%02x' "$o1" "$o2" "$o3" "$o4")
e2e_assert_eq "result: socketPath" "$VSOCK" "$(js "$VRES" 'j["interfaces"][0]["socketPath"]')"
e2e_assert_eq "result: MAC derived from the address" "$VMAC" "$(js "$VRES" 'j["interfaces"][0]["mac"]')"
e2e_assert_eq "GET /v1/ports/$VPORT: a vhost-user pod port with that address and MAC" \
	"200 pod vhost-user $VIP $VMAC" \
	"$(e2e_api "$SOCK" GET "/v1/ports/$VPORT"; echo -n "$CODE "; js "$BODY" '" ".join([j["role"], j["driver"], j["pod"]["ip"], j["pod"]["mac"].lower()])')"
e2e_check "podswitch listens on $VSOCK" test -S "$VSOCK"

# --- 2. a real virtio peer, pinged from an af_packet pod -------------------
# testpmd on hugepages too (the backend maps its memory through the
# socket: one file per memseg list), with its own file prefix for cleanup.
tp_prefix="cv-tp-$E2E_ID"
E2E_EXTRA_PREFIXES+=("$tp_prefix")
e2e_bg "$TESTPMD" --lcores '0@0,1@0' --file-prefix="$tp_prefix" --no-pci -m 256 \
	--single-file-segments \
	--vdev "net_virtio_user0,path=$VSOCK,mac=$VMAC,queue_size=256" \
	-- --forward-mode=icmpecho --auto-start --nb-cores=1 --stats-period 30 \
	--rxd=256 --txd=256 --total-num-mbufs=2048 >"$E2E_TMP/testpmd.log" 2>&1
TP_PID=$E2E_LAST_BG
# The vhost link comes up once the frontend has set its rings up.
link=false
for _ in $(seq 1 150); do
	e2e_api "$SOCK" GET "/v1/ports/$VPORT"
	link=$(js "$BODY" 'str(j["link_up"]).lower()')
	[ "$link" = true ] && break
	kill -0 "$TP_PID" 2>/dev/null || break
	sleep 0.1
done
e2e_assert_eq "the vhost port's link is up once testpmd has joined" true "$link" ||
	tail -n 15 "$E2E_TMP/testpmd.log" | sed 's/^/       | /'

cni ADD "$AID" "/var/run/netns/$ANS" "$E2E_TMP/afp.conf"
e2e_assert_eq "ADD af_packet (the pinging pod) exits 0" 0 "$RC"
ARES=$OUT
AID_PORT="${AID:0:12}-eth0"
AIP=$(js "$ARES" 'j["ips"][0]["address"].split("/")[0]')
e2e_check "  in the same subnet, another address ($AIP)" \
	test "${AIP%.*}" = 10.244.0 -a "$AIP" != "$VIP"
# Bridged in the pod subnet: ARP for the vhost pod's address is answered
# (by podswitch or by testpmd's icmpecho), then the echo requests reach
# testpmd, which turns them around.
# Warm-up (ARP, FDB), retried: the new port joins the workers' graphs a
# moment after ADD returns, and a failed ARP would stick for a while.
for _ in $(seq 1 10); do
	ip netns exec "$ANS" ping -c 1 -W 1 "$VIP" >/dev/null 2>&1 && break
	ip -n "$ANS" neigh flush dev eth0 2>/dev/null
done
out=$(ip netns exec "$ANS" ping -c 3 -i 0.2 -W 1 "$VIP" 2>&1)
if grep -q ' 0% packet loss' <<<"$out"; then
	e2e_ok "af_packet pod $AIP pings the vhost pod $VIP: $(grep -o '[0-9]* received' <<<"$out")"
else
	e2e_fail "af_packet pod $AIP pings the vhost pod $VIP: $(grep 'packet loss' <<<"$out" || echo "$out")"
	ip -n "$ANS" neigh show | sed 's/^/       | neigh: /'
fi
e2e_check "  its neighbour entry has the pod MAC $VMAC" \
	bash -c "ip -n $ANS neigh show $VIP | grep -q 'lladdr $VMAC'"
e2e_api "$SOCK" GET "/v1/ports/$VPORT"
e2e_assert_ge "  the vhost port's tx_packets count the requests" 3 "$(js "$BODY" 'j["counters"]["tx_packets"]')"
e2e_assert_ge "  and its rx_packets testpmd's replies" 3 "$(js "$BODY" 'j["counters"]["rx_packets"]')"
e2e_check "testpmd still runs" kill -0 "$TP_PID"

# --- 3. CHECK, DEL, DEL again ---------------------------------------------
python3 - "$E2E_TMP/vhost.conf" "$E2E_TMP/result.vhost" >"$E2E_TMP/check.conf" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["prevResult"] = json.load(open(sys.argv[2]))
print(json.dumps(c))
PY
cni CHECK "$VID" "/var/run/netns/$VNS" "$E2E_TMP/check.conf"
e2e_assert_eq "CHECK of the vhost pod exits 0 ($OUT)" 0 "$RC"

# DEL while testpmd is still attached: the runtime does not wait for the
# pod's virtio process to let go of the socket.
cni DEL "$VID" "/var/run/netns/$VNS" "$E2E_TMP/vhost.conf"
e2e_assert_eq "DEL of the vhost pod exits 0 ($OUT)" 0 "$RC"
e2e_api "$SOCK" GET "/v1/ports/$VPORT"
e2e_assert_eq "  podswitch has no port $VPORT (GET -> 404)" 404 "$CODE"
e2e_assert_eq "  nor does GET /v1/ports list it" "up0 $AID_PORT" "$(port_names)"
e2e_check "  the socket file is gone" test ! -e "$VSOCK"
e2e_check "  host-local released $VIP" test ! -e "$IPAMDIR/podnet-$name/$VIP"
cni CHECK "$VID" "/var/run/netns/$VNS" "$E2E_TMP/check.conf"
e2e_assert_eq "CHECK after DEL fails (code 100)" 100 "$(js "$OUT" 'j["code"]')"
cni DEL "$VID" "/var/run/netns/$VNS" "$E2E_TMP/vhost.conf"
e2e_assert_eq "second DEL of the vhost pod exits 0 ($OUT)" 0 "$RC"
e2e_check "the daemon still runs" e2e_alive "$(e2e_dpid d)"
e2e_check "the af_packet pod still reaches the gateway" \
	ip netns exec "$ANS" ping -c 1 -W 2 -q 10.244.0.1

cni DEL "$AID" "/var/run/netns/$ANS" "$E2E_TMP/afp.conf"
e2e_assert_eq "DEL of the af_packet pod exits 0 ($OUT)" 0 "$RC"
e2e_assert_eq "host-local's store holds no address" 0 "$(ipam_used)"
e2e_assert_eq "podswitch has only the uplink left" up0 "$(port_names)"

e2e_stop d
e2e_assert_eq "podswitch exits 0 on SIGTERM" 0 "$(e2e_drc d)"
e2e_finish
