#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Builds the test VM's initramfs (gzip'd newc cpio).
#
#   mkinitrd.sh -o OUT -k KERNEL_DIR [-c GUEST_CONF] [-b BUSYBOX] [BIN...]
#       full image: static busybox (+ applet links), the decompressed modules
#       of KERNEL_DIR/modules (from fetch.sh) in /lib/modules, /init
#       (init.sh), GUEST_CONF as /etc/vmtest.conf, and every BIN.
#   mkinitrd.sh -o OUT --base BASE -c GUEST_CONF
#       BASE (a full image) with GUEST_CONF appended as a second archive
#       (the kernel unpacks concatenated archives in order): cheap per config.
#
# Each BIN (any ELF executable or library, or a script) is copied to
# /opt/vmtest/root/<its absolute host path>, with /opt/vmtest/bin/<basename>
# pointing to it. Its shared-library closure (ldd) and ELF interpreter come
# along: system libraries (/lib*, /usr/lib*) at their own path, others under
# /opt/vmtest/root/<path> with their directories listed in
# /etc/vmtest.ldpath (init adds them to LD_LIBRARY_PATH), so both
# $ORIGIN-relative and absolute RUNPATHs of a meson build tree resolve.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out="" kdir="" conf="" base="" busybox=/bin/busybox
bins=()

usage() {
	sed -n '4,22p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	-o|--out) out=$2; shift 2 ;;
	-k|--kernel-dir) kdir=$2; shift 2 ;;
	-c|--conf) conf=$2; shift 2 ;;
	-b|--busybox) busybox=$2; shift 2 ;;
	--base) base=$2; shift 2 ;;
	-h|--help) usage ;;
	--) shift; bins+=("$@"); break ;;
	-*) echo "mkinitrd: unknown option $1" >&2; usage ;;
	*) bins+=("$1"); shift ;;
	esac
done
[ -n "$out" ] || usage

die() { echo "mkinitrd: $*" >&2; exit 1; }

pack() { # dir -> gzip'd newc cpio on stdout
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1)
}

if [ -n "$base" ]; then
	[ -f "$base" ] || die "no base image $base"
	[ -n "$conf" ] || die "--base needs --conf"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/etc"
	cp "$conf" "$tmp/etc/vmtest.conf"
	{ cat "$base"; pack "$tmp"; } > "$out.tmp"
	mv "$out.tmp" "$out"
	exit 0
fi

[ -n "$kdir" ] && [ -d "$kdir/modules" ] || die "need -k KERNEL_DIR with modules/ (fetch.sh)"
[ -x "$busybox" ] || die "no busybox at $busybox (apt-get install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is not static (apt-get install busybox-static)"
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,lib/modules,opt/vmtest/bin,opt/vmtest/root}
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list); do
	[ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
done
cp "$kdir"/modules/*.ko "$root/lib/modules/"
cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"
[ -n "$conf" ] && cp "$conf" "$root/etc/vmtest.conf"

is_system_path() {
	case $1 in
	/lib/*|/lib64/*|/usr/lib/*|/usr/lib64/*) return 0 ;;
	*) return 1 ;;
	esac
}

ldpath=""
declare -A copied

put() { # host file -> its place in the image; guest path in $put_dst
	local src dst
	# lexically normal (ldd may print dir/../lib/x.so); symlinks kept, so
	# that a library keeps its soname as file name
	src=$(realpath -s -m "$1")
	if is_system_path "$src"; then
		dst=$src
	else
		dst=/opt/vmtest/root$src
	fi
	if [ -z "${copied[$dst]:-}" ]; then
		mkdir -p "$root$(dirname "$dst")"
		cp -L "$src" "$root$dst"
		copied[$dst]=1
	fi
	put_dst=$dst
}

closure() { # ELF file -> interpreter and libraries (absolute paths)
	local f=$1 interp
	if command -v readelf >/dev/null 2>&1; then
		interp=$(readelf -l "$f" 2>/dev/null |
			sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p')
		[ -n "$interp" ] && echo "$interp"
	fi
	# "name => /path (addr)" and "/path/ld.so (addr)"; static: nothing
	ldd "$f" 2>/dev/null | awk '
		$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }' || true
}

for b in "${bins[@]}"; do
	[ -f "$b" ] || die "no such file: $b"
	src=$(cd "$(dirname "$b")" && pwd)/$(basename "$b")
	put "$src"
	g=$put_dst
	chmod 755 "$root$g"
	ln -sf "$g" "$root/opt/vmtest/bin/$(basename "$b")"
	if head -c 4 "$src" | grep -q 'ELF'; then
		if ldd "$src" 2>/dev/null | grep -q 'not found'; then
			die "$b: $(ldd "$src" | grep 'not found' | head -n 3 | tr '\n\t' '  ')"
		fi
		for l in $(closure "$src"); do
			put "$l"
			gl=$put_dst
			if ! is_system_path "$l"; then
				case ":$ldpath:" in
				*":$(dirname "$gl"):"*) ;;
				*) ldpath="$ldpath${ldpath:+:}$(dirname "$gl")" ;;
				esac
			fi
		done
	fi
done
echo "$ldpath" > "$root/etc/vmtest.ldpath"

pack "$root" > "$out.tmp"
mv "$out.tmp" "$out"
