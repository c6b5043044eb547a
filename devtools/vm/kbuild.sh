#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# kbuild.sh: builds the VM rig's test kernel from Debian's linux-source-6.12
# package: x86_64_defconfig + kvm_guest.config + the committed fragment(s)
# of devtools/vm/kconfig, olddefconfig, everything built in (no modules).
# Debian's binary 6.12 kernel has neither IOMMUFD nor VFIO device cdevs.
#
# usage: devtools/vm/kbuild.sh [options]
#   --variant NAME   iommufd (default): iommufd.config (IOMMUFD, VFIO cdev,
#                    VFIO group + type1 container, VT-d debugfs);
#                    compat: + compat.config (iommufd emulates the type1
#                    container: IOMMUFD_VFIO_CONTAINER, no VFIO_CONTAINER)
#   --cache DIR      cache (default: $VM_CACHE_DIR or ~/.cache/dpdk-vm)
#   --jobs N         make -j (default: nproc)
#   --no-build       only print where the kernel is; exit 1 when not built
#
# Prints the bzImage path on stdout; progress goes to stderr. The result is
# cached in DIR/kbuild/<source version>-<hash of script and fragments>/
# (vmlinuz, config, build-seconds), so a second run returns at once. The
# object trees DIR/kbuild/obj-<source version>-<variant> are kept: the
# compat variant starts from a copy of the iommufd tree, so it only
# rebuilds what its options touch. Needs root for apt-get when the source
# package or a build tool is missing.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
variant=iommufd
cache=${VM_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/dpdk-vm}
jobs=$(nproc 2>/dev/null || echo 2)
no_build=0
srcpkg=linux-source-6.12

while [ $# -gt 0 ]; do
	case $1 in
	--variant) variant=$2; shift 2 ;;
	--cache) cache=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--no-build) no_build=1; shift ;;
	-h|--help) sed -n '4,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "kbuild.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

case $variant in
iommufd) fragments=("$here/kconfig/iommufd.config") ;;
compat) fragments=("$here/kconfig/iommufd.config" "$here/kconfig/compat.config") ;;
*) echo "kbuild.sh: unknown variant '$variant' (iommufd, compat)" >&2; exit 2 ;;
esac

log() { echo "kbuild: $*" >&2; }

# The source package and the tools a kernel build needs.
ensure_packages() {
	local missing=() p
	dpkg-query -W -f='${Status}' "$srcpkg" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$srcpkg")
	for p in flex bison bc libelf-dev libssl-dev xz-utils make gcc; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		"${missing[@]}" >&2 || {
		log "apt-get install ${missing[*]} failed (root and the Debian archive are needed)"
		exit 1
	}
}

key_hash() {
	cat "$0" "${fragments[@]}" | sha256sum | cut -c1-12
}

if [ "$no_build" = 0 ]; then
	ensure_packages
fi
srcver=$(dpkg-query -W -f='${Version}' "$srcpkg" 2>/dev/null) || {
	log "$srcpkg is not installed"; exit 1; }
kb=$cache/kbuild
out=$kb/$srcver-$(key_hash)
if [ -s "$out/vmlinuz" ]; then
	echo "$out/vmlinuz"
	exit 0
fi
[ "$no_build" = 0 ] || { log "no kernel built for $variant at $out"; exit 1; }

mkdir -p "$kb"
exec 9>"$kb/lock"
flock 9
# another run may have built it while this one waited
if [ -s "$out/vmlinuz" ]; then
	echo "$out/vmlinuz"
	exit 0
fi

start=$(date +%s)
src=$kb/src-$srcver
tarball=$(dpkg -L "$srcpkg" | grep -E '/linux-source-[0-9.]+\.tar\.(xz|bz2|gz)$' | head -1)
[ -n "$tarball" ] || { log "no source tarball in $srcpkg"; exit 1; }
if [ ! -f "$src/.unpacked" ]; then
	log "unpacking $tarball"
	rm -rf "$src"
	mkdir -p "$src"
	tar -C "$src" --strip-components=1 -xf "$tarball"
	touch "$src/.unpacked"
fi

obj=$kb/obj-$srcver-$variant
base=$kb/obj-$srcver-iommufd
if [ ! -d "$obj" ] && [ "$variant" != iommufd ] && [ -f "$base/arch/x86/boot/bzImage" ]; then
	# incremental: only the objects that depend on changed options rebuild
	log "starting $variant from the iommufd objects"
	cp -a "$base" "$obj.tmp"
	mv "$obj.tmp" "$obj"
fi
mkdir -p "$obj"

mk() { make -C "$src" O="$obj" "$@"; }

log "configuring $variant (source $srcver)"
mk -s x86_64_defconfig >&2
mk -s kvm_guest.config >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${fragments[@]}" >&2
mk -s olddefconfig >&2

# Every option of the fragments must survive olddefconfig (a dependency
# Kconfig resolved otherwise would silently give a different kernel).
declare -A want=()
for f in "${fragments[@]}"; do
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			want[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			want[${BASH_REMATCH[1]}]=n
		fi
	done < "$f"
done
bad=0
for k in "${!want[@]}"; do
	got=$(sed -n "s/^$k=//p" "$obj/.config")
	[ -n "$got" ] || got=n
	if [ "$got" != "${want[$k]}" ]; then
		log "$k: fragment wants ${want[$k]}, olddefconfig gave $got (a dependency is missing)"
		bad=1
	fi
done
[ "$bad" = 0 ] || exit 1

log "building bzImage with -j$jobs (about 15 minutes on 2 cores)"
mk -j"$jobs" bzImage > "$obj/build.log" 2>&1 || {
	tail -40 "$obj/build.log" >&2
	log "build failed; full log: $obj/build.log"
	exit 1
}

mkdir -p "$out.tmp"
cp "$obj/arch/x86/boot/bzImage" "$out.tmp/vmlinuz"
cp "$obj/.config" "$out.tmp/config"
echo $(( $(date +%s) - start )) > "$out.tmp/build-seconds"
echo "$variant" > "$out.tmp/variant"
rm -rf "$out"
mv "$out.tmp" "$out"
log "built in $(cat "$out/build-seconds") s: $out/vmlinuz"
echo "$out/vmlinuz"
