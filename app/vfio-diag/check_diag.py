#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check dpdk-vfio-diag as a script sees it: valid JSON (python3 -m
json.tool) with the key fields, on the type1 model (--model) and on this
machine, plus the text output and the usage errors.

Usage: check_diag.py PATH/TO/dpdk-vfio-diag
"""

import json
import os
import subprocess
import sys
import tempfile

failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        failures.append(what)


SCHEMA_VERSION = 2


def run(tool, *args, rc=0):
    """Run the tool; rc None: return (stdout, exit status) unchecked."""
    p = subprocess.run([tool, *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=90)
    if rc is None:
        return p.stdout, p.returncode
    check(p.returncode == rc, f"{' '.join(args)}: exit {p.returncode} (want {rc})")
    return p.stdout


def run_json(tool, *args):
    out, status = run(tool, "--json", *args, rc=None)
    # the brief's own validity check, then parse for the fields
    p = subprocess.run([sys.executable, "-m", "json.tool"], input=out,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    check(p.returncode == 0, f"{' '.join(args)}: python3 -m json.tool accepts it "
          f"{p.stderr.strip()}")
    try:
        rep = json.loads(out)
    except ValueError:
        print(out)
        return {}
    # the exit status says whether the report lists an error
    errors = sum(1 for a in rep.get("advice", []) if a["severity"] == "error")
    want = 1 if errors else 0
    check(status == want and rep.get("exit_status") == want,
          f"{' '.join(args)}: exit {status}, \"exit_status\" {rep.get('exit_status')} "
          f"(want {want}: {errors} error(s) in the advice)")
    check(rep.get("schema_version") == SCHEMA_VERSION,
          f"{' '.join(args)}: schema_version {rep.get('schema_version')}")
    return rep


def advice_has(rep, text):
    return any(text in a["problem"] for a in rep.get("advice", []))


def model(tool):
    page = os.sysconf("SC_PAGE_SIZE")
    rep = run_json(tool, "--model", "--cmdline", "BOOT_IMAGE=/vmlinuz intel_iommu=on iommu=pt")
    check(rep["iommu"]["type"] == "intel", "model: IOMMU type intel")
    check(rep["iommu"]["intel_iommu"] is True, "model: intel_iommu=on seen")
    check(rep["iommu"]["passthrough"] is True, "model: iommu=pt seen")
    groups = {g["group"]: g for g in rep["groups"]}
    check(sorted(groups) == [3, 4, 5], f"model: groups 3, 4, 5 ({sorted(groups)})")
    check(groups[3]["viable"] and groups[4]["viable"], "model: groups 3 and 4 viable")
    check(not groups[5]["viable"], "model: group 5 not viable")
    check([d["driver"] for d in groups[5]["devices"]] == ["vfio-pci", "ahci"],
          "model: group 5 drivers vfio-pci, ahci")
    check(groups[3]["reserved_regions"] == [
        {"start": "0xfee00000", "end": "0xfeefffff", "type": "msi"}],
        "model: MSI window reserved")
    v = rep["vfio"]
    check(v["present"] and v["backend"] == "model", "model: VFIO present")
    check(v["extensions"]["type1v2"] is True and v["extensions"]["type1"] is True,
          "model: type1 and type1v2 offered")
    check(v["probed"] and v["probe_group"] == 3, "model: probed on group 3")
    check(v["iova_pgsizes"] == "0x40201000", f"model: page sizes {v['iova_pgsizes']}")
    check(v["iova_ranges"] == [{"start": "0x0", "end": "0xfedfffff"},
                               {"start": "0xfef00000", "end": "0xffffffffffff"}],
          f"model: IOVA ranges {v['iova_ranges']}")
    check(v["dma_avail"] == 65535, f"model: DMA avail {v['dma_avail']}")
    check(rep["limits"]["dma_entry_limit"] == 65535, "model: dma_entry_limit 65535")
    check(rep["ungrouped_devices"] == [] and rep["ungrouped_total"] == 0,
          "model: no device outside the groups")
    check(rep["device_nodes"] == {"vfio_container": False, "iommufd": False,
                                  "vfio_cdevs": None, "vfio_cdevs_total": 0},
          f"model: no device node of its own ({rep['device_nodes']})")
    check("cmdline_iommu_off" in rep["iommu"] and "iommu_off" not in rep["iommu"],
          "model: iommu=off reported as cmdline_iommu_off")
    check(advice_has(rep, "group 5 not viable: 0000:00:1f.2 is bound to ahci"),
          "model: advice for group 5")
    check(rep["iova"]["mode"] in ("VA", "PA"), f"model: IOVA mode {rep['iova']['mode']} "
          f"({rep['iova']['why']})")
    check(rep["iova"]["why"] != "", "model: IOVA mode has a reason")
    check(rep["vfio_mode"]["mode"] == "group" and
          "iommufd is not usable" in rep["vfio_mode"]["why"],
          f"model: VFIO mode group, iommufd unusable ({rep['vfio_mode']})")

    rep = run_json(tool, "--model", "--no-iova", "--memory", "512G")
    want = f"dma_entry_limit 65535 is below what 512 GiB of {page // 1024} KiB pages need"
    check(advice_has(rep, want), f"model: advice '{want}'")
    check(rep["iova"]["mode"] is None, "model: --no-iova leaves the mode unknown")

    rep = run_json(tool, "--model", "--no-probe", "--no-iova")
    check(not rep["vfio"]["probed"] and rep["vfio"]["iova_pgsizes"] is None,
          "model: --no-probe binds nothing")

    text = run(tool, "--model", "--no-iova", rc=1)
    check("group 5: NOT viable" in text, "model text: group 5 NOT viable")
    check("0x40201000 (4 KiB, 2 MiB, 1 GiB)" in text, "model text: page sizes named")
    check("DMA entries available: 65535" in text, "model text: DMA entries")


def host(tool):
    rep = run_json(tool)
    for key in ("iommu", "groups", "vfio", "limits", "hugepages", "iova", "advice"):
        check(key in rep, f"host: '{key}' reported")
    vfio_here = os.path.exists("/dev/vfio/vfio")
    check(rep["vfio"]["present"] == vfio_here, f"host: VFIO present = {vfio_here}")
    if not vfio_here:
        check(advice_has(rep, "VFIO not loaded"), "host: says VFIO is not loaded")
    check(rep["limits"]["memlock"] is not None, "host: memlock limit read")
    memlock = rep["limits"]["memlock"] or {}
    check("may_lock_any_amount" in memlock and "unlimited" not in memlock,
          "host: memlock reports may_lock_any_amount")
    nodes = rep["device_nodes"]
    check(nodes["vfio_container"] == vfio_here, "host: /dev/vfio/vfio presence")
    check(nodes["iommufd"] == os.path.exists("/dev/iommu"), "host: /dev/iommu presence")
    cdevs = "/dev/vfio/devices"
    check((nodes["vfio_cdevs"] is None) == (not os.path.isdir(cdevs)) and
          nodes["vfio_cdevs_total"] == (len(os.listdir(cdevs)) if os.path.isdir(cdevs) else 0),
          f"host: vfio cdevs {nodes['vfio_cdevs']}")
    pci = "/sys/bus/pci/devices"
    ungrouped = sorted(d for d in (os.listdir(pci) if os.path.isdir(pci) else [])
                       if not os.path.lexists(os.path.join(pci, d, "iommu_group")))
    check([d["bdf"] for d in rep["ungrouped_devices"]] == ungrouped[:64] and
          rep["ungrouped_total"] == len(ungrouped),
          f"host: {len(ungrouped)} PCI device(s) outside the IOMMU groups listed")
    check(rep["limits"]["page_size"] == os.sysconf("SC_PAGE_SIZE"), "host: page size")
    if os.path.isdir("/sys/kernel/mm/hugepages"):
        check(len(rep["hugepages"]) > 0, "host: hugepage pools listed")
    check(rep["iova"]["mode"] in ("VA", "PA") or rep["iova"]["eal_errno"] != 0,
          f"host: IOVA mode {rep['iova']['mode']} ({rep['iova']['why']})")
    check(rep["vfio_mode"]["mode"] in ("group", "cdev", "noiommu", "none", None) and
          rep["vfio_mode"]["why"] != "",
          f"host: VFIO mode with a reason ({rep['vfio_mode']})")

    # no IOMMU at all, disabled on the command line
    with tempfile.TemporaryDirectory() as empty:
        rep = run_json(tool, "--sysfs", empty, "--cmdline", "quiet intel_iommu=off",
                       "--no-iova")
        check(rep["iommu"]["type"] == "none", "empty sysfs: no IOMMU")
        check(advice_has(rep, "IOMMU off"), "empty sysfs: advice 'IOMMU off'")
        check(any("intel_iommu=on" in a["fix"] for a in rep["advice"]),
              "empty sysfs: fix names intel_iommu=on")

    run(tool, "--memory", "lots", rc=2)
    run(tool, "--bogus", rc=2)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    tool = sys.argv[1]
    model(tool)
    host(tool)
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
