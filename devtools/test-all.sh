#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run every test of the project on this machine: install what is missing,
# build (warnings are errors), run the unit tests, build once more without
# the tests and the optional apps, DPDK 22.11's own memory autotests
# against the installed library (devtools/dpdk-tests.sh), the unit tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer, and the VM
# tests on the real kernel. Counts cases (a test that reports its cases
# counts as them) by place: "kernel" (VFIO calls reached a real kernel:
# the VM), "model" (the type1 model), "host" (no VFIO). Ends with two lines:
#   kernel: N passed, N failed, N skipped; model: ...; host: ...
#   N passed, N failed, N skipped
# and a non-zero exit when anything failed (see doc/guides/testing.rst).
#
# Usage: devtools/test-all.sh [--no-vm] [--no-sanitizers]
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
run_vm=1
run_san=1
for a in "$@"; do
	case "$a" in
	--no-vm) run_vm=0 ;;
	--no-sanitizers) run_san=0 ;;
	*) echo "usage: $0 [--no-vm] [--no-sanitizers]" >&2; exit 2 ;;
	esac
done

passed=0 failed=0 skipped=0
places="kernel model host"
declare -A by_pass=() by_fail=() by_skip=()
for p in $places; do by_pass[$p]=0 by_fail[$p]=0 by_skip[$p]=0; done
add_counts() { # lines "PLACE P F S"
	local place p f s
	while read -r place p f s; do
		[ -n "$place" ] || continue
		case " $places " in *" $place "*) ;; *) place=host ;; esac
		passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
		by_pass[$place]=$((by_pass[$place] + p))
		by_fail[$place]=$((by_fail[$place] + f))
		by_skip[$place]=$((by_skip[$place] + s))
	done <<< "$1"
}

# The guides are checked too (sphinx -W), so CI installs sphinx and doxygen.
devtools/install-deps.sh python3-sphinx doxygen libclang-rt-dev || { echo "0 passed, 1 failed"; exit 1; }

# build DIR [meson options...]: configure once, then rebuild.
build() {
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" -Dwerror=true "$@" >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; return 1; }
	fi
	ninja -C "$dir" >"$dir.build.log" 2>&1 || { tail -50 "$dir.build.log"; return 1; }
}

# unit DIR LABEL [SUITE]: run a meson suite (default: unit) and count it.
unit() {
	local dir=$1 label=$2 suite=${3:-unit}
	local log=$dir.$suite.log
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --suite "$suite" --print-errorlogs --num-processes 2 \
		>"$log" 2>&1
	grep -E '^ *[0-9]+/[0-9]+ ' "$log" | awk '!seen[$0]++' | sed "s/^/[$label] /"
	if grep -q "No suitable tests defined" "$log"; then
		echo "[$label] no tests in suite $suite"
		return 0
	fi
	add_counts "$(python3 devtools/meson-counts.py "$dir/meson-logs/testlog.json" ||
		echo "host 0 1 0")"
	grep -q ' FAIL \| TIMEOUT ' "$log" && sed -n '/^--- /,$p' "$log" | head -200
	return 0
}

# As root, reserve a few 2 MiB hugepages on the host so that the hugepage
# variants of the unit tests run instead of skipping; restored at exit.
hp=/proc/sys/vm/nr_hugepages
if [ "$(id -u)" -eq 0 ] && [ -w $hp ]; then
	hp_old=$(cat $hp)
	trap 'echo "$hp_old" > $hp' EXIT
	[ "$hp_old" -ge 64 ] || echo 64 > $hp 2>/dev/null || true
	echo "hugepages: $(cat $hp) x 2 MiB reserved for the tests"
fi

echo "== build (gcc, -Werror)"
if build build; then
	unit build unit
	unit build doc doc
else
	add_counts "host 0 1 0"
fi

# The options a user builds the product alone with (no tests, no optional
# app) must keep building: one host case, ninja only (nothing to run).
# The app names come from app/meson.build's known_apps, so a new app is
# disabled too.
all_apps=$(sed -n '/^known_apps = \[/,/\]/p' app/meson.build |
	sed 's/^known_apps = //' | tr -d "[]' \t\n")
echo "== build (gcc, -Werror, -Dtests=false, -Ddisable_apps=$all_apps)"
if build build-notests -Dtests=false -Ddisable_apps="$all_apps"; then
	echo "[build-notests] OK"
	add_counts "host 1 0 0"
else
	add_counts "host 0 1 0"
fi

