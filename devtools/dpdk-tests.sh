#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# DPDK 22.11's own memory autotests against the installed memvfio.
#
#   devtools/dpdk-tests.sh [--build DIR] [--cache DIR]
#
# 1. Gets Debian's "dpdk" 22.11 source package with apt-get source, through
#    a private deb-src list (the system's apt configuration is not changed),
#    and unpacks it once into the cache (default ~/.cache/memvfio/dpdk-src,
#    outside the clone, so a second run reuses it).
# 2. Installs memvfio from the build directory (default build) into a
#    temporary root (meson install --destdir).
# 3. Compiles app/test/test_malloc.c, test_memory.c, test_external_mem.c
#    and test_memzone.c unchanged (copied out of the package and compared
#    byte for byte) through "pkg-config memvfio", with the test framework
#    of devtools/dpdk-shim (test.h, lcore launch, random numbers; no memory,
#    memzone, malloc, memseg, extmem or VFIO function) and nothing else.
# 4. Runs each with --no-huge and on 2 MiB hugepages: dynamic memory, -m,
#    --legacy-mem, and dynamic with --match-allocations, each check on its
#    own (devtools/dpdk-shim/checks_*.c); checks excluded by name are
#    listed with their reason and count as skipped (doc/guides/dpdk_tests.rst).
#
# Prints one line per check run, a line "counted dpdk/<file>/<mode>: host:
# P passed, F failed, S skipped" per file and mode (a compile is counted as
# one check, a run that ends without its counted line as one failure), and
# ends with "dpdk-tests: P passed, F failed, S skipped". Exit status 0 when
# nothing failed. A failure to fetch, install or compile is a failure,
# never a skip; so is a host without the hugepages the runs need.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
cache=${MEMVFIO_CACHE_DIR:-${HOME:-/tmp}/.cache/memvfio}
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$(cd "$2" && pwd) || exit 2; shift 2 ;;
	--cache) cache=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR] [--cache DIR]" >&2; exit 2 ;;
	esac
done
shim=$top/devtools/dpdk-shim
files="test_malloc.c test_memory.c test_external_mem.c test_memzone.c"
# mode name and EAL options; -l 0-3: three worker threads for the
# per-lcore checks of test_malloc.c
modes=(nohuge dynamic socketmem legacy match)
declare -A mode_args=(
	[nohuge]="--no-huge -m 256"
	[dynamic]=""
	[socketmem]="-m 64"
	[legacy]="--legacy-mem -m 64"
	[match]="--match-allocations"
)
hugepages_needed=40 # the -m 64 runs hold 32 pages, the dynamic run grows

