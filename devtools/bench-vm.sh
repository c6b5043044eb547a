#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench-vm.sh: the mapping benchmark on the real kernel, this project side
# by side with DPDK 22.11, in one boot of the test VM (devtools/vm).
#
# usage: devtools/bench-vm.sh [--build DIR] [--no-dpdk] [--iommufd] [--keep] [-- SIZES...]
#        devtools/bench-vm.sh --plot CSV PNG    (only the plot, from a CSV)
#   --build DIR   meson build dir (default: build); set up and built if needed
#   --no-dpdk     do not install or run the DPDK 22.11 client
#   --iommufd     boot the kernel built here (configs/iommufd.conf: type1 and
#                 iommufd) and print iommufd rows beside type1; the kernel
#                 must be cached (devtools/vm/kbuild.sh): this never builds it
#   --keep        keep the VM work dir (console, logs)
#   SIZES         passed to dpdk-map-bench, e.g. -- --ext-mb 256 --heap-pages 128
#                 (dpdk-map-bench --help lists them)
#
# Installs libdpdk-dev with apt when it is missing (for the comparison),
# builds dpdk-map-bench and dpdk-map-bench-dpdk22, boots the VM's default
# configuration (--iommufd: the iommufd one) once with both binaries,
# prints the table (--iommufd: and the iommufd rows beside it) and writes
# DIR/map-bench.csv (and DIR/map-bench.png when gnuplot is installed).
# It reports numbers; it never fails on them. Exit status: 0 when every
# row was measured, 1 when not, 2 on a usage error.

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=$top/build
dpdk=1 keep=0 iommufd=0
sizes=()

say() { echo "bench-vm: $*"; }

# plot CSV PNG: wall time per row, log scale (columns of dpdk-map-bench's
# CSV: 7 ours, 8 bare, 9 floor, 13 DPDK 22.11; 21 and 22 iommufd's ours and
# bare, plotted when the CSV has them)
plot() {
	local fd="" t1=""
	if awk -F, 'NR > 1 && $21 != "" { found = 1 } END { exit !found }' "$1"; then
		fd=", '' every ::1 using (\$21*1000) title 'iommufd: ours', '' every ::1 using (\$22*1000) title 'iommufd: bare ioctls'"
		t1="type1: "
	fi
	gnuplot <<EOF
set terminal pngcairo size 1400,760 noenhanced
set output '$2'
set datafile separator ','
set datafile missing ''
set title 'DMA mapping paths: this project, bare ioctls, DPDK 22.11 (wall time, log scale; median of the repetitions)'
set ylabel 'ms'
set logscale y
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -30
# the legend below the plot, outside it: inside it covered the first bars
set key outside bottom center horizontal
plot '$1' every ::1 using (\$7*1000):xtic(1) title '${t1}ours', \\
     '' every ::1 using (\$8*1000) title '${t1}bare ioctls (same units)', \\
     '' every ::1 using (\$9*1000) title '${t1}floor (one ioctl)', \\
     '' every ::1 using (\$13*1000) title 'DPDK 22.11'$fd
EOF
}

usage() {
	sed -n '7,24p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}

while [ $# -gt 0 ]; do
	case $1 in
	--build) [ $# -ge 2 ] || usage; build=$2; shift 2 ;;
	--no-dpdk) dpdk=0; shift ;;
	--keep) keep=1; shift ;;
	--iommufd) iommufd=1; shift ;;
	--plot)
		[ $# -ge 3 ] || usage
		command -v gnuplot > /dev/null 2>&1 || { say "gnuplot is not installed"; exit 1; }
		plot "$2" "$3" || exit 1
		say "plot: $3"
		exit 0 ;;
	-h|--help) usage 0 ;;
	--) shift; sizes=("$@"); break ;;
	*) echo "bench-vm.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
