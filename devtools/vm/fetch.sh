#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# fetch.sh CACHE_DIR [MODULE...]
#
# Prepares everything the test VM needs from Debian packages, idempotently:
#  - installs qemu-system-x86, busybox-static, xz-utils and cpio when missing
#    ("apt-get update" only if an install fails without it);
#  - picks the newest linux-image-6.12.*+deb12-amd64-unsigned that apt can
#    download, downloads it into CACHE_DIR/debs (skipped when already there),
#    and keeps under CACHE_DIR/kernel/<package version>/:
#      vmlinuz        the kernel
#      modules/*.ko   decompressed modules: the VFIO stack, virtio-iommu, any
#                     extra MODULE given, and everything they depend on
#      modules.dep    "name: dep dep" for each kept module
#      kver           the kernel release (uname -r)
#
# On success the last line on stdout is KERNEL_DIR=<dir>; progress and errors
# go to stderr. Exit status: 0 ok, 2 a package could not be installed, 3 no
# kernel could be obtained.

set -euo pipefail

log() { echo "fetch: $*" >&2; }

if [ $# -lt 1 ]; then
	echo "usage: $0 CACHE_DIR [MODULE...]" >&2
	exit 1
fi
cache=$1
shift
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
# one fetch at a time per cache (several checkouts may share it)
if command -v flock >/dev/null 2>&1; then
	exec 9> "$cache/.lock"
	flock 9
fi

# Modules the rig always needs (names as in modinfo, '-' and '_' equivalent).
modules="vfio irqbypass vfio_iommu_type1 vfio-pci-core vfio-pci virtio-iommu $*"

apt_updated=0
apt_update() {
	if [ $apt_updated = 0 ]; then
		log "apt-get update"
		apt-get update -q >&2 || return 1
		apt_updated=1
	fi
}

pkg_installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

ensure_packages() {
	local missing="" p
	for p in "$@"; do
		pkg_installed "$p" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		log "missing packages:$missing (not root, cannot install)"
		return 1
	fi
	log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 $missing >&2; then
		return 0
	fi
	apt_update || return 1
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 $missing >&2
}

if ! ensure_packages qemu-system-x86 busybox-static xz-utils cpio; then
	log "cannot install the VM packages"
	exit 2
fi

# --- kernel -----------------------------------------------------------------

pkg_re='^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$'

list_candidates() {
	apt-cache pkgnames linux-image-6.12. 2>/dev/null | grep -E "$pkg_re" |
		sort -V -r || true
}

# name of a module file -> canonical module name (dashes as underscores)
canon() { local n=${1##*/}; n=${n%%.ko*}; echo "${n//-/_}"; }

# depends= field of a (decompressed) module
mod_depends() {
	local f=$1 d
	if command -v modinfo >/dev/null 2>&1; then
		d=$(modinfo -F depends "$f" 2>/dev/null) && { echo "${d//,/ }"; return; }
	fi
	if command -v objcopy >/dev/null 2>&1 &&
	   objcopy -O binary --only-section=.modinfo "$f" "$f.modinfo" 2>/dev/null; then
		d=$(tr '\0' '\n' < "$f.modinfo" | sed -n 's/^depends=//p' | head -n1)
		rm -f "$f.modinfo"
	else
		d=$(tr '\0' '\n' < "$f" | sed -n 's/^depends=//p' | head -n1)
	fi
	echo "${d//,/ }"
}

# Extract vmlinuz and the wanted modules (with dependencies) from a .deb.
extract_kernel() {
	local deb=$1 dest=$2 tmp kver m want todo f dep c
	tmp=$(mktemp -d "$cache/extract.XXXXXX")
	log "extracting $(basename "$deb")"
	dpkg-deb -x "$deb" "$tmp"
	kver=$(ls "$tmp/lib/modules" | head -n1)
	mkdir -p "$dest.tmp/modules"
	cp "$tmp"/boot/vmlinuz-* "$dest.tmp/vmlinuz"
	echo "$kver" > "$dest.tmp/kver"
	: > "$dest.tmp/modules.dep"
	# index of every module of the package by canonical name
	find "$tmp/lib/modules/$kver" -name '*.ko*' | while read -r f; do
		echo "$(canon "$f") $f"
	done > "$tmp/index"
	todo=$modules
	want=""
	while [ -n "${todo// /}" ]; do
		set -- $todo
		m=$(canon "$1")
		shift
		todo="$*"
		case " $want " in *" $m "*) continue ;; esac
		want="$want $m"
		f=$(awk -v m="$m" '$1 == m { print $2; exit }' "$tmp/index")
		if [ -z "$f" ]; then
			log "module $m not found in $(basename "$deb")"
			rm -rf "$tmp" "$dest.tmp"
			return 1
		fi
		c="$dest.tmp/modules/$m.ko"
		case "$f" in
		*.xz) xz -dc "$f" > "$c" ;;
		*.zst) zstd -qdc "$f" > "$c" ;;
		*.gz) gzip -dc "$f" > "$c" ;;
		*) cp "$f" "$c" ;;
		esac
		dep=""
		for d in $(mod_depends "$c"); do
			dep="$dep $(canon "$d")"
		done
		echo "$m:$dep" >> "$dest.tmp/modules.dep"
		todo="$todo $dep"
	done
	rm -rf "$tmp" "$dest"
	mv "$dest.tmp" "$dest"
}

