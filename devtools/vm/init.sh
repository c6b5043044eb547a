#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# /init of the test VM (busybox sh, PID 1). Installed by mkinitrd.sh.
#
# Reads /etc/vmtest.conf (written by run.sh), prepares the guest (mounts,
# modules, edu devices bound to vfio-pci), runs each test with a timeout and
# reports on the console with lines the host parses:
#   @@VMTEST boot <uptime> <kernel release> <config>
#   @@VMTEST setup ok|error <message>
#   @@VMTEST device <bdf> group <n> driver <driver> cdev <vfioN|none>
#   @@VMTEST begin <test>
#   ... the test's output, then "kmsg: ..." kernel log lines of the test ...
#   @@VMTEST result <test> pass|fail|skip <rc> <seconds>
#   @@VMTEST done <uptime>
# then powers off. The host treats a missing "done" as a crashed/hung VM.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
umask 022

mark() { echo "@@VMTEST $*"; }
uptime_s() { read -r up _ < /proc/uptime; echo "$up"; }
die_poweroff() { mark "done $(uptime_s)"; sync; poweroff -f; sleep 5; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /dev/hugepages /tmp /run /var
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm
mount -t hugetlbfs hugetlbfs /dev/hugepages
# the IOMMU's page-table dump (kernels built with INTEL_IOMMU_DEBUGFS)
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ -e /var/run ] || ln -s /run /var/run
# other hugepage sizes with pages reserved get their own mount
for d in /sys/kernel/mm/hugepages/hugepages-*kB; do
	[ -d "$d" ] || continue
	kb=${d##*hugepages-}; kb=${kb%kB}
	[ "$(cat "$d/nr_hugepages")" -gt 0 ] || continue
	[ "$kb" = "$(awk '/^Hugepagesize:/ { print $2 }' /proc/meminfo)" ] && continue
	case $kb in
	1048576) m=/dev/hugepages-1G ;;
	*) m=/dev/hugepages-${kb}kB ;;
	esac
	mkdir -p "$m" && mount -t hugetlbfs -o "pagesize=${kb}K" hugetlbfs "$m"
done
hostname vmtest

VMTEST_CONFIG=unknown
VMTEST_KERNEL=debian
VMTEST_TESTS=
VMTEST_TIMEOUT=60
VMTEST_MODULES=
VMTEST_MODPARAMS=
VMTEST_MEMLOCK_KB=
VMTEST_DROP_CAPS=
VMTEST_DPDK_TEST=
VMTEST_ENV=
[ -f /etc/vmtest.conf ] && . /etc/vmtest.conf
ldp=$(cat /etc/vmtest.ldpath 2>/dev/null)
[ -n "$ldp" ] && export LD_LIBRARY_PATH="$ldp"

mark "boot $(uptime_s) $(uname -r) $VMTEST_CONFIG"
# kernel messages: only emergencies on the console, the rest is printed
# after each test from the ring buffer
dmesg -n 1

setup_err=""
setup_error() {
	echo "vmtest: setup: $*"
	setup_err="$setup_err; $*"
}

# modules, in the order given (dependencies first), with their parameters;
# none on a kernel built by kbuild.sh (everything is built in)
for m in $VMTEST_MODULES; do
	params=""
	for p in $VMTEST_MODPARAMS; do
		pm=${p%%.*}
		[ "$(echo "$pm" | tr - _)" = "$(echo "$m" | tr - _)" ] && params="$params ${p#*.}"
	done
	# shellcheck disable=SC2086
	if ! out=$(insmod "/lib/modules/$m.ko" $params 2>&1); then
		setup_error "insmod $m$params failed: $out"
	fi
done

# edu devices -> vfio-pci. With an IOMMU driver loaded as a module
# (virtio_iommu, via the ACPI VIOT table) a device gets its IOMMU group only
# when a driver probes it, i.e. here: that module must be loaded before.
if [ -d /sys/bus/pci/drivers/vfio-pci ]; then
	echo "1234 11e8" > /sys/bus/pci/drivers/vfio-pci/new_id 2>/dev/null ||
		setup_error "vfio-pci new_id failed"
