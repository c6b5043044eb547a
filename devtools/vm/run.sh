#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# run.sh: runs tests inside QEMU guests on a real Linux 6.12 kernel with
# VFIO and emulated IOMMUs (see devtools/vm/README.md).
#
# usage: devtools/vm/run.sh [options]
#   --build DIR        meson build dir; its app/test/dpdk-test goes into the VM
#                      (and app/demo/memvfio-demo, a guest binary, when built)
#   --config NAME      configuration (configs/NAME.conf, or a path to a .conf);
#                      repeatable; "all" = every config with in_all=1 (default)
#   --tests "A B"      tests to run in every config (default: the config's list)
#   --extra-bin PATH   another file for the guest (ELF: with its libraries);
#                      a test named like its basename runs it; repeatable
#   --timeout S        per-test timeout in seconds (default: the config's
#                      test_timeout, else 120)
#   --vm-timeout S     whole-boot timeout (default: 120 + sum of test timeouts)
#   --cache DIR        download/kernel cache (default: $VM_CACHE_DIR or
#                      ~/.cache/dpdk-vm)
#   --qemu-arg ARG     extra QEMU argument (repeatable)
#   --keep             keep the work dir (console logs, initrds)
#   -v, --verbose      print each guest console in full
#   --show-output      print the guest log of every test, passed ones too
#   --list-configs     list the configurations and exit
#   --strict           a VM that cannot run (no QEMU, no guest kernel) is a
#                      failure, not a skip (the default when CI=true;
#                      test-all.sh always passes it)
#
# Output: one line per test "PASS|FAIL|SKIP <config>/<test>", the guest log of
# each failed test, then the counts by place and in all:
#   vm: kernel: N passed, N failed, N skipped; model: ...; host: ...
#   vm: N passed, N failed, N skipped
# counting cases: a dpdk-test test counts as what its "counted" line says
# (its cases; "kernel" when its VFIO calls reached the guest's kernel,
# "model" or "host" otherwise), a guest binary, a setup problem or a VM that
# cannot run as one case on the kernel (see doc/guides/testing.rst). Exit status 0
# when nothing failed, 1 when a test failed, a VM did not finish, the guest
# setup failed (a module not loaded, a device not bound) or, with --strict,
# no VM could run; 2 on a usage error. Without --strict a machine that
# cannot run a VM at all reports every test as SKIP and exits 0.

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
confdir=$here/configs

build="" tests_override="" timeout_override="" vm_timeout_override=""
cache=${VM_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/dpdk-vm}
keep=0 verbose=0 show_output=0 strict=0
[ "${CI:-}" = true ] && strict=1
configs=() extra_bins=() qemu_extra=()

usage() {
	sed -n '7,35p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}

need_arg() { [ $# -ge 2 ] || { echo "run.sh: $1 needs an argument" >&2; exit 2; }; }

while [ $# -gt 0 ]; do
	case $1 in
	--build) need_arg "$@"; build=$2; shift 2 ;;
	--config) need_arg "$@"; configs+=("$2"); shift 2 ;;
	--tests) need_arg "$@"; tests_override=$2; shift 2 ;;
	--extra-bin) need_arg "$@"; extra_bins+=("$2"); shift 2 ;;
	--timeout) need_arg "$@"; timeout_override=$2; shift 2 ;;
	--vm-timeout) need_arg "$@"; vm_timeout_override=$2; shift 2 ;;
	--cache) need_arg "$@"; cache=$2; shift 2 ;;
	--qemu-arg) need_arg "$@"; qemu_extra+=("$2"); shift 2 ;;
	--keep) keep=1; shift ;;
	-v|--verbose) verbose=1; shift ;;
	--show-output) show_output=1; shift ;;
	--list-configs) list_only=1; shift ;;
	--strict) strict=1; shift ;;
	-h|--help) usage 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage ;;
	esac
done

for n in "$timeout_override" "$vm_timeout_override"; do
	case $n in
	''|*[!0-9]*) [ -z "$n" ] || { echo "run.sh: timeouts are whole seconds" >&2; exit 2; } ;;
	esac
done

# --- configuration files --------------------------------------------------
#
# KEY=VALUE lines (optionally quoted), KEY+=VALUE appends with a space,
# "include NAME" reads another config first, '#' starts a comment line.

declare -A C
conf_keys=" description in_all kernel accel machine cpu memory smp iommu devices cmdline"
conf_keys+=" preload_modules modules modparams memlock_kb drop_caps test_timeout env tests "

