#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Proves that memvfio installs beside Debian's DPDK (libdpdk-dev) under /usr
# without replacing any of its files, and that a program built against each
# (pkg-config libdpdk, pkg-config memvfio) runs on its own library.
#
#   devtools/install-beside-dpdk.sh [SOURCE_DIR]
#
# Needs root, unshare(1), overlayfs, and libdpdk-dev 22.11 installed
# (apt-get install libdpdk-dev). The host is not changed: the script
# re-runs itself in a private mount namespace where /usr is an overlay
# (the real /usr below, a tmpfs above) and installs memvfio there with
# "meson install" (--prefix=/usr). It then checks:
#   1. no file of /usr was replaced (every installed path is new);
#   2. DPDK's development links (librte_eal.so, librte_bus_pci.so) still
#      point into DPDK;
#   3. a program built with pkg-config libdpdk, one built with the classic
#      "-lrte_eal" line and one built with pkg-config memvfio run, each
#      initialising its EAL and allocating with rte_malloc; each prints the
#      file its rte_malloc came from, which must be DPDK's for the first two
#      and libmemvfio_eal.so.0 for the third.
# Exit status 0 when all hold, 1 otherwise; every step prints what it saw.

set -e
SRC=$(cd "${1:-$(dirname "$0")/..}" && pwd)

if [ "$MEMVFIO_BESIDE_INNER" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "install-beside-dpdk: needs root (mount namespace, overlay)"; exit 1; }
	command -v unshare >/dev/null || { echo "install-beside-dpdk: unshare(1) missing (util-linux)"; exit 1; }
	pkg-config --exists libdpdk || {
		echo "install-beside-dpdk: libdpdk-dev not installed (apt-get install libdpdk-dev)"; exit 1; }
	WORK=$(mktemp -d /tmp/memvfio-beside.XXXXXX)
	echo "== build memvfio with --prefix=/usr (in $WORK/build)"
	meson setup "$WORK/build" "$SRC" --prefix=/usr -Dtests=false \
		-Ddisable_apps=demo,bench,map-bench,map-bench-dpdk,fuzz >"$WORK/setup.log" 2>&1 ||
		{ cat "$WORK/setup.log"; exit 1; }
	ninja -C "$WORK/build" >"$WORK/ninja.log" 2>&1 || { cat "$WORK/ninja.log"; exit 1; }
	rc=0
	MEMVFIO_BESIDE_INNER=1 MEMVFIO_BESIDE_WORK="$WORK" \
		unshare -m --propagation private sh "$0" "$SRC" || rc=$?
	rm -rf "$WORK"
	echo "== host /usr untouched: $(ls /usr/lib/x86_64-linux-gnu | grep -c memvfio) memvfio file(s) outside the namespace"
	exit $rc
fi

# Inside the private mount namespace.
WORK=$MEMVFIO_BESIDE_WORK
fail=0
check() {	# check DESCRIPTION COMMAND...: one line, counts failures
	desc=$1; shift
	if "$@"; then echo "  ok   $desc"; else echo "  FAIL $desc"; fail=1; fi
}

mkdir -p "$WORK/lower" "$WORK/ov"
mount --bind /usr "$WORK/lower"
# overlayfs refuses an upper layer on some filesystems (overlay on overlay):
# a tmpfs holds it
mount -t tmpfs tmpfs "$WORK/ov"
mkdir -p "$WORK/ov/upper" "$WORK/ov/work"
mount -t overlay overlay \
	-o "lowerdir=$WORK/lower,upperdir=$WORK/ov/upper,workdir=$WORK/ov/work" /usr
echo "== /usr is an overlay in this namespace; install memvfio into it"
meson install -C "$WORK/build" --no-rebuild >"$WORK/install.log" 2>&1 ||
	{ cat "$WORK/install.log"; exit 1; }

echo "== installed files (the overlay's upper layer)"
replaced=0
for f in $(cd "$WORK/ov/upper" && find . ! -type d | sort); do
	p=${f#./}
	if [ -e "$WORK/lower/$p" ] || [ -L "$WORK/lower/$p" ]; then
		echo "  REPLACED /usr/$p"
		replaced=$((replaced + 1))
	else
		echo "  new      /usr/$p"
	fi
done
check "no file of /usr replaced ($replaced)" [ "$replaced" = 0 ]

LIBDIR=/usr/lib/x86_64-linux-gnu
for l in librte_eal.so librte_bus_pci.so; do
	t=$(readlink -f "$LIBDIR/$l")
	check "$l -> $t (DPDK's)" sh -c "case '$t' in *memvfio*) exit 1;; esac; [ -e '$t' ]"
done
check "memvfio SONAME libmemvfio_eal.so.0" \
	sh -c "objdump -p $LIBDIR/libmemvfio_eal.so | grep -q 'SONAME *libmemvfio_eal.so.0\$'"
echo "  pkg-config: libdpdk $(pkg-config --modversion libdpdk), memvfio $(pkg-config --modversion memvfio)"
echo "  memvfio libs: $(pkg-config --libs memvfio)"

cat >"$WORK/prog.c" <<'EOF'
/* The same DPDK program for both: init (EAL options from the command
 * line), allocate, say whose rte_malloc it was. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

int
main(int argc, char **argv)
{
	Dl_info info;
	void *p;

	if (rte_eal_init(argc, argv) < 0) {
		printf("rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	p = rte_malloc(NULL, 1 << 20, 64);
	if (p == NULL) {
		printf("rte_malloc failed\n");
		return 1;
	}
	memset(p, 1, 1 << 20);
	if (dladdr((void *)rte_malloc, &info) == 0 || info.dli_fname == NULL)
		info.dli_fname = "?";
	printf("rte_malloc(1 MiB) = %p from %s\n", p, info.dli_fname);
	rte_free(p);
	rte_eal_cleanup();
	return 0;
}
EOF
cd "$WORK"
# shellcheck disable=SC2046
cc -o prog-dpdk prog.c $(pkg-config --cflags libdpdk) $(pkg-config --libs libdpdk) -ldl
cc -o prog-rte-eal prog.c $(pkg-config --cflags libdpdk) -lrte_eal -ldl
cc -o prog-memvfio prog.c $(pkg-config --cflags memvfio) $(pkg-config --libs memvfio) -ldl
for p in prog-dpdk prog-rte-eal prog-memvfio; do
	echo "== $p: $(ldd ./$p | grep -E 'rte_eal|memvfio_eal' | sed 's/ (0x.*//;s/^[[:space:]]*//')"
	# no hugepages, no devices, no files left behind: DPDK spells the
	# last one --no-shconf (memvfio accepts and ignores it: it has no
	# shared configuration), memvfio --in-memory (DPDK refuses it with
	# --no-huge)
	case $p in
	prog-memvfio) nofiles=--in-memory ;;
	*) nofiles=--no-shconf ;;
	esac
	out=$(./$p --no-huge --no-pci -m 64 $nofiles --log-level=3 2>&1 | tail -1) || true
	echo "  $out"
	case $p in
	prog-memvfio) want=libmemvfio_eal.so.0 ;;
	*) want=librte_eal.so.23 ;;
	esac
	check "$p ran on $want" sh -c "echo '$out' | grep -q 'rte_malloc(1 MiB) = 0x.* from .*$want'"
done
exit $fail