case $build in /*) ;; *) build=$PWD/$build ;; esac

# --- DPDK 22.11 from Debian (the comparison) ---------------------------------

had_dpdk=0
pkg-config --exists libdpdk 2>/dev/null && had_dpdk=1
if [ $dpdk = 1 ] && [ $had_dpdk = 0 ]; then
	say "installing libdpdk-dev (DPDK 22.11) for the comparison"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q libdpdk-dev > /tmp/bench-vm-apt.log 2>&1; then
		apt-get update -q >> /tmp/bench-vm-apt.log 2>&1
		apt-get install -y -q libdpdk-dev >> /tmp/bench-vm-apt.log 2>&1 ||
			say "cannot install libdpdk-dev (see /tmp/bench-vm-apt.log): running without DPDK"
	fi
fi
if [ $dpdk = 1 ] && ! pkg-config --exists libdpdk 2>/dev/null; then
	dpdk=0
fi

# --- build ------------------------------------------------------------------

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$top" > /dev/null || { say "meson setup $build failed"; exit 1; }
elif [ $dpdk = 1 ] && ! ninja -C "$build" -t targets all 2>/dev/null |
		grep -q '^app/map-bench-dpdk/dpdk-map-bench-dpdk22:'; then
	# libdpdk appeared since the build dir was set up: the optional target too
	meson setup --reconfigure "$build" "$top" > /dev/null ||
		{ say "meson setup --reconfigure $build failed"; exit 1; }
fi
ours=$build/app/map-bench/dpdk-map-bench
theirs=$build/app/map-bench-dpdk/dpdk-map-bench-dpdk22
targets=(app/map-bench/dpdk-map-bench)
[ $dpdk = 1 ] && targets+=(app/map-bench-dpdk/dpdk-map-bench-dpdk22)
ninja -C "$build" "${targets[@]}" > "$build/bench-vm-build.log" 2>&1 ||
	{ tail -n 30 "$build/bench-vm-build.log"; say "build failed"; exit 1; }
[ -x "$ours" ] || { say "no $ours after the build"; exit 1; }
if [ $dpdk = 1 ] && [ ! -x "$theirs" ]; then
	say "no $theirs (meson did not find libdpdk): running without DPDK"
	dpdk=0
fi

# --- the VM configuration: default + this test -------------------------------

out=$build/bench-vm
mkdir -p "$out"
args="--csv -"
extra=(--extra-bin "$ours")
if [ $dpdk = 1 ]; then
	# DPDK 22.11 loads PMDs from its plugin dir only when that dir exists:
	# it is not in the initramfs, so no driver probes the edu devices
	args="$args --dpdk /opt/vmtest/bin/dpdk-map-bench-dpdk22"
	extra+=(--extra-bin "$theirs")
fi
[ ${#sizes[@]} -gt 0 ] && args="$args ${sizes[*]}"
base=default
desc="default config (VT-d 48-bit, 2 edu, 256 x 2 MiB hugepages)"
if [ $iommufd = 1 ]; then
	if ! kernel=$("$top/devtools/vm/kbuild.sh" --no-build 2> /dev/null); then
		say "the iommufd kernel is not built: devtools/vm/kbuild.sh builds it (about 15 minutes)"
		exit 1
	fi
	say "iommufd kernel: $kernel"
	base=iommufd
	desc="iommufd config (built 6.12 kernel: type1 and iommufd, VT-d 48-bit, 2 edu)"
	args="$args --iommufd"
fi
# env: the iommufd config forces cdev mode on dpdk-test; the benchmark
# chooses the mode of each pass itself
cat > "$out/map-bench.conf" <<EOF
# generated by devtools/bench-vm.sh
include $top/devtools/vm/configs/$base.conf
description="map-bench: $desc"
tests=dpdk-map-bench
env=""
args_dpdk_map_bench="$args"
test_timeout=600
EOF

say "booting the VM once with dpdk-map-bench$([ $dpdk = 1 ] && echo " and dpdk-map-bench-dpdk22")"
"$top/devtools/vm/run.sh" --config "$out/map-bench.conf" "${extra[@]}" --keep \
	2>&1 | tee "$out/run.log"
rc=${PIPESTATUS[0]}
work=$(sed -n 's/^vm: work dir kept: //p' "$out/run.log" | tail -n 1)
log=$work/map-bench/logs/dpdk-map-bench.log
if [ -z "$work" ] || [ ! -s "$log" ]; then
	say "no benchmark log from the VM (run.sh exit $rc)"
	exit 1
fi
cp "$log" "$out/guest.log"

# --- table, CSV, plot ---------------------------------------------------------

echo
awk '/^mapping benchmark/ { on = 1 } /^@CSV-BEGIN/ { on = 0 } on' "$log"
csv=$build/map-bench.csv
awk '/^@CSV-END/ { on = 0 } on; /^@CSV-BEGIN/ { on = 1 }' "$log" | tr -d '\r' > "$csv"
if [ "$(wc -l < "$csv")" -lt 2 ]; then
	say "the guest printed no CSV: see $out/guest.log"
	rm -f "$csv"
	exit 1
fi
say "CSV: $csv"
if command -v gnuplot > /dev/null 2>&1; then
	plot "$csv" "$build/map-bench.png" 2> "$out/gnuplot.log" &&
		say "plot: $build/map-bench.png" || say "gnuplot failed: $out/gnuplot.log"
fi
[ $keep = 1 ] || rm -rf "$work"
[ $keep = 1 ] && say "VM work dir: $work"
# run.sh's status: a FAIL means a row could not be measured (never slowness)
if [ "$rc" != 0 ]; then
	say "a row could not be measured (run.sh exit $rc): see $out/guest.log"
	exit 1
fi
exit 0
