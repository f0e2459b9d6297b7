#!/usr/bin/env python3
"""start a paused VM: `vireo start --paused` against launching the same QEMU by hand and
waiting for QMP, in the same run (and `virsh start --paused` against a private libvirtd, bench/lib/libvirt_sandbox.py; libvirt is installed if missing).

usage: bench/start-paused/run.py [ITERATIONS]   (run from the repository root, as root)
Prints a markdown table of medians and ratios for docs/benchmarks.md.
"""
import json, os, shutil, socket, statistics, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from libvirt_sandbox import LibvirtSandbox, ensure_installed
from vireo_bench import Vireod, build, sh

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20

def kernel():
    return sorted(f for f in os.listdir("/boot") if f.startswith("vmlinuz-"))[-1]

def domain_xml(name):
    return f"""<domain type='qemu'><name>{name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>/boot/{kernel()}</kernel><cmdline>console=ttyS0</cmdline></os>
<features><acpi/></features><devices><serial type='pty'/></devices></domain>"""

def qmp_ready(path, deadline=10):
    end = time.monotonic() + deadline
    while True:
        try:
            s = socket.socket(socket.AF_UNIX); s.connect(path); break
        except OSError:
            if time.monotonic() > end: raise
            time.sleep(0.001)
    f = s.makefile("rwb")
    f.readline()  # greeting
    f.write(b'{"execute":"qmp_capabilities"}\n'); f.flush()
    f.readline()
    s.close()

def libvirt_version():
    return sh("virsh", "--version").stdout.strip()

def main():
    tmp = tempfile.mkdtemp(prefix="vireo-bench-")
    vireo, vireod = build(tmp)
    root = os.path.join(tmp, "root")
    daemon = Vireod(vireod, root)
    uri = daemon.start()
    try:
        xml = os.path.join(tmp, "bench.xml")
        open(xml, "w").write(domain_xml("bench"))
        sh(vireo, "-c", uri, "define", xml)
        vireo_times = []
        for _ in range(N):
            t0 = time.perf_counter(); sh(vireo, "-c", uri, "start", "bench", "--paused"); vireo_times.append(time.perf_counter() - t0)
            sh(vireo, "-c", uri, "destroy", "bench")

        # The same QEMU by hand: vireod's own command line, paths moved to a scratch dir.
        argv_line = sh(vireo, "-c", uri, "domxml-to-native", "qemu-argv", xml).stdout.strip()
        run_dir = f"{root}/run/vireo/qemu/bench"
        hand = os.path.join(tmp, "hand"); os.makedirs(hand)
        argv = subprocess.run(["sh", "-c", f"for a in {argv_line}; do printf '%s\\0' \"$a\"; done"],
                              capture_output=True, text=True, check=True).stdout.split("\0")[:-1]
        argv = [a.replace(run_dir, hand).replace(f"{root}/var/log/vireo/qemu", hand) for a in argv]
        qemu_times = []
        for _ in range(N):
            for f in os.listdir(hand): os.remove(os.path.join(hand, f))
            t0 = time.perf_counter()
            subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            qmp_ready(os.path.join(hand, "qmp.sock"))
            qemu_times.append(time.perf_counter() - t0)
            pid = int(open(os.path.join(hand, "qemu.pid")).read())
            os.kill(pid, 9)
            while os.path.exists(f"/proc/{pid}") and "Z" not in open(f"/proc/{pid}/stat").read().split(") ")[1][:1]:
                time.sleep(0.001)

        rows = [("plain QEMU (-daemonize, wait for QMP)", statistics.median(qemu_times)),
                ("vireo start --paused", statistics.median(vireo_times))]
        if ensure_installed():
            # libvirt's own daemon, private to this run (see bench/lib/libvirt_sandbox.py).
            with LibvirtSandbox() as lv:
                lv.virsh("define", xml)
                virsh_times = []
                for _ in range(N):
                    t0 = time.perf_counter(); lv.virsh("start", "bench", "--paused"); virsh_times.append(time.perf_counter() - t0)
                    lv.virsh("destroy", "bench")
                lv.virsh("undefine", "bench")
            rows.append(("virsh start --paused (libvirt " + libvirt_version() + ")", statistics.median(virsh_times)))
        base = rows[0][1]
        print(f"| start a paused VM ({N} runs, median) | time | ratio to plain QEMU |")
        print("|---|---|---|")
        for name, t in rows:
            print(f"| {name} | {t*1000:.1f} ms | {t/base:.2f}x |")
        if len(rows) < 3:
            print("\nlibvirt could not be installed here, so virsh was not measured.")
    finally:
        try: sh(vireo, "-c", uri, "destroy", "bench")
        except subprocess.CalledProcessError: pass
        daemon.stop()
        shutil.rmtree(tmp, ignore_errors=True)

main()
