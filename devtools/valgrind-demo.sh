#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Valgrind memcheck of the demo (memvfio-demo on system pages, static and
# dynamic memory) and of the fuzz target's replay of its seed corpus (the
# VFIO paths on the type1 model). Any memcheck error or definite/indirect
# leak fails the run. Uses the plain (unsanitized) build in --build DIR,
# configured there when missing.
# Ends with one line: "valgrind: N passed, N failed".
#
# Usage: devtools/valgrind-demo.sh [--build DIR]
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR]" >&2; exit 2 ;;
	esac
done
# absolute, so the path stays valid whatever directory the script is in
build=$(realpath -m "$build")

fail() {
	echo "valgrind: $*" >&2
	echo "valgrind: 0 passed, 1 failed"
	exit 1
}

"$top/devtools/install-deps.sh" valgrind || fail "cannot install valgrind"
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$top" -Dwerror=true >"$build.setup.log" 2>&1 ||
		{ cat "$build.setup.log"; fail "meson setup failed"; }
fi
ninja -C "$build" app/demo/memvfio-demo app/fuzz/fuzz_vfio_replay \
	>"$build.valgrind-build.log" 2>&1 ||
	{ tail -40 "$build.valgrind-build.log"; fail "build failed"; }

passed=0 failed=0
# check NAME COMMAND...: memcheck COMMAND; its own exit status must be 0
check() {
	local name=$1 log="$build/valgrind-$1.log"
	shift
	valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --track-origins=yes \
		"$@" >"$log" 2>&1
	local rc=$?
	if [ $rc -eq 0 ]; then
		echo "valgrind: PASS $name"
		passed=$((passed + 1))
	else
		echo "valgrind: FAIL $name (exit $rc)"
		grep -A25 -m3 -E '^==[0-9]+== (Invalid|Conditional|Syscall|Use of|Mismatched|Source and)|definitely lost|indirectly lost' "$log" ||
			tail -30 "$log"
		failed=$((failed + 1))
	fi
}

check demo-static "$build/app/demo/memvfio-demo" --no-huge
check demo-dynamic "$build/app/demo/memvfio-demo" --no-huge --dynamic-mem
check fuzz-corpus "$build/app/fuzz/fuzz_vfio_replay" "$top/app/fuzz/corpus"
echo "valgrind: $passed passed, $failed failed"
[ $failed -eq 0 ]