# Is the cached kernel in $1 complete for the wanted modules?
kernel_ready() {
	local d=$1 m
	[ -s "$d/vmlinuz" ] && [ -s "$d/kver" ] && [ -f "$d/modules.dep" ] || return 1
	for m in $modules; do
		[ -s "$d/modules/$(canon "$m").ko" ] || return 1
	done
}

# Make kernel dir $2 from package $1 (cached .deb, else apt-get download).
use_package() {
	local pkg=$1 ver dest deb
	ver=${pkg#linux-image-}
	ver=${ver%-unsigned}
	dest="$cache/kernel/$ver"
	if kernel_ready "$dest"; then
		log "cached: $dest"
		echo "$dest"
		return 0
	fi
	mkdir -p "$cache/debs"
	deb=$(ls "$cache/debs/${pkg}"_*.deb 2>/dev/null | sort -V | tail -n1 || true)
	if [ -z "$deb" ]; then
		log "downloading $pkg"
		# the _apt sandbox user may not write to CACHE_DIR: download as is
		if ! (cd "$cache/debs" && rm -f ./*.partial &&
		      apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2); then
			log "download of $pkg failed"
			return 1
		fi
		deb=$(ls "$cache/debs/${pkg}"_*.deb 2>/dev/null | sort -V | tail -n1 || true)
		[ -n "$deb" ] || return 1
	fi
	extract_kernel "$deb" "$dest" || return 1
	kernel_ready "$dest" || return 1
	echo "$dest"
}

cands=$(list_candidates)
if [ -z "$cands" ] && apt_update; then
	cands=$(list_candidates)
fi

kdir=""
for p in $cands; do
	if kdir=$(use_package "$p"); then
		break
	fi
	kdir=""
done

if [ -z "$kdir" ]; then
	# apt knows no kernel (offline, no lists): fall back to the newest cached one
	for d in $(ls -d "$cache"/kernel/6.12.*+deb12-amd64 2>/dev/null | sort -V -r); do
		if kernel_ready "$d"; then
			kdir=$d
			log "apt offers no usable kernel, using cached $d"
			break
		fi
	done
fi

if [ -z "$kdir" ]; then
	log "no linux-image-6.12.*+deb12-amd64-unsigned could be obtained"
	exit 3
fi

log "kernel $(cat "$kdir/kver") in $kdir"
echo "KERNEL_DIR=$kdir"
