# SPDX-License-Identifier: BSD-3-Clause
# What the devtools scripts share; sourced, not run.

# usage_from FIRST LAST [STATUS]: print lines FIRST-LAST of the running
# script (its header comment, without the "# ") and exit with STATUS
# (default 2, a usage error). A script's usage() is this with its lines.
usage_from() {
	sed -n "$1,$2p" "$0" | sed 's/^# \{0,1\}//'
	exit "${3:-2}"
}
