#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build the unit test binary with ThreadSanitizer (clang) in its own build
# directory and run the tests that use threads: the concurrency stress of
# maps, unmaps, heap growth and shrink and group attach/detach, the VFIO
# and malloc stress tests and the model's thread test. Any data race
# report fails the run; nothing of the project is suppressed.
# Ends with one line: "tsan: N passed, N failed".
#
# Usage: devtools/tsan.sh [--build DIR] [test_name...]
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build-tsan"
tests=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	-*) echo "usage: $0 [--build DIR] [test_name...]" >&2; exit 2 ;;
	*) tests+=("$1"); shift ;;
	esac
done
# absolute, so the path stays valid whatever directory the script is in
build=$(realpath -m "$build")
[ ${#tests[@]} -gt 0 ] || tests=(stress_threads_autotest vfio_stress_autotest
	malloc_stress_autotest malloc_stress_dynamic_autotest
	vfio_model_threads_autotest)

fail() {
	echo "tsan: $*" >&2
	echo "tsan: 0 passed, 1 failed"
	exit 1
}

"$top/devtools/install-deps.sh" clang libclang-rt-dev ||
	fail "cannot install clang and its runtimes"
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$top" -Dwerror=true \
		-Db_sanitize=thread -Db_lundef=false >"$build.setup.log" 2>&1 ||
		{ cat "$build.setup.log"; fail "meson setup failed"; }
fi
ninja -C "$build" app/test/dpdk-test >"$build.build.log" 2>&1 ||
	{ tail -40 "$build.build.log"; fail "build failed"; }

# halt_on_error: the first race fails the test; second_deadlock_stack: full
# lock-order reports. TSan needs a non-randomized layout on some kernels.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 history_size=4"
run=("$build/app/test/dpdk-test")
if ! "${run[@]}" --list >/dev/null 2>&1; then
	command -v setarch >/dev/null && run=(setarch "$(uname -m)" -R "${run[@]}")
fi
passed=0 failed=0
for t in "${tests[@]}"; do
	log="$build/tsan-$t.log"
	DPDK_TEST_TIMEOUT=600 "${run[@]}" "$t" >"$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && ! grep -q "WARNING: ThreadSanitizer" "$log"; then
		echo "tsan: PASS $t"
		passed=$((passed + 1))
	elif [ $rc -eq 77 ]; then
		echo "tsan: SKIP $t"
	else
		echo "tsan: FAIL $t (exit $rc)"
		grep -A40 -m1 "WARNING: ThreadSanitizer" "$log" || tail -30 "$log"
		failed=$((failed + 1))
	fi
done
echo "tsan: $passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
