#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Sum what a `meson test` run did, from its testlog.json: prints
"PASSED FAILED". A CUnit program counts its tests (the "tests" row of its
run summary); a program that failed although CUnit saw no failure (a
sanitizer report, a crash, a timeout after the summary) counts one more
failure; any other program (the fuzz replays) counts as one test."""
import json
import re
import sys

ROW = re.compile(r"^\s*tests\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s*$", re.M)


def main():
    passed = failed = 0
    with open(sys.argv[1]) as fh:
        for line in fh:
            t = json.loads(line)
            out = (t.get("stdout") or "") + (t.get("stderr") or "")
            ok = t.get("result") in ("OK", "EXPECTEDFAIL")
            rows = ROW.findall(out)
            if rows:
                p = sum(int(r[2]) for r in rows)
                f = sum(int(r[3]) for r in rows)
                passed += p
                failed += f
                if not ok and f == 0:
                    failed += 1
            elif ok:
                passed += 1
            elif t.get("result") != "SKIP":
                failed += 1
    print(passed, failed)


if __name__ == "__main__":
    main()
