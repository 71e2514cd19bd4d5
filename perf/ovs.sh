# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# (SC2034: OVS_WHY and KEEP are read by the scripts that source this)
#
# Open vSwitch with DPDK as a device under test of perf/rig.sh and
# perf/svc_rig.sh (perf/README.md, "OVS-DPDK"). Source it after lib.sh.
#
# Each case gets a private OVS: ovsdb-server and ovs-vswitchd started by
# hand with their database, sockets and logs in DIR/ovs (not the system
# service, which may not even be installed as a service), and stopped at
# the end of the case. Placement as the other DUTs: one PMD thread alone
# on DUT_CPU (pmd-cpu-mask), the main thread (dpdk-lcore-mask) and every
# other thread (handler, revalidator, vhost and EAL control threads, and
# ovsdb-server) on GEN_CPU. The generator's virtio-user sockets are
# joined as dpdkvhostuserclient ports: v0 (OpenFlow port 1) on p0.sock,
# v1 (port 2) on p1.sock.
#
# Programs (OVS_MODE):
#   l2   the bridge's default flow, NORMAL: MAC learning, the loop's two
#        MACs are learned from the first frames.
#   l3   an OpenFlow router: frames to the router MAC, per destination
#        prefix (priority = prefix length, longest wins), dec_ttl,
#        mod_dl_src/dst and output (in_port cleared first, so that a
#        route may lead back out of the ingress port); the two routes of perf/rig.sh's l3
#        (10.253.0.0/23 out of v0, 10.253.0.0/16 out of v1) and, with
#        OVS_ROUTES=FILE (rig.sh's generated "routes" entries), its 100k
#        prefixes, one flow each.
#   svc  a ClusterIP service as OVN programs a load balancer: ct(nat) in
#        a zone (a committed connection's packets are translated by that
#        one pass and go on: +dnat), new ones to a select group
#        (dp_hash) of 10 buckets, each ct(commit, nat(dst=endpoint:5353)),
#        then routed out of v1. Unlike OVN's flows, the pass-through
#        matches +dnat, not +est: OVS, like Linux, keeps a UDP connection
#        that never saw a reply +new, and OVN would send each such packet
#        through the group again (a second ct pass and a recirculation);
#        the rig's traffic has no replies, so this is the cheaper way.
#
# Uses: WORK, TAG, CASE, GEN_CPU, DUT_CPU, PIDS (lib.sh). Sets DUT_PID
# (ovs-vswitchd), OVS_DB_PID, OVS_RUN.

OVS_SCHEMA=${OVS_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}
# hugepage memory of ovs-vswitchd, MB: its shared mempool shrinks to fit
OVS_SOCKET_MEM=${OVS_SOCKET_MEM:-512}

# ovs_available: true when ovs-vswitchd built with DPDK and the tools are
# there; otherwise OVS_WHY says what is missing.
ovs_available() {
	local t
	for t in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl ovs-appctl; do
		if ! command -v "$t" >/dev/null; then
			OVS_WHY="no $t (apt-get install openvswitch-switch-dpdk)"
			return 1
		fi
	done
	if ! ovs-vswitchd --version 2>/dev/null | grep -q DPDK; then
		OVS_WHY="ovs-vswitchd has no DPDK: update-alternatives --set ovs-vswitchd /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
		return 1
	fi
	[ -r "$OVS_SCHEMA" ] || { OVS_WHY="no $OVS_SCHEMA"; return 1; }
}

ovs_vsctl() { ovs-vsctl --db="unix:$OVS_RUN/db.sock" --timeout=60 "$@"; }
ovs_appctl() { ovs-appctl -t "$OVS_RUN/vswitchd.ctl" "$@"; }
# OpenFlow 1.5 for the group's selection_method
# (its warnings, e.g. about its own long poll intervals while it sends
# 100k flows, go to the log)
ovs_ofctl() {
	local c=$1
	shift
	ovs-ofctl -O OpenFlow15 "$c" "unix:$OVS_RUN/$OVS_BR.mgmt" "$@" 2>>"$OVS_RUN/ofctl.log"
}

