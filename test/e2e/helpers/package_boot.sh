#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# package_boot.sh: sourced by package_root.sh (its ok, fail, detail); the
# installed root booted with systemd as PID 1 of a container, the packaged
# unit driven with systemctl.
#
# This machine's PID 1 is not systemd, and systemd-nspawn is not needed:
# systemd runs as a container's init when told so (container= in its
# environment) and given what nspawn would give it, all made here:
#   - PID, UTS, IPC, network and cgroup namespaces (unshare), the root by
#     chroot, /proc of the new PID namespace;
#   - a cgroup2 hierarchy it may own: a fresh child cgroup of the host's
#     cgroup2 mount (/sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified
#     on a hybrid one like this machine's), which the cgroup namespace makes
#     its root, mounted at /sys/fs/cgroup;
#   - /sys read-only (so no udev), a /dev of its own with the host's
#     null, zero, full, random, urandom, tty and net/tun (the packaged
#     node.json makes two TAP devices), its own devpts, /dev/console a log
#     file; /run a fresh tmpfs.
# No drop-in: the shipped unit and /etc/podswitch/node.json (which asks
# for --no-huge) run as they are. Every mount lives in the container's
# mount namespace and goes with it; the cgroup is removed at the end.
# shellcheck disable=SC2016 # commands for the container, expanded there

# The host's cgroup2 mount, or nothing.
boot_cgroup2() {
	local m
	for m in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		if [ "$(stat -f -c %T "$m" 2>/dev/null)" = cgroup2fs ]; then
			echo "$m"
			return 0
		fi
	done
	return 1
}

# Run by unshare as PID 1 of the new namespaces: $1 root, $2 console log.
BOOT_INIT='
set -e
R=$1
mount -t sysfs -o ro sysfs "$R/sys"
mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup"
mount -t tmpfs -o mode=755,nosuid tmpfs "$R/dev"
mkdir -p "$R/dev/net" "$R/dev/pts" "$R/dev/shm"
for n in null zero full random urandom tty net/tun; do
	touch "$R/dev/$n"
	mount --bind "/dev/$n" "$R/dev/$n"
done
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
touch "$R/dev/console"
mount --bind "$2" "$R/dev/console"
mount -t tmpfs -o mode=755,nosuid tmpfs "$R/run"
exec chroot "$R" /usr/bin/env -i container=podswitch-test /lib/systemd/systemd
'

BOOT_CT=""	# unshare's pid while the container runs
BOOT_INIT_PID=""

# in_ct CMD...: CMD in every namespace and the root of the container.
in_ct() { timeout 90 nsenter -t "$BOOT_INIT_PID" -a -r -w "$@"; }

# boot_kill: the container's init killed (and with it its PID namespace).
boot_kill() {
	[ -n "$BOOT_INIT_PID" ] && kill -KILL "$BOOT_INIT_PID" 2>/dev/null
	[ -n "$BOOT_CT" ] && wait "$BOOT_CT" 2>/dev/null
	BOOT_CT=""
}

# boot_start R DIR CGROUP: systemd up as the container's PID 1, running.
boot_start() {
	local R=$1 dir=$2 cg=$3 st=""
	: >"$dir/console.log"
	(
		echo "$BASHPID" >"$cg/cgroup.procs" || exit 1
		exec unshare --pid --fork --uts --ipc --net --cgroup \
			--mount-proc="$R/proc" bash -c "$BOOT_INIT" init "$R" "$dir/console.log"
	) >"$dir/boot.log" 2>&1 &
	BOOT_CT=$!
	for _ in $(seq 1 300); do
		BOOT_INIT_PID=$(pgrep -P "$BOOT_CT" | head -n1)
		if [ -n "$BOOT_INIT_PID" ] && [ "$(cat "/proc/$BOOT_INIT_PID/comm" 2>/dev/null)" = systemd ]; then
			st=$(in_ct systemctl is-system-running 2>/dev/null)
			case $st in running | degraded) break ;; esac
		fi
		kill -0 "$BOOT_CT" 2>/dev/null || break
		sleep 0.1
	done
	if [ "$st" = running ]; then
		ok "systemd boots as PID 1 of a container in the installed root (running)"
		return 0
	fi
	fail "systemd boots as PID 1 of a container in the installed root (state '$st')"
	{ cat "$dir/boot.log"; [ -n "$BOOT_INIT_PID" ] && in_ct systemctl --failed --no-pager; } 2>&1 | detail
	return 1
}

