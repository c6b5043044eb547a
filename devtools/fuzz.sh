#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fuzz the VFIO component's API sequences against the type1 model with
# libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer (clang).
#
# Builds app/fuzz/fuzz_vfio in its own build directory (the library too is
# instrumented for coverage), replays the seed corpus, then fuzzes for the
# given time from a working copy of it. A crash or an invariant violation
# leaves its input as crash-* in the working directory, printed at the end;
# replay it with: <build>/app/fuzz/fuzz_vfio <file>.
# Ends with one line: "fuzz: N passed, N failed".
#
# Usage: devtools/fuzz.sh [--seconds N] [--build DIR] [--jobs N]
# (CI: the default 60 s; a longer run: --seconds 3600 --jobs 2)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
seconds=60
build="$top/build-fuzz"
jobs=1
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	*) echo "usage: $0 [--seconds N] [--build DIR] [--jobs N]" >&2; exit 2 ;;
	esac
done
# absolute, so the path stays valid whatever directory the script is in
build=$(realpath -m "$build")

fail() {
	echo "fuzz: $*" >&2
	echo "fuzz: 0 passed, 1 failed"
	exit 1
}

# clang's libFuzzer and sanitizer runtimes (Debian: libclang-rt-<ver>-dev)
"$top/devtools/install-deps.sh" clang libclang-rt-dev ||
	fail "cannot install clang and its runtimes"

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$top" -Dwerror=true -Dtests=false \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link >"$build.setup.log" 2>&1 ||
		{ cat "$build.setup.log"; fail "meson setup failed"; }
fi
ninja -C "$build" app/fuzz/fuzz_vfio >"$build.build.log" 2>&1 ||
	{ tail -40 "$build.build.log"; fail "build failed (no -fsanitize=fuzzer?)"; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
# the model builds a fake sysfs tree for every input: keep it in memory
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
work="$build/fuzz-work"
rm -rf "$work"
mkdir -p "$work/corpus"
cp "$top"/app/fuzz/corpus/* "$work/corpus/"
cd "$work" || fail "no work directory"

# every seed first: a regression of a kept input fails fast
"$build/app/fuzz/fuzz_vfio" -runs=0 "$work/corpus" >seeds.log 2>&1 ||
	{ tail -40 seeds.log; fail "a seed input fails"; }

"$build/app/fuzz/fuzz_vfio" -max_total_time="$seconds" -timeout=10 \
	-rss_limit_mb=4096 -max_len=256 -jobs="$jobs" -workers="$jobs" \
	-print_final_stats=1 "$work/corpus" >fuzz.log 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' fuzz.log | awk '{s += $1} END {print s + 0}')
[ "$jobs" -gt 1 ] && runs=$(cat fuzz-*.log 2>/dev/null |
	sed -n 's/^stat::number_of_executed_units: *//p' | awk '{s += $1} END {print s + 0}')
crashes=$(ls crash-* leak-* timeout-* oom-* 2>/dev/null)
if [ $rc -ne 0 ] || [ -n "$crashes" ]; then
	grep -h -A30 -E '^==[0-9]+==ERROR|invariant violated|runtime error' fuzz*.log | head -60
	echo "fuzz: failing input(s) in $work: $crashes"
	echo "fuzz: $runs passed, 1 failed"
	exit 1
fi
echo "fuzz: corpus $(ls corpus | wc -l) inputs, $runs executions in ${seconds}s"
echo "fuzz: $runs passed, 0 failed"
