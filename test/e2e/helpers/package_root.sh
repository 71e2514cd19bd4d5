#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# package_root.sh LOWER DIR DEB: the half of test_package.sh that runs in a
# private mount namespace (unshare -m). An overlay of the clean root LOWER
# (upper and work directories in DIR) becomes DIR/root; DIR/DEB is
# installed there with apt and checked. Prints "RESULT ok|FAIL <what>",
# "DETAIL <line>" under a failure, and "RESULT DONE" at the end; whatever
# it mounted goes with the namespace.
# shellcheck disable=SC2016 # commands for the root, expanded there
set -u -o pipefail
lower=$1 dir=$2 deb=$3
R=$dir/root
# the installed programs find their own profiles, not the tree's
unset PODSWITCH_DRIVERS_DIR

ok() { echo "RESULT ok $*"; }
fail() { echo "RESULT FAIL $*"; }
detail() { sed 's/^/DETAIL /' | tail -n "${1:-20}"; }
# check DESCRIPTION CMD...: in the root
check() {
	local desc=$1 out
	shift
	if out=$(chroot "$R" "$@" 2>&1); then
		ok "$desc"
	else
		fail "$desc (exit $?)"
		printf '%s\n' "$out" | detail
	fi
}

mount -t overlay overlay \
	-o "lowerdir=$lower,upperdir=$dir/upper,workdir=$dir/work" "$R" || {
	fail "overlay of the clean root"
	exit 1
}
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount --rbind /dev "$R/dev"
mount -t tmpfs tmpfs "$R/run"
cp /etc/resolv.conf "$R/etc/resolv.conf"
cp "$dir/$deb" "$R/tmp/"

# apt as on a fresh machine: the package, its dependencies from the
# mirror; systemd (Debian 12's init) and man-db for the checks below.
if out=$(chroot "$R" apt-get update -q 2>&1) &&
   out=$(chroot "$R" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends "/tmp/$deb" systemd man-db 2>&1); then
	ok "apt install ./$deb in a fresh Debian 12 root (with its dependencies)"
else
	fail "apt install ./$deb in a fresh Debian 12 root"
	printf '%s\n' "$out" | detail 30
	echo "RESULT DONE"
	exit 1
fi
check "dpkg says podswitch is installed" \
	sh -c "dpkg-query -W -f='\${Status}' podswitch | grep -qx 'install ok installed'"
check "every library of the four programs resolves" \
	sh -c '! ldd /usr/bin/podswitch /usr/bin/podswitchctl /usr/bin/podswitch-agent /usr/bin/podswitch-cni | grep "not found"'
check "podswitch --check-config /etc/podswitch/node.json" \
	podswitch --check-config /etc/podswitch/node.json
check "the installed driver profiles are the default" \
	sh -c 'podswitch --help | grep -q "default /usr/share/podswitch/drivers-cfg)"'
check "podswitchctl --version" podswitchctl --version
for page in podswitch podswitchctl; do
	check "man -l renders $page(8) without warnings" sh -c "
		out=\$(MANWIDTH=80 man --warnings -l /usr/share/man/man8/$page.8.gz 2>&1 >/tmp/$page.txt) &&
		[ -z \"\$out\" ] || { echo \"\$out\"; exit 1; }
		grep -q '^NAME' /tmp/$page.txt && grep -q '^SYNOPSIS' /tmp/$page.txt"
done
check "man podswitch finds the page by name" sh -c 'man -w podswitch | grep -q man8/podswitch.8'
check "systemd-analyze verify of both units" \
	systemd-analyze verify --man=no /lib/systemd/system/podswitch.service \
	/lib/systemd/system/podswitch-agent.service
check "the units are installed, not enabled" \
	sh -c '[ "$(systemctl is-enabled podswitch.service 2>&1)" = disabled ]'
check "bash completion of podswitchctl loads and completes" bash -c '
	. /usr/share/bash-completion/completions/podswitchctl &&
	COMP_WORDS=(podswitchctl serv) COMP_CWORD=1 && _podswitchctl &&
	[ "${COMPREPLY[*]}" = service ]'

# First without systemd: the unit's command lines, its runtime and state
# directories, its stop signal; in a network namespace of its own (the
# packaged node.json creates two TAP devices).
unit=$R/lib/systemd/system/podswitch.service
pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
start=$(sed -n 's/^ExecStart=//p' "$unit")
sig=$(sed -n 's/^KillSignal=SIG//p' "$unit")
mkdir -p "$R/run/podswitch" "$R/var/lib/podswitch"
# shellcheck disable=SC2086 # the unit's command line, split as systemd does
if out=$(chroot "$R" $pre 2>&1); then
	ok "the unit's ExecStartPre: $pre"
else
	fail "the unit's ExecStartPre: $pre"
	printf '%s\n' "$out" | detail
fi
# shellcheck disable=SC2086
unshare -n chroot "$R" $start >"$dir/daemon.log" 2>&1 &
pid=$!
up=0
for _ in $(seq 1 300); do
	grep -qE '^podswitch: node .* running' "$dir/daemon.log" && { up=1; break; }
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ $up = 1 ]; then
	ok "the unit's ExecStart runs the packaged node: $start"
else
	fail "the unit's ExecStart runs the packaged node: $start"
	detail <"$dir/daemon.log"
fi
if out=$(chroot "$R" podswitchctl status 2>&1) && printf '%s\n' "$out" | grep -q node; then
	ok "the installed podswitchctl reaches it on the default socket"
else
	fail "the installed podswitchctl reaches it on the default socket"
	printf '%s\n' "$out" | detail
fi
kill "-${sig:-TERM}" "$pid" 2>/dev/null
for _ in $(seq 1 300); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
	kill -KILL "$pid"
	fail "the daemon stops on SIG${sig:-TERM} within 30 s"
fi
wait "$pid"
rc=$?
if [ $rc = 0 ]; then
	ok "the daemon exits 0 on SIG${sig:-TERM}"
else
	fail "the daemon exits 0 on SIG${sig:-TERM} (exit $rc)"
	detail <"$dir/daemon.log"
fi

# systemctl start, with systemd: booted in the root as a container's init.
# shellcheck source-path=SCRIPTDIR
. "$dir/package_boot.sh"
boot_checks "$R" "$dir"
echo "RESULT DONE"
