#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Print "passed failed skipped" counts from a meson testlog.json."""
import json
import sys

passed = failed = skipped = 0
try:
    with open(sys.argv[1]) as log:
        for line in log:
            result = json.loads(line).get("result", "")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
except OSError:
    failed += 1
print(passed, failed, skipped)