# ovs_pin: every thread of ovs-vswitchd but the PMD ones on GEN_CPU
# (threads made later, e.g. per port, inherit the main thread's set)
ovs_pin() {
	local t comm
	for t in /proc/"$DUT_PID"/task/*; do
		comm=$(cat "$t/comm" 2>/dev/null) || continue
		case $comm in pmd*) continue ;; esac
		taskset -p -c "$GEN_CPU" "${t##*/}" >/dev/null 2>&1 || true
	done
	# for the record: each thread's CPU list
	for t in /proc/"$DUT_PID"/task/*; do
		echo "$(cat "$t/comm" 2>/dev/null) $(taskset -p -c "${t##*/}" 2>/dev/null | sed 's/.*: //')"
	done >"$OVS_RUN/threads"
}

# ovs_l3_flows FILE: the router's flows (OVS_ROUTES: the extra prefixes)
ovs_l3_flows() {
	# in_port cleared: OpenFlow never outputs to the ingress port, and a
	# router sends out of it when the route says so (as podswitch does)
	local out=$1 rt="actions=dec_ttl,mod_dl_src:$FG_DST,load:0->NXM_OF_IN_PORT[]"
	{
		echo "table=0,priority=100,ip,dl_dst=$FG_DST,actions=resubmit(,1)"
		echo "table=0,priority=0,actions=drop"
		if [ -n "${OVS_ROUTES:-}" ]; then
			# "dst": "A.B.C.0/L" entries -> one flow per prefix
			awk -v rt="$rt,mod_dl_dst:$MAC_B,output:2" -F'"' '/"dst"/ {
				split($4, p, "/")
				printf "table=1,priority=%d,ip,nw_dst=%s,%s\n", p[2] * 10, $4, rt }' "$OVS_ROUTES"
		fi
		[ "$L3_NH" = 2 ] &&
			echo "table=1,priority=${FG_DST_HALF#*/}0,ip,nw_dst=$FG_DST_HALF,$rt,mod_dl_dst:$MAC_A,output:1"
		echo "table=1,priority=${FG_DST_NET#*/}0,ip,nw_dst=$FG_DST_NET,$rt,mod_dl_dst:$MAC_B,output:2"
		echo "table=1,priority=0,actions=drop"
	} >"$out"
}

# ovs_svc_flows FILE GROUPFILE: the load balancer (svc_rig.sh's service)
ovs_svc_flows() {
	local i b=""
	cat >"$1" <<EOF
table=0,priority=100,udp,nw_dst=$VIP,tp_dst=53,actions=ct(zone=1,nat,table=1)
table=0,priority=0,actions=drop
table=1,priority=100,ct_state=+new+trk,udp,nw_dst=$VIP,tp_dst=53,actions=group:1
table=1,priority=90,ct_state=+trk+dnat,ip,actions=resubmit(,2)
table=1,priority=0,actions=drop
table=2,priority=100,ip,nw_dst=10.244.1.0/24,actions=dec_ttl,mod_dl_src:$NODE_MAC,mod_dl_dst:$MAC_B,output:2
table=2,priority=0,actions=drop
EOF
	for i in $(seq 1 10); do
		b="$b,bucket=bucket_id:$i,weight:100,actions=ct(commit,zone=1,nat(dst=10.244.1.$i:5353),table=2)"
	done
	echo "group_id=1,type=select,selection_method=dp_hash$b" >"$2"
}

