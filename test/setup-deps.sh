#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install what podswitch needs to build and test (Debian 12), then give the
# machine hugepages and bpffs. Safe to run again: it only installs what is
# missing. Needs root.
set -euo pipefail

PKGS=(
	# build
	gcc pkg-config meson ninja-build dpdk-dev libnuma-dev libpcap-dev
	libjansson-dev libcunit1-dev
	# devtools/lint.sh
	shellcheck
	# the libFuzzer harnesses of test/fuzz (ASan/UBSan come with gcc)
	clang-14 libfuzzer-14-dev
	# podswitch-agent: HTTPS to the Kubernetes API server, kubeconfig
	libcurl4-openssl-dev libyaml-dev
	# test_package: build the .deb (debian/), a fresh Debian 12 root
	debhelper dh-exec dpkg-dev debootstrap
	# run and test peers
	dpdk iproute2 iputils-ping procps curl ethtool tshark python3
	# the ingress pod of test_services_two_nodes (the course's scenario)
	nginx-light
	# the kernel's service programming beside podswitch's
	# (perf/ctl_vs_kernel.sh: nft, iptables-nft/-legacy, ipvsadm)
	nftables iptables ipvsadm
	# host-local IPAM for podswitch-cni (test_cni)
	containernetworking-plugins
	# promtool checks /metrics (test_rest, e2e test_vxlan)
	prometheus
	# the test API server's certificates (test/k8s/certs.sh); kubectl
	# itself comes with the image (Debian's kubernetes-client 1.20 would
	# replace it), test_kubectl.sh skips without it
	openssl
	# perf/rig.sh's OVS-DPDK DUT (perf/ovs.sh runs its own daemons)
	openvswitch-switch-dpdk
)

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-deps: run as root (namespaces, hugepages and packages need it)" >&2
	exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
	# The tests run their own nginx in network namespaces; the package's
	# service, started on port 80 where systemd runs, is not wanted.
	if [[ " ${missing[*]} " == *" nginx-light "* ]] && command -v systemctl >/dev/null &&
	   systemctl is-active -q nginx 2>/dev/null; then
		systemctl disable -q --now nginx || true
	fi
	# Likewise the rig starts OVS by hand in a directory of its own: the
	# system's Open vSwitch service is not wanted.
	if [[ " ${missing[*]} " == *" openvswitch-switch-dpdk "* ]] && command -v systemctl >/dev/null &&
	   systemctl is-active -q openvswitch-switch 2>/dev/null; then
		systemctl disable -q --now openvswitch-switch || true
	fi
fi
# The DPDK build of ovs-vswitchd (the package installs it as an
# alternative to the plain one).
if [ -x /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk ] &&
   ! ovs-vswitchd --version 2>/dev/null | grep -q DPDK; then
	update-alternatives --set ovs-vswitchd /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk >/dev/null
fi

# 1024 x 2 MiB hugepages for the daemons and testpmd; tests that can run
# without them use --no-huge.
if [ "$(cat /proc/sys/vm/nr_hugepages)" -lt 1024 ]; then
	echo 1024 > /proc/sys/vm/nr_hugepages || true
fi
mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages
# AF_XDP ports pin their XDP maps in bpffs.
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
echo "setup-deps: ready (hugepages: $(cat /proc/sys/vm/nr_hugepages))"
