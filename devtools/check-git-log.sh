#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# check-git-log.sh: check commit messages against the project's style
# (docs/contributing.md), in the spirit of DPDK's devtools/check-git-log.sh.
#
#   devtools/check-git-log.sh [RANGE]     commits in RANGE (default: -1, the
#                                         last one; e.g. main..HEAD, -3)
#   devtools/check-git-log.sh --file MSG  one message file (the commit-msg
#                                         hook: devtools/commit-msg)
#
# Rules:
#   - the subject is "area: what changed", at most 60 characters, with no
#     trailing period and none of , ; ! ? & | (two changes: two commits);
#   - a blank line after the subject, then a body that says why; only a
#     trivial commit (at most TRIVIAL changed lines, default 10) may omit it;
#   - body lines at most 75 characters, except URLs and trailers (Fixes:,
#     Signed-off-by: ...).
# Merge commits are skipped. Prints "COMMIT: problem" per finding and exits
# 1 if there was one. CI does not run it over the history (older commits
# predate these rules); run it on your branch before asking for a merge.
set -uo pipefail

TRIVIAL=${TRIVIAL:-10}
SUBJECT_MAX=60
BODY_MAX=75
found=0

say() {
	echo "$1: $2"
	found=1
}

# check WHO CHANGED < message: CHANGED is the number of changed lines, or
# -1 when unknown.
check() {
	local who=$1 changed=$2 subject second line body=0 n=0
	IFS= read -r subject || subject=
	if [ ${#subject} -gt $SUBJECT_MAX ]; then
		say "$who" "subject is ${#subject} characters (max $SUBJECT_MAX)"
	fi
	if ! [[ $subject =~ ^[A-Za-z0-9_.+/{},*-]+(\ [A-Za-z0-9_.+/{},*-]+){0,2}:\ [^\ ] ]]; then
		say "$who" "subject is not \"area: what changed\""
	fi
	if [[ $subject =~ \.$ ]]; then
		say "$who" "subject ends with a period"
	fi
	# a comma may join the halves of one change ("x moves, y follows");
	# the others mark two changes in one commit
	if [[ ${subject#*: } =~ [\;\!\?\&\|] ]]; then
		say "$who" "subject has one of ; ! ? & | (one change per commit)"
	fi
	IFS= read -r second || second=
	if [ -n "$second" ]; then
		say "$who" "no blank line after the subject"
		body=1
	fi
	while IFS= read -r line; do
		n=$((n + 1))
		[ -n "${line//[[:space:]]/}" ] && body=1
		[ ${#line} -le $BODY_MAX ] && continue
		[[ $line =~ :// ]] && continue
		[[ $line =~ ^(Fixes|Link|[A-Z][a-z]+(-[a-z]+)*-by):\  ]] && continue
		say "$who" "body line $n is ${#line} characters (max $BODY_MAX)"
	done
	if [ $body -eq 0 ] && [ "$changed" -ne 0 ] &&
	   { [ "$changed" -lt 0 ] || [ "$changed" -gt "$TRIVIAL" ]; }; then
		say "$who" "no body: say why (${changed/#-1/?} lines changed)"
	fi
}

# changed lines of a commit, or of the staged changes
changed_lines() {
	awk '$1 != "-" { n += $1 + $2 } END { print n + 0 }'
}

if [ "${1:-}" = "--file" ]; then
	[ $# -eq 2 ] || { echo "usage: $0 --file MSGFILE" >&2; exit 2; }
	changed=$(git diff --cached --numstat 2>/dev/null | changed_lines)
	# the message as git keeps it: no comment lines, no trailing blanks
	msg=$(git stripspace --strip-comments <"$2")
	[ -n "$msg" ] || exit 0	# an empty message aborts the commit anyway
	check "message" "${changed:--1}" <<<"$msg"
	exit $found
fi
[ $# -le 1 ] || { echo "usage: $0 [RANGE]" >&2; exit 2; }
range=${1:--1}
if [[ $range =~ ^-[0-9]+$ ]]; then
	set -- --max-count="${range#-}" HEAD
else
	set -- "$range"
fi
commits=$(git rev-list --no-merges "$@" 2>/dev/null) || {
	echo "$0: bad range '$range'" >&2
	exit 2
}
for c in $commits; do
	changed=$(git show --format= --numstat "$c" | changed_lines)
	check "$(git rev-parse --short "$c")" "$changed" \
		< <(git show -s --format=%B "$c")
done
exit $found