# ovs_start DIR MODE: OVS for a case (MODE l2, l3 or svc, see above),
# programmed, its two vhost-user ports created; the generator's sockets
# are DIR/p0.sock and DIR/p1.sock. Log in DIR/dut.log.
ovs_start() {
	local dir=$1 mode=$2 i
	OVS_RUN=$dir/ovs
	# a netdev bridge is also a tap device: a name of this run
	OVS_BR=psb$$
	mkdir -p "$OVS_RUN"
	ovsdb-tool create "$OVS_RUN/conf.db" "$OVS_SCHEMA"
	OVS_RUNDIR=$OVS_RUN OVS_DBDIR=$OVS_RUN OVS_LOGDIR=$OVS_RUN \
		taskset -c "$GEN_CPU" ovsdb-server "$OVS_RUN/conf.db" \
		--remote="punix:$OVS_RUN/db.sock" --unixctl="$OVS_RUN/ovsdb.ctl" \
		--log-file="$OVS_RUN/ovsdb-server.log" >"$OVS_RUN/ovsdb.out" 2>&1 &
	OVS_DB_PID=$!
	PIDS+=("$OVS_DB_PID")
	for i in $(seq 100); do [ -S "$OVS_RUN/db.sock" ] && break; sleep 0.1; done
	ovs_vsctl --no-wait init
	ovs_vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
		"other_config:dpdk-lcore-mask=$(printf '0x%x' $((1 << GEN_CPU)))" \
		"other_config:pmd-cpu-mask=$(printf '0x%x' $((1 << DUT_CPU)))" \
		"other_config:dpdk-socket-mem=$OVS_SOCKET_MEM" \
		"other_config:dpdk-socket-limit=$OVS_SOCKET_MEM" \
		"other_config:dpdk-extra=--no-pci --file-prefix=$TAG-ovs-$CASE --single-file-segments" \
		other_config:n-handler-threads=1 other_config:n-revalidator-threads=1
	OVS_RUNDIR=$OVS_RUN OVS_DBDIR=$OVS_RUN OVS_LOGDIR=$OVS_RUN \
		ovs-vswitchd "unix:$OVS_RUN/db.sock" --unixctl="$OVS_RUN/vswitchd.ctl" \
		--log-file="$OVS_RUN/ovs-vswitchd.log" >"$dir/dut.log" 2>&1 &
	DUT_PID=$!
	PIDS+=("$DUT_PID")
	for i in $(seq 300); do
		ovs_vsctl get Open_vSwitch . dpdk_initialized 2>/dev/null | grep -q true && break
		kill -0 "$DUT_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! ovs_vsctl get Open_vSwitch . dpdk_initialized 2>/dev/null | grep -q true; then
		KEEP=1
		tail -20 "$OVS_RUN/ovs-vswitchd.log" >&2
		die "ovs-vswitchd: DPDK did not initialise (see $OVS_RUN)"
	fi
	ovs_vsctl add-br "$OVS_BR" -- set bridge "$OVS_BR" datapath_type=netdev
	case $mode in
	l3)
		ovs_l3_flows "$dir/ovs.flows"
		ovs_ofctl del-flows
		ovs_ofctl add-flows "$dir/ovs.flows"
		;;
	svc)
		# UDP timeouts of 3600 s in the zone, as podswitch's
		# udp_single: nothing expires between two passes of the pcap
		# (OVS's defaults, 30-60 s, are shorter than one pass when
		# the machine is loaded)
		ovs_vsctl -- --id=@m create Datapath datapath_version=0 \
			-- set Open_vSwitch . datapaths:netdev=@m >/dev/null
		ovs_vsctl add-zone-tp netdev zone=1 udp_first=3600 udp_single=3600 \
			udp_multiple=3600
		ovs_svc_flows "$dir/ovs.flows" "$dir/ovs.groups"
		ovs_ofctl del-flows
		ovs_ofctl add-groups "$dir/ovs.groups"
		ovs_ofctl add-flows "$dir/ovs.flows"
		;;
	esac
	ovs_vsctl add-port "$OVS_BR" v0 -- set Interface v0 type=dpdkvhostuserclient \
		"options:vhost-server-path=$dir/p0.sock" ofport_request=1 \
		-- add-port "$OVS_BR" v1 -- set Interface v1 type=dpdkvhostuserclient \
		"options:vhost-server-path=$dir/p1.sock" ofport_request=2
	ovs_pin
	# both vhost devices up before the generator sends (the loop's
	# frames sent to a port not yet ready would be lost for good)
	for i in $(seq 300); do
		[ "$(grep -c "vHost Device .* has been added" "$OVS_RUN/ovs-vswitchd.log")" -ge 2 ] && break
		kill -0 "$DUT_PID" 2>/dev/null || break
		sleep 0.1
	done
	log "  ovs: $(ovs_ofctl dump-aggregate | grep -o 'flow_count=[0-9]*') OpenFlow flows ($mode)"
}

