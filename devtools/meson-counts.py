#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Count the cases of a meson testlog.json, by place.

Prints three lines, "kernel P F S", "model P F S" and "host P F S"
(passed, failed, skipped), for devtools/test-all.sh.

A dpdk-test test prints "counted <test>: <place>: P passed, F failed,
S skipped" (its cases, where it ran): it counts as that. Any other test
counts as one case, at the place its DPDK_TEST_PLACE says (default host).
A test meson saw fail (a crash, a timeout) with no failed case counted adds
one failure, so a failure is never lost; a log that cannot be read is one
failure.
"""
import json
import re
import sys

PLACES = ("kernel", "model", "host")
COUNTED = re.compile(r"^counted (\S+): (kernel|model|host): (\d+) passed, "
                     r"(\d+) failed, (\d+) skipped$", re.M)


def count(entry, totals):
    result = entry.get("result", "")
    ok = result in ("OK", "EXPECTEDFAIL")
    matches = COUNTED.findall(entry.get("stdout") or "")
    if matches:
        for _name, place, p, f, s in matches:
            t = totals[place]
            t[0] += int(p)
            t[1] += int(f)
            t[2] += int(s)
        if not ok and result != "SKIP" and \
                sum(int(m[3]) for m in matches) == 0:
            totals[matches[-1][1]][1] += 1
        return
    place = (entry.get("env") or {}).get("DPDK_TEST_PLACE", "host")
    if place not in PLACES:
        place = "host"
    t = totals[place]
    if ok:
        t[0] += 1
    elif result == "SKIP":
        t[2] += 1
    else:
        t[1] += 1


def main():
    totals = {p: [0, 0, 0] for p in PLACES}
    try:
        with open(sys.argv[1]) as log:
            for line in log:
                if line.strip():
                    count(json.loads(line), totals)
    except (OSError, ValueError, IndexError):
        totals["host"][1] += 1
    for p in PLACES:
        print(p, *totals[p])


if __name__ == "__main__":
    main()
