#!/usr/bin/env python3
"""`vireo list --all` with 1000 defined domains against `virsh list --all` with the same 1000, in
the same run (virsh against a private libvirtd: bench/lib/libvirt_sandbox.py; libvirt is installed
if missing). Both CLIs are the real binaries: the Native AOT vireo and Debian's virsh.

usage: bench/list-all/run.py [DOMAINS] [ITERATIONS]   (run from the repository root, as root)
Prints a markdown table of medians and the ratio for docs/benchmarks.md.
"""
import os, shutil, statistics, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from libvirt_sandbox import LibvirtSandbox, ensure_installed
from vireo_bench import Vireod, build, sh

DOMAINS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
N = int(sys.argv[2]) if len(sys.argv) > 2 else 20

def domain_xml(i):
    return f"""<domain type='qemu'><name>vm{i:04d}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices><serial type='pty'/></devices></domain>"""

def timed(argv):
    times = []
    for _ in range(N):
        t0 = time.perf_counter(); out = sh(*argv).stdout; times.append(time.perf_counter() - t0)
    return statistics.median(times), out

def main():
    tmp = tempfile.mkdtemp(prefix="vireo-bench-")
    vireo, vireod = build(tmp)
    files = []
    for i in range(DOMAINS):
        files.append(f"{tmp}/vm{i:04d}.xml")
        open(files[-1], "w").write(domain_xml(i))
    daemon = Vireod(vireod, f"{tmp}/root")
    uri = daemon.start()
    try:
        for f in files: sh(vireo, "-c", uri, "define", f)
        vireo_t, vireo_out = timed([vireo, "-c", uri, "list", "--all"])
        rows = [("vireo list --all", vireo_t)]
        if ensure_installed():
            with LibvirtSandbox() as lv:
                for k in range(0, DOMAINS, 100):
                    lv.virsh("; ".join(f"define {f}" for f in files[k:k + 100]))
                virsh_t, virsh_out = timed(["virsh", "-c", lv.uri, "list", "--all"])
                # Same domains, same table (column widths included).
                assert virsh_out == vireo_out, "virsh and vireo print different tables"
            rows.append(("virsh list --all (libvirt " + sh("virsh", "--version").stdout.strip() + ")", virsh_t))
        print(f"| list --all, {DOMAINS} defined domains ({N} runs, median) | time | ratio to virsh |")
        print("|---|---|---|")
        base = rows[-1][1] if len(rows) > 1 else None
        for name, t in rows:
            print(f"| {name} | {t*1000:.1f} ms | {f'{t/base:.2f}x' if base else '-'} |")
        if base is None:
            print("\nlibvirt could not be installed here, so virsh was not measured.")
    finally:
        daemon.stop()
        shutil.rmtree(tmp, ignore_errors=True)

main()