# ovs_snap DIR K: the ports' counters (DIR/ovs.ports, "K port rx tx
# txdropped"); at K=1 the PMD statistics are cleared, at K=LAST
# (ovs_snap DIR K last) they are saved in DIR/pmd.txt.
ovs_snap() {
	ovs_ofctl dump-ports 2>/dev/null | awk -v k="$2" '
		$1 == "port" { p = $2; gsub(/[":]/, "", p)
			for (i = 3; i <= NF; i++) if ($i ~ /^pkts=/) { rx = $i; gsub(/[^0-9]/, "", rx) } }
		$1 == "tx" && p != "" && p != "LOCAL" { tx = $2; d = $4; gsub(/[^0-9]/, "", tx); gsub(/[^0-9]/, "", d)
			print k, p, rx, tx, d; p = "" }' >>"$1/ovs.ports"
	if [ "$2" = 1 ]; then ovs_appctl dpif-netdev/pmd-stats-clear >/dev/null; fi
	if [ "${3:-}" = last ]; then ovs_appctl dpif-netdev/pmd-stats-show >"$1/pmd.txt" 2>&1 || true; fi
}

# ovs_figures DIR: "busy cycles_per_frame passes_per_frame" of the PMD
# thread between the first and last snapshot: processing cycles (the
# polls that got frames) over all its cycles, and over the frames it
# received; datapath passes (1 + recirculations) per frame.
ovs_figures() {
	awk '
		/^pmd thread/ { pmd = 1 } /^main thread/ { pmd = 0 }
		!pmd { next }
		/packets received:/ { rx = $3 }
		/avg. datapath passes per packet:/ { pass = $NF }
		/idle cycles:/ { idle = $3 }
		/processing cycles:/ { proc = $3 }
		END {
			if (idle + proc <= 0 || rx <= 0) { print "- - -"; exit }
			printf "%.0f%% %.0f %s\n", 100 * proc / (idle + proc), proc / rx, pass
		}' "$1/pmd.txt"
}

# ovs_summary DIR: a few lines on what OVS did (for the report)
ovs_summary() {
	awk '/^pmd thread/ { pmd = 1 } /^main thread/ { pmd = 0 }
		pmd && /(received|passes|emc hits|smc hits|megaflow hits|upcall|cycles)/ { sub(/^ +/, ""); printf "    %s\n", $0 }' "$1/pmd.txt"
	echo "    datapath flows at the end: $(cat "$1/ovs.dpflows" 2>/dev/null || echo -)"
	echo "    threads (name:CPUs): $(awk '{ printf "%s:%s ", $1, $2 }' "$1/ovs/threads" 2>/dev/null)"
}

# ovs_stop DIR: ovs-vswitchd, then ovsdb-server (SIGTERM: OVS ignores the
# SIGINT the other DUTs get for a while)
ovs_stop() {
	# for the record: what the datapath and the OpenFlow tables did
	ovs_appctl dpctl/dump-flows -m >"$1/ovs.dpflows.txt" 2>&1 || true
	grep -c . "$1/ovs.dpflows.txt" >"$1/ovs.dpflows" || true
	ovs_ofctl dump-flows >"$1/ovs.ofstats.txt" 2>&1 || true
	ovs_ofctl dump-group-stats >>"$1/ovs.ofstats.txt" 2>&1 || true
	# the bridge's tap device outlives ovs-vswitchd (it is persistent)
	ovs_vsctl del-br "$OVS_BR" 2>/dev/null || true
	kill -TERM "$DUT_PID" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$DUT_PID" 2>/dev/null || break; sleep 0.1; done
	stop_pid "$DUT_PID" 1
	kill -TERM "$OVS_DB_PID" 2>/dev/null || true
	stop_pid "$OVS_DB_PID" 2
	ip link del "$OVS_BR" 2>/dev/null || true
}
