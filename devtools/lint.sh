#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# lint.sh: the checks CI runs on the tree (test/run-all.sh, after the build).
#
#   devtools/lint.sh
#
#   1. shellcheck -x of every shell script in the repository: *.sh, and any
#      other file whose first line is a sh/bash shebang;
#   2. devtools/check-size.py: no function over 150 lines and no file over
#      1000 lines in lib/ and modules/.
# Commit messages are not checked here (the history predates the rules):
# see devtools/check-git-log.sh.
#
# Prints every finding and exits 1 if there was one, 0 if none, 2 when
# a tool (shellcheck, python3) is missing. Takes a few seconds.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

for tool in shellcheck python3; do
	if ! command -v "$tool" >/dev/null; then
		echo "lint: $tool is needed (apt-get install $tool)" >&2
		exit 2
	fi
done

# The files to check: tracked ones and new ones not ignored, so that a
# script is checked before it is committed. Without git (a tarball), every
# file under the top but the build directories.
list_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z --cached --others --exclude-standard
	else
		find . -path './build*' -prune -o -path ./.git -prune -o \
			-type f -printf '%P\0'
	fi
}

scripts=()
while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue	# deleted in the work tree
	case $f in
	*.sh) scripts+=("$f") ;;
	*.c|*.h|*.py|*.json|*.expect|*.md|*.pcap|*.txt|*.build) ;;
	*) head -n1 "$f" 2>/dev/null | grep -qE '^#!.*[/ ](ba|da)?sh( |$)' &&
		scripts+=("$f") ;;
	esac
done < <(list_files)

status=0
echo "lint: shellcheck -x of ${#scripts[@]} scripts"
# gcc format: one finding a line, file:line:column: level: text [SCnnnn]
if ! shellcheck -x -f gcc "${scripts[@]}"; then
	status=1
fi

echo "lint: function and file sizes in lib/ and modules/"
if ! python3 devtools/check-size.py; then
	status=1
fi

if [ $status -eq 0 ]; then
	echo "lint: no findings"
else
	echo "lint: findings above"
fi
exit $status