conf_reset() {
	C=()
	C[description]="" C[in_all]=1 C[kernel]=debian
	C[accel]="tcg,thread=single"
	C[machine]="q35,kernel-irqchip=split" C[cpu]=max C[memory]=2048 C[smp]=2
	C[iommu]="" C[devices]="" C[cmdline]=""
	C[preload_modules]=""
	C[modules]="vfio irqbypass vfio_iommu_type1 vfio_pci_core vfio_pci"
	C[modparams]="" C[memlock_kb]="" C[drop_caps]="" C[test_timeout]=120
	C[env]="" C[tests]=""
}

conf_path() {
	case $1 in
	*/*|*.conf) echo "$1" ;;
	*) echo "$confdir/$1.conf" ;;
	esac
}

conf_read() { # file depth
	local f=$1 depth=${2:-0} line key val op n=0
	[ -f "$f" ] || { echo "run.sh: no configuration $f" >&2; return 1; }
	[ "$depth" -lt 8 ] || { echo "run.sh: include loop at $f" >&2; return 1; }
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		line=${line#"${line%%[![:space:]]*}"}
		line=${line%"${line##*[![:space:]]}"}
		case $line in ''|'#'*) continue ;; esac
		if [[ $line =~ ^include[[:space:]]+([^[:space:]]+)$ ]]; then
			local inc=${BASH_REMATCH[1]}
			[[ $inc == */* ]] || inc="$(dirname "$f")/${inc%.conf}.conf"
			conf_read "$inc" $((depth + 1)) || return 1
			continue
		fi
		if [[ ! $line =~ ^([a-z][a-z0-9_]*)(\+?=)(.*)$ ]]; then
			echo "run.sh: $f:$n: cannot parse: $line" >&2
			return 1
		fi
		key=${BASH_REMATCH[1]} op=${BASH_REMATCH[2]} val=${BASH_REMATCH[3]}
		if [[ $val =~ ^\"(.*)\"$ ]] || [[ $val =~ ^\'(.*)\'$ ]]; then
			val=${BASH_REMATCH[1]}
		fi
		case $conf_keys in
		*" $key "*) ;;
		*) [[ $key == args_* ]] || { echo "run.sh: $f:$n: unknown key '$key'" >&2; return 1; } ;;
		esac
		if [ "$op" = "+=" ] && [ -n "${C[$key]:-}" ]; then
			C[$key]="${C[$key]} $val"
		else
			C[$key]=$val
		fi
	done < "$f"
}