# res DESCRIPTION CMD...: ok or fail as CMD (run here) succeeds.
res() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}

# boot_unit: systemctl start, status, stop of the packaged unit.
boot_unit() {
	local out up=0
	if out=$(in_ct systemctl start podswitch 2>&1); then
		ok "systemctl start podswitch"
	else
		fail "systemctl start podswitch"
		{ echo "$out"; in_ct journalctl -u podswitch --no-pager; } 2>&1 | detail 30
	fi
	for _ in $(seq 1 300); do
		out=$(in_ct podswitchctl status 2>&1) && { up=1; break; }
		sleep 0.1
	done
	if [ $up = 1 ] && printf '%s\n' "$out" | grep -q node; then
		ok "the installed podswitchctl status answers on the default socket"
	else
		fail "the installed podswitchctl status answers on the default socket"
		{ echo "$out"; in_ct journalctl -u podswitch --no-pager; } 2>&1 | detail 30
	fi
	out=$(in_ct systemctl is-active podswitch 2>&1)
	res "systemctl is-active podswitch: active ('$out')" [ "$out" = active ]
	out=$(in_ct systemctl show -p ControlGroup --value podswitch 2>&1)
	res "the daemon runs in the unit's cgroup ('$out')" \
		[ "$out" = /system.slice/podswitch.service ]
	res "systemd made the unit's RuntimeDirectory and StateDirectory" \
		in_ct test -d /run/podswitch -a -d /var/lib/podswitch
	if out=$(in_ct systemctl stop podswitch 2>&1); then
		ok "systemctl stop podswitch"
	else
		fail "systemctl stop podswitch"
		echo "$out" | detail
	fi
	out=$(in_ct systemctl show -p ActiveState -p Result -p ExecMainStatus \
		-p NRestarts podswitch 2>&1 | sort | tr '\n' ' ')
	if [ "$out" = "ActiveState=inactive ExecMainStatus=0 NRestarts=0 Result=success " ]; then
		ok "the daemon stopped cleanly: $out"
	else
		fail "the daemon stopped cleanly: $out"
		in_ct journalctl -u podswitch --no-pager 2>&1 | detail 30
	fi
	out=$(in_ct journalctl -u podswitch --no-pager 2>&1)
	res "the journal holds the daemon's clean stop" \
		grep -q 'podswitch: stopped' <<<"$out"
}

# boot_checks R DIR: the whole round, then nothing of it left.
boot_checks() {
	local R=$1 dir=$2 base cg left t0=$SECONDS
	if ! base=$(boot_cgroup2); then
		fail "systemd in a container needs a cgroup2 mount on the host (none at /sys/fs/cgroup or /sys/fs/cgroup/unified)"
		return 1
	fi
	cg=$base/podswitch-test-$$
	mkdir "$cg" || { fail "cannot make the cgroup $cg"; return 1; }
	# what systemd is to make itself, not left by the run without it
	rm -rf "$R/var/lib/podswitch"
	trap boot_kill EXIT
	trap 'exit 143' TERM INT
	if boot_start "$R" "$dir" "$cg"; then
		boot_unit
		in_ct systemctl poweroff >/dev/null 2>&1
		for _ in $(seq 1 300); do
			kill -0 "$BOOT_CT" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$BOOT_CT" 2>/dev/null; then
			fail "systemctl poweroff ends the container within 30 s"
		else
			ok "systemctl poweroff ends the container"
		fi
	fi
	boot_kill
	trap - EXIT TERM INT
	left=$(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | wc -l)
	find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
	if [ "$left" = 0 ] && [ ! -e "$cg" ]; then
		ok "no process of the container is left, its cgroup removed ($((SECONDS - t0)) s in all)"
	else
		fail "no process of the container is left ($left), its cgroup removed"
	fi
}
