#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench-malloc.sh: rte_malloc()/rte_free() throughput of this project side
# by side with Debian's DPDK 22.11, in one run on the host.
#
# usage: devtools/bench-malloc.sh [--build DIR] [--reps N] [--ms N]
#                                 [--modes huge,nohuge] [--plot PREFIX]
#   --build DIR   meson build dir (default: build); set up and built if needed
#   --reps N      runs of each binary per mode, interleaved (default 5);
#                 each row is the median of the N runs
#   --ms N        target time of one case in one run (default 200)
#   --modes M     huge (2 MiB hugepages, --in-memory) and/or nohuge
#                 (--no-huge -m 256; --in-memory for this project,
#                 --no-shconf for DPDK, which refuses --in-memory
#                 there); default both. The huge
#                 mode is skipped, with a line, when fewer than 48 2 MiB
#                 hugepages are free (the script never reserves any).
#   --plot P      also draw P-huge.png and P-nohuge.png (gnuplot)
#
# One source (app/malloc-bench/malloc_bench.c, DPDK 22.11 API only) built
# twice: dpdk-malloc-bench (this project) and dpdk-malloc-bench-dpdk22
# (pkg-config libdpdk). Installs libdpdk-dev with apt when it is missing.
# Prints the table (ops/s, one op = one rte_malloc + its rte_free) with the
# ratio memvfio/DPDK and writes DIR/malloc-bench.csv. It reports numbers;
# it never fails on them. Exit status: 0 when every case ran, 1 when not,
# 2 on a usage error.

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=$top/build
reps=5 ms=200 modes=huge,nohuge plotp=""

say() { echo "bench-malloc: $*" >&2; }
. "$here/lib.sh"
usage() { usage_from 7 28 "$@"; }

while [ $# -gt 0 ]; do
	case $1 in
	--build) [ $# -ge 2 ] || usage; build=$2; shift 2 ;;
	--reps) [ $# -ge 2 ] || usage; reps=$2; shift 2 ;;
	--ms) [ $# -ge 2 ] || usage; ms=$2; shift 2 ;;
	--modes) [ $# -ge 2 ] || usage; modes=$2; shift 2 ;;
	--plot) [ $# -ge 2 ] || usage; plotp=$2; shift 2 ;;
	-h|--help) usage 0 ;;
	*) echo "bench-malloc.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