passed=0 failed=0 skipped=0
count() { # DESCRIPTION P F S: one counted line, added to the totals
	echo "counted dpdk/$1: host: $2 passed, $3 failed, $4 skipped"
	passed=$((passed + $2)); failed=$((failed + $3)); skipped=$((skipped + $4))
}
finish() {
	echo "dpdk-tests: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}
t0=$(date +%s)
elapsed() { echo "$(( $(date +%s) - t0 )) s"; }

# 1. DPDK 22.11's source, from Debian's package, once
src=$cache/dpdk-src
fetch_source() {
	local apt=$cache/apt opts tmp dsc
	# dpkg-source unpacks the package (dpkg-dev; xz for its tarballs)
	"$top/devtools/install-deps.sh" dpkg-dev xz-utils ||
		{ echo "cannot install dpkg-dev"; return 1; }
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" || return 1
	# A deb-src entry for this step only: a private source list and state
	# (Debian 12, bookworm; its security and updates suites carry the
	# newest 22.11 stable release).
	: >"$apt/sources.list"
	for s in "debian bookworm" "debian bookworm-updates" \
		"debian-security bookworm-security"; do
		set -- $s
		echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/$1 $2 main" \
			>>"$apt/sources.list"
	done
	opts=(-o "Dir::Etc::SourceList=$apt/sources.list"
		-o "Dir::Etc::SourceParts=$apt/none"
		-o "Dir::State::Lists=$apt/lists"
		-o "Dir::Cache=$apt/cache")
	[ "$(id -u)" -eq 0 ] && opts+=(-o APT::Sandbox::User=root)
	echo "apt-get update (deb-src, private list in $apt)"
	apt-get "${opts[@]}" update -q >"$cache/apt-update.log" 2>&1 ||
		{ tail -5 "$cache/apt-update.log"; return 1; }
	tmp=$(mktemp -d "$cache/fetch.XXXXXX") || return 1
	echo "apt-get source --download-only dpdk"
	(cd "$tmp" && apt-get "${opts[@]}" source --download-only -q dpdk) \
		>"$cache/apt-source.log" 2>&1 ||
		{ tail -5 "$cache/apt-source.log"; rm -rf "$tmp"; return 1; }
	dsc=$(ls "$tmp"/dpdk_22.11*.dsc 2>/dev/null | head -1)
	[ -n "$dsc" ] || { echo "no dpdk 22.11 source package: $(ls "$tmp")"; rm -rf "$tmp"; return 1; }
	echo "dpkg-source -x $(basename "$dsc")"
	dpkg-source -x "$dsc" "$tmp/dpdk" >"$cache/dpkg-source.log" 2>&1 ||
		{ tail -5 "$cache/dpkg-source.log"; rm -rf "$tmp"; return 1; }
	basename "$dsc" >"$tmp/dpdk/.memvfio-package"
	rm -rf "$src" && mv "$tmp/dpdk" "$src" && rm -rf "$tmp"
}
echo "== DPDK 22.11 source (Debian's package dpdk)"
if [ -f "$src/.memvfio-package" ]; then
	echo "cached: $src ($(cat "$src/.memvfio-package"))"
else
	fetch_source || { echo "cannot get DPDK's source"; count fetch 0 1 0; finish; }
fi
version=$(cat "$src/VERSION" 2>/dev/null)
case "$version" in
22.11*) echo "DPDK $version, $(elapsed)" ;;
*) echo "not DPDK 22.11: VERSION '$version' in $src"; count fetch 0 1 0; finish ;;
esac

# 2. memvfio installed into a temporary root
work=$build/dpdk-tests
rm -rf "$work" && mkdir -p "$work/src" "$work/bin" "$work/log" || exit 1
echo "== install memvfio from $build into $work/root"
ninja -C "$build" >"$work/log/ninja.log" 2>&1 &&
	meson install -C "$build" --no-rebuild --destdir "$work/root" \
		>"$work/log/install.log" 2>&1 ||
	{ tail -20 "$work/log/ninja.log" "$work/log/install.log"; count install 0 1 0; finish; }
pcdir=$(dirname "$(find "$work/root" -name memvfio.pc | head -1)")
# only memvfio's .pc files (not DPDK's libdpdk.pc, if it is installed),
# their paths inside the temporary root
export PKG_CONFIG_LIBDIR=$pcdir PKG_CONFIG_PATH= PKG_CONFIG_SYSROOT_DIR=$work/root
cflags=$(pkg-config --cflags memvfio) && libs=$(pkg-config --libs memvfio) ||
	{ echo "pkg-config memvfio failed"; count install 0 1 0; finish; }