fi
n_edu=0
i=0	# one 5 s deadline for all devices
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] || continue
	n_edu=$((n_edu + 1))
	bdf=${d##*/}
	while [ $i -lt 50 ]; do
		drv=$(readlink "$d/driver" 2>/dev/null)
		grp=$(readlink "$d/iommu_group" 2>/dev/null)
		grp=${grp##*/}
		[ "${drv##*/}" = vfio-pci ] && [ -n "$grp" ] && [ -c "/dev/vfio/$grp" ] && break
		i=$((i + 1))
		sleep 0.1
	done
	if [ -z "$grp" ]; then
		setup_error "edu $bdf has no IOMMU group"
	elif [ "${drv##*/}" != vfio-pci ]; then
		setup_error "edu $bdf not bound to vfio-pci (driver: ${drv##*/})"
	elif [ ! -c "/dev/vfio/$grp" ]; then
		setup_error "edu $bdf: no /dev/vfio/$grp"
	fi
	# a kernel with VFIO_DEVICE_CDEV also gives the device a cdev
	cdev=""
	for v in "$d"/vfio-dev/vfio*; do
		[ -e "$v" ] && cdev=${v##*/}
	done
	if [ "$VMTEST_KERNEL" != debian ] && [ "${drv##*/}" = vfio-pci ]; then
		if [ -z "$cdev" ]; then
			setup_error "edu $bdf: no vfio-dev cdev in sysfs (kernel $VMTEST_KERNEL)"
		elif [ ! -c "/dev/vfio/devices/$cdev" ]; then
			setup_error "edu $bdf: no /dev/vfio/devices/$cdev"
		fi
	fi
	mark "device $bdf group ${grp:-none} driver ${drv##*/} cdev ${cdev:-none}"
done
[ $n_edu -gt 0 ] || setup_error "no edu device (1234:11e8) found"
if [ "$VMTEST_KERNEL" != debian ] && [ ! -c /dev/iommu ]; then
	setup_error "no /dev/iommu on the $VMTEST_KERNEL kernel"
fi
echo "vmtest: kernel log of the setup:"
dmesg -c | grep -iE 'error|fail|warn|dmar|iommu|vfio|huge' | sed 's/^/kmsg: /' | tail -n 40
if [ -z "$setup_err" ]; then
	mark "setup ok"
else
	mark "setup error ${setup_err#; }"
fi

export DPDK_TEST_VFIO=kernel DPDK_TEST_IN_VM=1 VMTEST_CONFIG
for e in $VMTEST_ENV; do
	# shellcheck disable=SC2163
	export "$e"
done

if [ -n "$VMTEST_DPDK_TEST" ]; then
	if [ -x "$VMTEST_DPDK_TEST" ]; then
		timeout -s KILL "$VMTEST_TIMEOUT" "$VMTEST_DPDK_TEST" --list \
			> /tmp/dpdk-test.list 2>/tmp/dpdk-test.err </dev/null ||
			echo "vmtest: '$VMTEST_DPDK_TEST --list' failed (rc $?): $(head -c 2000 /tmp/dpdk-test.err)"
	else
		echo "vmtest: $VMTEST_DPDK_TEST is missing from the initramfs"
	fi
fi
touch /tmp/dpdk-test.list

wrap=""
[ -n "$VMTEST_DROP_CAPS" ] && wrap="/opt/vmtest/bin/vmtest-capdrop $VMTEST_DROP_CAPS"

for t in $VMTEST_TESTS; do
	mark "begin $t"
	t0=$(uptime_s)
	var=VMTEST_ARGS_$(echo "$t" | tr -c 'A-Za-z0-9_\n' '_')
	args=""
	eval "args=\${$var:-}"
	if [ -x "/opt/vmtest/bin/$t" ]; then
		cmd="/opt/vmtest/bin/$t $args"
	elif grep -qxF "$t" /tmp/dpdk-test.list; then
		cmd="$VMTEST_DPDK_TEST $t"
	else
		cmd=""
	fi
	if [ -z "$cmd" ]; then
		if [ -n "$VMTEST_DPDK_TEST" ]; then
			echo "vmtest: unknown test '$t': not in 'dpdk-test --list' and not a guest binary"
		else
			echo "vmtest: unknown test '$t': no such guest binary and no dpdk-test given"
		fi
		rc=127
	else
		echo "vmtest: run: $cmd"
		# shellcheck disable=SC2086
		(
			cd /tmp || exit 1
			# shellcheck disable=SC3045 # busybox ash has ulimit -l
			[ -n "$VMTEST_MEMLOCK_KB" ] && ulimit -l "$VMTEST_MEMLOCK_KB"
			exec timeout -s KILL "$VMTEST_TIMEOUT" $wrap $cmd
		) </dev/null
		rc=$?
	fi
	t1=$(uptime_s)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	if [ $rc = 137 ] && awk -v s="$secs" -v l="$VMTEST_TIMEOUT" 'BEGIN { exit !(s >= l) }'; then
		echo "vmtest: test '$t' timed out after $VMTEST_TIMEOUT s (killed)"
	fi
	dmesg -c | sed 's/^/kmsg: /' | tail -n 60
	case $rc in
	0) st=pass ;;
	77) st=skip ;;
	*) st=fail ;;
	esac
	mark "result $t $st $rc $secs"
done

die_poweroff