# DPDK 22.11's own memory autotests (Debian's source package), compiled
# unchanged against the installed library: each check counts on the host.
echo "== DPDK 22.11's memory autotests against the installed memvfio"
if [ -f build/build.ninja ]; then
	devtools/dpdk-tests.sh --build build >build-dpdk-tests.log 2>&1
	grep -E '^(counted dpdk/|FAIL |DPDK |cached: |total time )' build-dpdk-tests.log
	# "dpdk-tests: P passed, F failed, S skipped"; none: it did not finish
	counts=$(sed -n 's/^dpdk-tests: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/host \1 \2 \3/p' \
		build-dpdk-tests.log | tail -n 1)
	[ -n "$counts" ] || { tail -20 build-dpdk-tests.log; counts="host 0 1 0"; }
	add_counts "$counts"
else
	echo "no build: DPDK's tests cannot be compiled"
	add_counts "host 0 1 0"
fi

if [ $run_san -eq 1 ]; then
	echo "== build (clang, address + undefined sanitizers)"
	if CC=clang build build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			unit build-asan asan
	else
		add_counts "host 0 1 0"
	fi
fi

# rel NAME PLACE CMD...: a reliability check (fuzzing, ThreadSanitizer,
# valgrind), counted as one case where it runs.
rel() {
	local name=$1 place=$2; shift 2
	echo "== $name"
	if "$@" >"build-$name.log" 2>&1; then add_counts "$place 1 0 0"; else add_counts "$place 0 1 0"; fi
	tail -3 "build-$name.log"
}
if [ $run_san -eq 1 ]; then
	rel fuzz model devtools/fuzz.sh --seconds 60 --build build-fuzz
	rel tsan model devtools/tsan.sh --build build-tsan
	rel valgrind host devtools/valgrind-demo.sh --build build
fi

if [ $run_vm -eq 1 ]; then
	echo "== VM tests (QEMU TCG, real Linux 6.12 kernel, intel-iommu, edu devices)"
	if [ -x devtools/vm/run.sh ] && [ -x build/app/test/dpdk-test ]; then
		# outside the clone, so a second run on this machine (a fresh CI
		# clone) reuses the downloaded packages and the guest kernel
		export VM_CACHE_DIR=${VM_CACHE_DIR:-${HOME:-/tmp}/.cache/dpdk-vm}
		# the test kernels with iommufd (configs with kernel=iommufd
		# and kernel=compat), built from Debian's linux-source-6.12 when
		# the cache has none (about 15 minutes on 2 idle cores), reused
		# afterwards; each its own step so the time shows. A failed build is counted where run.sh
		# reports the config that needed it.
		echo "== test kernel with iommufd (devtools/vm/kbuild.sh)"
		t_kb=$SECONDS
		if devtools/vm/kbuild.sh --variant iommufd > build/kbuild.out 2> build/kbuild.log; then
			echo "kernel $(cat build/kbuild.out): ready in $((SECONDS - t_kb)) s"
			# iommufd's emulation of the type1 container (config
			# compat): a second kernel, built from a copy of the
			# iommufd objects the cache keeps, so only what its two
			# options touch is rebuilt before the link; reused
			# afterwards. Its own step so its time shows too.
			echo "== test kernel with iommufd's type1 emulation (devtools/vm/kbuild.sh --variant compat)"
			t_kb=$SECONDS
			if devtools/vm/kbuild.sh --variant compat > build/kbuild-compat.out \
					2> build/kbuild-compat.log; then
				echo "kernel $(cat build/kbuild-compat.out): ready in $((SECONDS - t_kb)) s"
			else
				tail -n 20 build/kbuild-compat.log
				echo "kernel: compat build failed after $((SECONDS - t_kb)) s (full log: build/kbuild-compat.log)"
			fi
		else
			tail -n 20 build/kbuild.log
			echo "kernel: build failed after $((SECONDS - t_kb)) s (full log: build/kbuild.log)"
		fi
		# --strict: a VM that cannot run is a failure, never a skip
		devtools/vm/run.sh --strict --build build --config all --vm-timeout 900 | tee build/vm.log
		# "vm: kernel: P passed, F failed, S skipped; model: ...; host: ..."
		counts=$(grep '^vm: kernel: ' build/vm.log | tail -n 1 | sed 's/^vm: //' |
			tr ';' '\n' | sed -n 's/^ *\([a-z]*\): \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3 \4/p')
		# no counts: the rig did not get to the end, a failure on the kernel
		[ -n "$counts" ] || counts="kernel 0 1 0"
		add_counts "$counts"
	else
		echo "VM tests not runnable: no rig or no test binary"
		add_counts "kernel 0 1 0"
	fi
fi

line=""
for p in $places; do
	line="$line${line:+; }$p: ${by_pass[$p]} passed, ${by_fail[$p]} failed, ${by_skip[$p]} skipped"
done
echo "$line"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