all_configs() {
	local f n list=()
	for f in "$confdir"/*.conf; do
		n=$(basename "$f" .conf)
		conf_reset
		conf_read "$f" || exit 2
		[ "${C[in_all]}" = 1 ] || continue
		if [ "$n" = default ]; then list=("$n" "${list[@]}"); else list+=("$n"); fi
	done
	echo "${list[@]}"
}

if [ "${list_only:-0}" = 1 ]; then
	for f in "$confdir"/*.conf; do
		conf_reset
		conf_read "$f" || exit 2
		printf '%-10s in_all=%s  %s\n    tests: %s\n' "$(basename "$f" .conf)" \
			"${C[in_all]}" "${C[description]}" "${C[tests]}"
	done
	exit 0
fi

[ ${#configs[@]} -gt 0 ] || configs=(all)
expanded=()
for c in "${configs[@]}"; do
	if [ "$c" = all ]; then
		# shellcheck disable=SC2207
		expanded+=($(all_configs))
	else
		expanded+=("$c")
	fi
done
configs=("${expanded[@]}")
for c in "${configs[@]}"; do
	conf_reset
	conf_read "$(conf_path "$c")" || exit 2
done

if [ -n "$build" ]; then
	dpdk_test=$(cd "$build" 2>/dev/null && pwd)/app/test/dpdk-test
	if [ ! -x "$dpdk_test" ]; then
		echo "run.sh: no $build/app/test/dpdk-test (build it first)" >&2
		exit 2
	fi
	# the demo is a guest binary like --extra-bin (args_memvfio_demo=)
	demo_bin=$(dirname "$(dirname "$dpdk_test")")/demo/memvfio-demo
	if [ -x "$demo_bin" ] && [[ " ${extra_bins[*]} " != *"/memvfio-demo "* ]]; then
		extra_bins+=("$demo_bin")
	fi
else
	dpdk_test=""
fi
for b in "${extra_bins[@]}"; do
	[ -f "$b" ] || { echo "run.sh: no such file: $b" >&2; exit 2; }
done

# --- results ----------------------------------------------------------------

n_pass=0 n_fail=0 n_skip=0
places="kernel model host"
declare -A by_pass=() by_fail=() by_skip=()
for p in $places; do by_pass[$p]=0 by_fail[$p]=0 by_skip[$p]=0; done
# status config test [note [place P F S]]: without counts, one case on the
# kernel; a failed test with no failed case adds one failure
report() {
	local st=$1 name="$2/$3" note=${4:-} place=${5:-kernel} p=${6:-} f=${7:-} sk=${8:-}
	if [ -z "$p" ]; then
		p=0 f=0 sk=0
		case $st in
		PASS) p=1 ;;
		SKIP) sk=1 ;;
		*) f=1 ;;
		esac
	fi
	[ "$st" = FAIL ] && [ "$f" = 0 ] && f=1
	n_pass=$((n_pass + p)) n_fail=$((n_fail + f)) n_skip=$((n_skip + sk))
	by_pass[$place]=$((by_pass[$place] + p))
	by_fail[$place]=$((by_fail[$place] + f))
	by_skip[$place]=$((by_skip[$place] + sk))
	[ -n "${6:-}" ] && note="${note:+$note }[$place: $p passed, $f failed, $sk skipped]"
	echo "$st $name${note:+ $note}"
}
# the closing lines
print_counts() {
	local p line=""
	for p in $places; do
		line="$line${line:+; }$p: ${by_pass[$p]} passed, ${by_fail[$p]} failed, ${by_skip[$p]} skipped"
	done
	echo "vm: $line"
	echo "vm: $n_pass passed, $n_fail failed, $n_skip skipped"
}
# a dpdk-test test's "counted" line in its log: "place P F S", or nothing
counted_of() { # log test
	[ -f "$1" ] || return 0
	sed -n "s/^counted $2: \(kernel\|model\|host\): \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped\$/\1 \2 \3 \4/p" "$1" | tail -n 1
}
indent() { sed 's/^/    | /'; }
show_log() { # a test's guest log, at most its last 300 lines
	local n
	n=$(wc -l < "$1")
	[ "$n" -gt 300 ] && echo "    ($((n - 300)) earlier lines cut: see --keep)"
	tail -n 300 "$1" | indent
}

config_tests() { # from C[]; "@all" stands for every test of dpdk-test --list
	local t list
	if [ -n "$tests_override" ]; then list=$tests_override; else list=${C[tests]}; fi
	for t in $list; do
		if [ "$t" = "@all" ]; then
			if [ -n "$build" ] && [ -x "$build/app/test/dpdk-test" ]; then
				"$build/app/test/dpdk-test" --list
			else
				echo "@all"
			fi
		else
			echo "$t"
		fi
	done
}

skip_everything() { # reason
	local c t
	if [ $strict = 1 ]; then
		# CI must not go green without the real kernel: one line, one failure
		report FAIL vm "no VM could run" "($1)"
		print_counts
		exit 1
	fi
	for c in "${configs[@]}"; do
		conf_reset
		conf_read "$(conf_path "$c")" || exit 2
		for t in $(config_tests); do
			report SKIP "$(basename "$c" .conf)" "$t" "($1)"
		done
	done
	print_counts
	exit 0
}

# --- host preparation ---------------------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/dpdk-vm.XXXXXX")
cleanup() {
	if [ $keep = 1 ]; then
		echo "vm: work dir kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
qpid=""
on_signal() {
	echo "vm: interrupted" >&2
	[ -n "$qpid" ] && kill -TERM "$qpid" 2>/dev/null && wait "$qpid"
	exit 130
}
trap on_signal INT TERM

t_prep=$SECONDS
fetch_out=$("$here/fetch.sh" "$cache" 2> "$work/fetch.log")
rc=$?
if [ $rc != 0 ]; then
	tail -n 20 "$work/fetch.log" >&2
	case $rc in
	2) skip_everything "cannot install qemu-system-x86/busybox-static: see above" ;;
	*) skip_everything "no guest kernel could be fetched: see above" ;;
	esac
fi
kdir=$(echo "$fetch_out" | sed -n 's/^KERNEL_DIR=//p' | tail -n 1)
qemu=$(command -v qemu-system-x86_64 || true)
if [ -z "$qemu" ] || ! "$qemu" --version >/dev/null 2>&1; then
	skip_everything "qemu-system-x86_64 is not usable"
fi
kver=$(cat "$kdir/kver")

# guest helpers, built here: the probe and the capability dropper
probe_note=""
cc=${CC:-cc}
if command -v "$cc" >/dev/null 2>&1; then
	# NAME:SOURCE,SOURCE...
	for p in vfio_probe:vfio_probe.c,vfio_probe_dev.c,vfio_probe_checks.c \
		 vmtest-capdrop:capdrop.c; do
		bin=$work/${p%%:*} srcs=()
		IFS=, read -r -a names <<< "${p#*:}"
		for s in "${names[@]}"; do srcs+=("$here/$s"); done
		if ! "$cc" -O2 -Wall -Wextra -Werror -static -o "$bin" "${srcs[@]}" 2> "$work/cc.log" &&
		   ! "$cc" -O2 -Wall -Wextra -Werror -o "$bin" "${srcs[@]}" 2>> "$work/cc.log"; then
			probe_note="cannot compile ${p%%:*}: $(head -n 5 "$work/cc.log" | tr '\n' ' ')"
			rm -f "$bin"
		fi
	done
else
	probe_note="no C compiler ($cc) to build the probe"
fi
guest_bins=()
for b in "$work/vfio_probe" "$work/vmtest-capdrop"; do
	[ -f "$b" ] && guest_bins+=("$b")
done
[ -n "$dpdk_test" ] && guest_bins+=("$dpdk_test")
guest_bins+=("${extra_bins[@]}")
guest_names=" "
for b in "${guest_bins[@]}"; do guest_names="$guest_names$(basename "$b") "; done

t_img=$SECONDS
if ! "$here/mkinitrd.sh" -o "$work/base.cpio.gz" -k "$kdir" "${guest_bins[@]}" 2> "$work/mkinitrd.log"; then
	cat "$work/mkinitrd.log" >&2
	echo "run.sh: cannot build the initramfs" >&2
	exit 1
fi
echo "vm: kernel $kver, qemu $("$qemu" --version | head -n1 | awk '{print $4}'), initramfs $(( $(stat -c %s "$work/base.cpio.gz") / 1024 )) KiB (prepared in $((SECONDS - t_prep)) s, image $((SECONDS - t_img)) s)"

# --- one VM per configuration -------------------------------------------------

sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# a skipped test's reason: its first line that mentions skipping, else its
# last line
skip_reason() {
	local out
	out=$(grep -v '^kmsg: \|^vmtest: \|^[[:space:]]*$' "$1")
	{ echo "$out" | grep -i -m1 'skip' || echo "$out" | tail -n 1; } | cut -c1-200
}

# why a test is not sent to the guest at all (empty: it is)
host_skip_reason() {
	if [ "$1" = vfio_probe ] && [ -n "$probe_note" ]; then
		echo "$probe_note"
	elif [[ $guest_names != *" $1 "* ]] && [ -z "$dpdk_test" ]; then
		echo "needs dpdk-test: pass --build DIR"
	fi
}

# split a console log into logs/<test>.log and a logs/_results table
parse_console() {
	local d=$1
	tr -d '\r' < "$d/console.log" | awk -v dir="$d/logs" '
		function out(s) { print s > (dir "/" (cur == "" ? "_setup" : cur) ".log") }
		{
			i = index($0, "@@VMTEST ")
			if (i == 0) { out($0); next }
			if (i > 1) out(substr($0, 1, i - 1))
			n = split(substr($0, i + 9), f, " ")
			if (f[1] == "begin") {
				cur = f[2]; gsub(/[^A-Za-z0-9_.+-]/, "_", cur)
			} else if (f[1] == "result") {
				print f[2], f[3], f[4], f[5] > (dir "/_results")
				close(dir "/" cur ".log"); cur = ""
			} else if (f[1] == "boot") {
				print "boot", f[2] > (dir "/_results")
			} else if (f[1] == "setup") {
				print "setup", f[2], substr($0, i + 9 + 6 + length(f[2]) + 1) > (dir "/_results")
			} else if (f[1] == "done") {
				print "done", f[2] > (dir "/_results")
			}
		}'
	touch "$d/logs/_results"
}

vm_failed=0
for c in "${configs[@]}"; do
	conf_reset
	conf_read "$(conf_path "$c")" || exit 2
	name=$(basename "$c" .conf)
	d=$work/$name
	mkdir -p "$d"

	tmo=${timeout_override:-${C[test_timeout]}}
	want=() run=()
	for t in $(config_tests); do
		want+=("$t")
		[ -z "$(host_skip_reason "$t")" ] && run+=("$t")
	done
	ntests=${#run[@]}
	vm_tmo=${vm_timeout_override:-$((120 + ntests * tmo))}

	# the guest kernel: Debian's package (VFIO as modules) or one built
	# here by kbuild.sh (everything built in: no modules to load, module
	# parameters go on the kernel command line)
	vmlinuz=$kdir/vmlinuz kcmd=""
	case ${C[kernel]} in
	debian) ;;
	iommufd|compat)
		t_kb=$SECONDS
		if ! vmlinuz=$("$here/kbuild.sh" --variant "${C[kernel]}" --cache "$cache" 2> "$d/kbuild.log"); then
			tail -n 30 "$d/kbuild.log" | indent
			report FAIL "$name" setup "(cannot build the ${C[kernel]} kernel: see above)"
			vm_failed=1
			continue
		fi
		[ $((SECONDS - t_kb)) -gt 5 ] &&
			echo "vm: built the ${C[kernel]} kernel in $((SECONDS - t_kb)) s: $vmlinuz"
		C[preload_modules]="" C[modules]=""
		kcmd=${C[modparams]}
		C[modparams]=""
		;;
	*) echo "run.sh: config $name: unknown kernel '${C[kernel]}' (debian, iommufd, compat)" >&2
	   exit 2 ;;
	esac

	# modules: preloads first, then the VFIO stack, dependencies first
	declare -A seen=()
	mods=""
	add_mod() {
		local m=${1//-/_} dep
		[ -n "${seen[$m]:-}" ] && return
		seen[$m]=1
		for dep in $(sed -n "s/^$m://p" "$kdir/modules.dep"); do add_mod "$dep"; done
		mods="$mods $m"
	}
	for m in ${C[preload_modules]} ${C[modules]}; do add_mod "$m"; done
	unset seen

	{
		echo "# generated by run.sh for config $name"
		echo "VMTEST_CONFIG=$(sq "$name")"
		echo "VMTEST_KERNEL=$(sq "${C[kernel]}")"
		echo "VMTEST_TESTS=$(sq "${run[*]}")"
		echo "VMTEST_TIMEOUT=$(sq "$tmo")"
		echo "VMTEST_MODULES=$(sq "${mods# }")"
		echo "VMTEST_MODPARAMS=$(sq "${C[modparams]}")"
		echo "VMTEST_MEMLOCK_KB=$(sq "${C[memlock_kb]}")"
		echo "VMTEST_DROP_CAPS=$(sq "${C[drop_caps]}")"
		echo "VMTEST_ENV=$(sq "${C[env]}")"
		[ -n "$dpdk_test" ] && echo "VMTEST_DPDK_TEST=/opt/vmtest/bin/dpdk-test"
		for k in "${!C[@]}"; do
			[[ $k == args_* ]] || continue
			echo "VMTEST_ARGS_${k#args_}=$(sq "${C[$k]}")"
		done
	} > "$d/vmtest.conf"
	"$here/mkinitrd.sh" -o "$d/initrd.gz" --base "$work/base.cpio.gz" -c "$d/vmtest.conf"

	qargs=(-accel "${C[accel]}" -M "${C[machine]}" -cpu "${C[cpu]}" -m "${C[memory]}"
	       -smp "${C[smp]}" -nodefaults -no-user-config -display none -no-reboot
	       -serial "file:$d/console.log")
	[ -n "${C[iommu]}" ] && qargs+=(-device "${C[iommu]}")
	for dev in ${C[devices]}; do qargs+=(-device "$dev"); done
	# no_timer_check: on a loaded host, TCG runs the guest so slowly that the
	# kernel's IO-APIC timer test fails and (with interrupt remapping) panics.
	qargs+=(-kernel "$vmlinuz" -initrd "$d/initrd.gz"
		-append "console=ttyS0 panic=-1 quiet no_timer_check ${C[cmdline]}${kcmd:+ $kcmd}")
	qargs+=("${qemu_extra[@]}")
	printf '%q ' "$qemu" "${qargs[@]}" > "$d/qemu.cmd"

	echo "== vm $name: ${C[description]} (${#run[@]} tests, timeout ${tmo} s each, ${vm_tmo} s in all)"
	for attempt in 1 2; do
		rm -rf "$d/logs"
		mkdir -p "$d/logs"
		t0=$(date +%s.%N)
		# in the background so that an interrupt can stop this VM at once
		timeout -k 10 "$vm_tmo" "$qemu" "${qargs[@]}" < /dev/null > "$d/qemu.out" 2>&1 &
		qpid=$!
		wait "$qpid"
		qrc=$?
		qpid=""
		t1=$(date +%s.%N)
		wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
		parse_console "$d"
		# a kernel that died before starting /init is not the tests' fault
		# (e.g. a TCG glitch at boot): boot once more
		grep -q '^boot ' "$d/logs/_results" && break
		[ $attempt = 1 ] || break
		echo "vm $name: the guest died before /init (qemu rc $qrc, $wall s); console tail:"
		tr -d '\r' < "$d/console.log" | tail -n 8 | indent
		echo "vm $name: booting again"
		cp "$d/console.log" "$d/console.failed-boot.log"
	done
	[ $verbose = 1 ] && tr -d '\r' < "$d/console.log" | indent

	done_up=$(awk '$1 == "done" { print $2 }' "$d/logs/_results")
	boot_up=$(awk '$1 == "boot" { print $2 }' "$d/logs/_results")
	setup=$(awk '$1 == "setup" { $1 = ""; print substr($0, 2) }' "$d/logs/_results")
	# a guest that is not set up as the config says (a module that did
	# not load, a device not bound) cannot prove anything: a failure
	case $setup in
	ok) ;;
	'') [ -z "$boot_up" ] || report FAIL "$name" setup "(the guest reported no setup result)" ;;
	*) report FAIL "$name" setup "(guest setup problem: ${setup#error })" ;;
	esac
	tail_shown=0
	for t in "${want[@]}"; do
		why=$(host_skip_reason "$t")
		if [ -n "$why" ]; then
			report SKIP "$name" "$t" "($why)"
			continue
		fi
		log="$d/logs/$(echo "$t" | sed 's/[^A-Za-z0-9_.+-]/_/g').log"
		res=$(awk -v t="$t" '$1 == t { print $2, $3, $4; exit }' "$d/logs/_results")
		if [ -z "$res" ]; then
			report FAIL "$name" "$t" "(not reported: the VM $([ $qrc = 124 ] && echo "timed out after $vm_tmo s" || echo "ended (qemu rc $qrc)") before it finished)"
			if [ $tail_shown = 0 ]; then
				# the test that was running: its log holds the crash;
				# else the console shows where the guest stopped
				if [ -s "$log" ]; then
					show_log "$log"
				else
					echo "    console tail:"
					tr -d '\r' < "$d/console.log" | tail -n 40 | indent
				fi
				if [ -s "$d/qemu.out" ]; then
					echo "    qemu output:"
					tail -n 20 "$d/qemu.out" | indent
				fi
				tail_shown=1
			fi
			continue
		fi
		# its cases and where they ran (dpdk-test tests; else one case)
		cnt=$(counted_of "$log" "$t")
		# shellcheck disable=SC2086
		set -- $res
		case $1 in
		pass) report PASS "$name" "$t" "($3 s)" $cnt
			[ $show_output = 1 ] && show_log "$log" ;;
		skip) report SKIP "$name" "$t" "($(skip_reason "$log"))" $cnt
			[ $show_output = 1 ] && show_log "$log" ;;
		*)
			report FAIL "$name" "$t" "(rc $2, $3 s)" $cnt
			show_log "$log"
			;;
		esac
	done
	if [ -z "$done_up" ]; then
		vm_failed=1
		echo "== vm $name: DID NOT FINISH (qemu rc $qrc$([ $qrc = 124 ] && echo ", whole-boot timeout $vm_tmo s"), wall ${wall} s); logs: $d"
	else
		echo "== vm $name: wall ${wall} s (guest uptime: /init started at ${boot_up:-?} s, done at ${done_up} s)"
	fi
done

print_counts
[ $keep = 1 ] || { [ $n_fail -gt 0 ] || [ $vm_failed = 1 ]; } && keep=1
[ $n_fail -eq 0 ] && [ $vm_failed = 0 ]