case $build in /*) ;; *) build=$PWD/$build ;; esac
case $reps in ''|*[!0-9]*|0) usage ;; esac

# --- the two binaries ---------------------------------------------------------

if ! pkg-config --exists libdpdk 2>/dev/null; then
	say "installing Debian's DPDK 22.11 (libdpdk-dev) for the comparison"
	"$here/install-deps.sh" libdpdk-dev || { say "cannot install libdpdk-dev"; exit 1; }
fi
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$top" > "$build.setup.log" 2>&1 ||
		{ say "meson setup failed: $build.setup.log"; exit 1; }
elif ! grep -q malloc-bench-dpdk22 "$build/build.ninja"; then
	# libdpdk-dev was installed after the setup: look for it again
	meson setup --reconfigure "$build" "$top" > /dev/null 2>&1
fi
ninja -C "$build" app/malloc-bench/dpdk-malloc-bench \
	app/malloc-bench/dpdk-malloc-bench-dpdk22 > /dev/null ||
	{ say "build failed (ninja -C $build)"; exit 1; }
ours=$build/app/malloc-bench/dpdk-malloc-bench
theirs=$build/app/malloc-bench/dpdk-malloc-bench-dpdk22

# --- runs ---------------------------------------------------------------------

free_2m=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
rc=0
for mode in ${modes//,/ }; do
	case $mode in
	huge)
		if [ "$free_2m" -lt 48 ]; then
			say "huge: skipped, $free_2m free 2 MiB hugepages (48 needed)"
			rc=1
			continue
		fi
		eal=(--in-memory --no-pci --log-level=4)
		eal_dpdk=("${eal[@]}") ;;
	nohuge)
		# DPDK 22.11 refuses --in-memory with --no-huge (legacy memory):
		# --no-shconf is its way to run without files; this project
		# accepts --in-memory there and refuses --no-shconf.
		eal=(--in-memory --no-pci --log-level=4 --no-huge -m 256)
		eal_dpdk=(--no-shconf --no-pci --log-level=4 --no-huge -m 256) ;;
	*) say "unknown mode '$mode'"; usage ;;
	esac
	for r in $(seq "$reps"); do
		for side in dpdk memvfio; do
			if [ $side = dpdk ]; then
				bin=$theirs args=("${eal_dpdk[@]}")
			else
				bin=$ours args=("${eal[@]}")
			fi
			say "$mode run $r/$reps: $side"
			"$bin" "${args[@]}" -- --label "$mode,$side" --ms "$ms" >> "$raw" ||
				{ say "$side failed in mode $mode (run $r)"; rc=1; }
		done
	done
done

# --- table: median of the runs, ratio memvfio/DPDK --------------------------

python3 - "$raw" "$build/malloc-bench.csv" <<'EOF' || rc=1
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    f = line.strip().split(',')
    if len(f) != 8:
        continue
    mode, side, pattern, size, threads, batch, ops, rate = f
    key = (mode, pattern, int(size), int(threads), int(batch))
    try:
        rows.setdefault(key, {}).setdefault(side, []).append(float(rate))
    except ValueError:
        rows.setdefault(key, {}).setdefault(side, [])
def human(n):
    for unit, div in (('M', 1 << 20), ('K', 1 << 10)):
        if n >= div and n % div == 0:
            return '%d %siB' % (n // div, unit)
    return '%d B' % n
order = {'huge': 0, 'nohuge': 1}
out = open(sys.argv[2], 'w')
out.write('mode,pattern,size,threads,batch,dpdk22,memvfio,ratio\n')
hdr = '%-7s %-6s %8s %3s %5s %13s %13s %7s' % ('mode', 'pattern', 'size',
      'thr', 'batch', 'DPDK 22.11', 'memvfio', 'ratio')
print(hdr)
print('-' * len(hdr))
worst = None
for key in sorted(rows, key=lambda k: (order.get(k[0], 9), k[1] != 'pair', k[3], k[2])):
    mode, pattern, size, threads, batch = key
    d, m = rows[key].get('dpdk', []), rows[key].get('memvfio', [])
    dm = statistics.median(d) if d else None
    mm = statistics.median(m) if m else None
    ratio = mm / dm if dm and mm else None
    if ratio is not None and (worst is None or ratio < worst[0]):
        worst = (ratio, key)
    print('%-7s %-6s %8s %3d %5s %13s %13s %7s' % (mode, pattern, human(size),
          threads, batch if batch else '-',
          '{:,.0f}'.format(dm) if dm else 'failed',
          '{:,.0f}'.format(mm) if mm else 'failed',
          '%.2fx' % ratio if ratio else 'n/a'))
    out.write('%s,%s,%d,%d,%d,%s,%s,%s\n' % (mode, pattern, size, threads,
              batch, '%.0f' % dm if dm else '', '%.0f' % mm if mm else '',
              '%.3f' % ratio if ratio else ''))
out.close()
if worst:
    print('lowest ratio: %.2fx (%s %s %s, %d thread(s))' % (worst[0],
          worst[1][0], worst[1][1], human(worst[1][2]), worst[1][3]))
EOF
say "CSV: $build/malloc-bench.csv (medians of $reps runs)"

# --- plots --------------------------------------------------------------------

if [ -n "$plotp" ]; then
	if ! command -v gnuplot > /dev/null 2>&1; then
		say "gnuplot is not installed: no plot"
		exit 1
	fi
	for mode in ${modes//,/ }; do
		data=$(mktemp)
		# label,dpdk,memvfio for one mode, pairs then batches
		awk -F, -v m="$mode" 'NR > 1 && $1 == m && $6 != "" && $7 != "" {
			s = $3 >= 1048576 ? ($3 / 1048576) "M" : $3 >= 1024 ? ($3 / 1024) "K" : $3
			printf "%s %s %st,%s,%s\n", $2, s, $4, $6, $7 }' \
			"$build/malloc-bench.csv" > "$data"
		[ -s "$data" ] || { rm -f "$data"; continue; }
		gnuplot <<PLOT || rc=1
set terminal pngcairo size 1200,600 noenhanced
set output '$plotp-$mode.png'
set datafile separator ','
set title 'rte_malloc + rte_free, $mode ($( [ "$mode" = huge ] && echo "2 MiB hugepages" || echo "--no-huge"), --in-memory): ops/s, log scale, higher is better'
set ylabel 'ops/s'
set logscale y
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -35
set key outside top center horizontal
set bmargin 6
plot '$data' using 2:xtic(1) title 'DPDK 22.11', '' using 3 title 'memvfio'
PLOT
		rm -f "$data"
		say "plot: $plotp-$mode.png"
	done
fi
exit $rc