# the .pc file is in LIBDIR/pkgconfig; the headers in the -I directory
libdir=$(dirname "$pcdir")
incdir=$(echo "$cflags" | tr ' ' '\n' | sed -n 's/^-I//p' | head -1)
echo "pkg-config memvfio: $cflags $libs"
# The shim holds only what memvfio does not install: a header of the same
# name in both would hide the library's.
for h in "$shim"/*.h; do
	if [ -e "$incdir/$(basename "$h")" ]; then
		echo "devtools/dpdk-shim/$(basename "$h") shadows memvfio's own header: remove it from the shim"
		count install 0 1 0; finish
	fi
done

# 3. the four files, unchanged, compiled against it
echo "== compile DPDK's files against memvfio ($(elapsed))"
cc=${CC:-cc}
# DPDK's warnings for its own tree (warning_level 2, no format-truncation,
# no missing-field-initializers), as errors; its tree uses the internal and
# experimental API, which the tests need (rte_mem_page_size is internal)
dpdk_cflags="-O2 -g -Wall -Wextra -Werror -Wno-format-truncation
	-Wno-missing-field-initializers -DALLOW_EXPERIMENTAL_API
	-DALLOW_INTERNAL_API"
declare -A built=()
for f in $files; do
	name=${f%.c}
	if ! cp "$src/app/test/$f" "$work/src/$f" || ! cmp -s "$src/app/test/$f" "$work/src/$f"; then
		echo "FAIL compile $f: not in $src/app/test"
		count "$f/compile" 0 1 0
		continue
	fi
	echo "$f: sha256 $(sha256sum "$work/src/$f" | cut -c1-16)..., $(wc -l <"$work/src/$f") lines"
	# the wrapper includes the DPDK file (found by -iquote in its own
	# directory, which holds nothing else); the shim's headers come after
	# memvfio's include directory, so they can never hide one of its headers
	# shellcheck disable=SC2086
	if $cc $dpdk_cflags $cflags -iquote "$work/src" -iquote "$shim" -I"$shim" \
		-o "$work/bin/$name" "$shim/checks_${name#test_}.c" "$shim/shim_main.c" \
		$libs -pthread >"$work/log/$name.compile.log" 2>&1; then
		count "$f/compile" 1 0 0
		built[$f]=1
	else
		echo "FAIL compile $f:"; head -30 "$work/log/$name.compile.log"
		count "$f/compile" 0 1 0
	fi
done
echo "compiled in $(elapsed)"

# 4. each file in each memory mode
free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
hpsz=$(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo)
echo "== run (hugepages: ${free:-0} free of ${hpsz:-?} kB)"
for mode in "${modes[@]}"; do
	for f in $files; do
		name=${f%.c}
		log=$work/log/$name.$mode.log
		if [ -z "${built[$f]:-}" ]; then
			echo "FAIL $f $mode: not compiled"
			count "$f/$mode" 0 1 0
			continue
		fi
		if [ "$mode" != nohuge ] && { [ "${free:-0}" -lt $hugepages_needed ] || [ "$hpsz" != 2048 ]; }; then
			echo "FAIL $f $mode: needs $hugepages_needed free 2 MiB hugepages (echo 64 > /proc/sys/vm/nr_hugepages)"
			count "$f/$mode" 0 1 0
			continue
		fi
		# shellcheck disable=SC2086
		DPDK_SHIM_MODE=$mode LD_LIBRARY_PATH=$libdir timeout 600 \
			"$work/bin/$name" ${mode_args[$mode]} -l 0-3 >"$log" 2>&1
		rc=$?
		grep -E '^(PASS|FAIL|SKIP|EXCLUDED) ' "$log" | sed "s/^/[$mode] $f: /" | cut -c1-160
		line=$(grep '^counted dpdk/' "$log" | tail -1)
		if [ -z "$line" ]; then
			echo "FAIL $f $mode: ended without its counts (exit $rc):"
			tail -20 "$log"
			count "$f/$mode" 0 1 0
			continue
		fi
		read -r p fl s <<<"$(echo "$line" | sed 's/.*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/')"
		if [ "$rc" -ne 0 ] && [ "$fl" -eq 0 ]; then
			fl=1 # a non-zero exit is a failure even when no check said so
		fi
		[ "$fl" -eq 0 ] || { echo "--- $log:"; grep -v '^EXCLUDED ' "$log" | tail -40; }
		count "$f/$mode" "$p" "$fl" "$s"
	done
done
echo "total time $(elapsed)"
finish
