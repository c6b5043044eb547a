#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job: build the project and run memvfio-demo in a QEMU VM on the
# real Linux kernel (VT-d, an edu device doing real DMA), showing the demo's
# whole output and ending with its result.
#
# usage: devtools/demo.sh [--build DIR] [--host] [-- DEMO_ARGS...]
#   --build DIR   meson build dir (default: build); configured with
#                 -Dwerror=true like devtools/test-all.sh, so both share it
#   --host        no VM: run the memory-only demo on this machine
#                 (default arguments: --no-huge --dynamic-mem)
#   -- ARGS       with --host, the demo's (EAL) arguments instead
#
# On a fresh Debian 12 machine run it as root: it installs what is missing
# (devtools/install-deps.sh; QEMU, busybox and the guest kernel through
# devtools/vm/fetch.sh, cached in DIR/vm-cache or $VM_CACHE_DIR).
# Exit status: the demo's (0: "demo: OK").

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
build=build
host=0
demo_args=()

. "$top/devtools/lib.sh"
usage() { usage_from 8 13 "$@"; }

while [ $# -gt 0 ]; do
	case $1 in
	--build) [ $# -ge 2 ] || usage; build=$2; shift 2 ;;
	--host) host=1; shift ;;
	--) shift; demo_args=("$@"); break ;;
	-h|--help) usage 0 ;;
	*) echo "demo.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
[ ${#demo_args[@]} -eq 0 ] || [ $host = 1 ] ||
	{ echo "demo.sh: demo arguments go with --host (the VM's are in devtools/vm/configs/demo.conf)" >&2; exit 2; }

t0=$SECONDS
took() { echo "$((SECONDS - t0)) s"; }
die() { echo "demo.sh: $*" >&2; echo "demo: FAILED at setup ($(took))"; exit 1; }

if [ $host = 0 ] && [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: not root: installing QEMU and the guest kernel may fail (then the VM part is skipped)" >&2
fi

echo "demo.sh: dependencies"
devtools/install-deps.sh || die "devtools/install-deps.sh failed"

echo "demo.sh: build in $build"
mkdir -p "$(dirname "$build")"
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dwerror=true > "$build.setup.log" 2>&1 ||
		{ tail -n 30 "$build.setup.log"; die "meson setup failed (log: $build.setup.log)"; }
fi
ninja -C "$build" > "$build.build.log" 2>&1 ||
	{ tail -n 40 "$build.build.log"; die "the build failed (log: $build.build.log)"; }
demo=$build/app/demo/memvfio-demo
[ -x "$demo" ] || die "no $demo after the build"

if [ $host = 1 ]; then
	[ ${#demo_args[@]} -gt 0 ] || demo_args=(--no-huge --dynamic-mem)
	echo "demo.sh: on the host: $demo ${demo_args[*]}"
	echo
	"$demo" "${demo_args[@]}"
	rc=$?
	echo
	echo "demo.sh: host demo exit status $rc ($(took) in all)"
	exit $rc
fi

export VM_CACHE_DIR=${VM_CACHE_DIR:-$(cd "$build" && pwd)/vm-cache}
echo "demo.sh: VM (QEMU TCG, Linux 6.12, VT-d, edu): devtools/vm/run.sh --config demo"
echo
out=$(mktemp "${TMPDIR:-/tmp}/demo.XXXXXX")
trap 'rm -f "$out"' EXIT
devtools/vm/run.sh --build "$build" --config demo --extra-bin "$demo" \
	--show-output | tee "$out"
rc=$?
echo
result=$(sed -n 's/^[[:space:]|]*\(demo: .*\)$/\1/p' "$out" | tail -n 1)
if grep -q '^SKIP demo/memvfio-demo' "$out"; then
	echo "demo.sh: the VM could not run here (see the SKIP line); the memory-only demo: devtools/demo.sh --host"
	result="demo: not run (no VM)"
	rc=1
elif [ -z "$result" ]; then
	result="demo: FAILED at VM (no result from the guest: see above)"
	[ $rc = 0 ] && rc=1
fi
echo "$result ($(took) in all, devtools/demo.sh)"
exit $rc
