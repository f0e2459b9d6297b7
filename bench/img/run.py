#!/usr/bin/env python3
"""vireo img against qemu-img, same machine, same run.

usage: bench/img/run.py [DATA_MiB]   (default 1024; run from the repository root)
Prints a markdown table of medians and ratios (vireo time / qemu-img time; below 1 is faster).
"""
import os, shutil, statistics, subprocess, sys, tempfile, time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MIB = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
RUNS = 5

def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

def timed(cmd, before=None):
    times = []
    for _ in range(RUNS):
        if before: before()
        t0 = time.perf_counter(); sh(*cmd); times.append(time.perf_counter() - t0)
    return statistics.median(times)

def main():
    tmp = tempfile.mkdtemp(prefix="vireo-imgbench-", dir=os.environ.get("BENCH_DIR", "/var/tmp"))
    try:
        sh("dotnet", "publish", f"{REPO}/src/Vireo.Cli", "-c", "Release", "-o", f"{tmp}/cli", "-nologo")
        vireo = [f"{tmp}/cli/vireo", "img"]
        q = ["qemu-img"]
        p = lambda n: os.path.join(tmp, n)
        with open(p("data.raw"), "wb") as f:
            chunk = os.urandom(1 << 20)
            for i in range(MIB):
                f.write(chunk[i % 7:] + chunk[:i % 7])  # distinct clusters, still incompressible
        sh(*q, "convert", "-f", "raw", "-O", "qcow2", p("data.raw"), p("data.qcow2"))
        sh(*q, "create", "-f", "qcow2", p("sparse.qcow2"), "20G")
        sh("qemu-io", "-f", "qcow2", "-c", "write -P 0x11 0 64M", "-c", "write -P 0x22 10G 64M", p("sparse.qcow2"))
        half = p("half.raw")
        with open(half, "wb") as f:  # compressible: half random, half repetitive
            chunk = os.urandom(1 << 20)
            for i in range(MIB // 4):
                f.write(chunk if i % 2 else bytes([i % 251]) * (1 << 20))
        rm = lambda *names: (lambda: [os.path.exists(p(n)) and os.remove(p(n)) for n in names])
        rows = []
        def both(label, args_for):
            # Alternate the tools and sync before every run, so neither pays for the other's dirty pages.
            tqs, tvs = [], []
            for _ in range(RUNS):
                for tool, w, out in ((q, "q", tqs), (vireo, "v", tvs)):
                    rm(f"out-{w}.raw", f"out-{w}.qcow2")()
                    os.sync()
                    t0 = time.perf_counter(); sh(*tool, *args_for(w)); out.append(time.perf_counter() - t0)
            # Best of RUNS: this machine's page-cache writeback adds seconds of noise to single runs.
            rows.append((label, min(tqs), min(tvs), statistics.median(tqs), statistics.median(tvs)))
        both(f"convert qcow2->raw, {MIB} MiB random", lambda w: ["convert", "-O", "raw", p("data.qcow2"), p(f"out-{w}.raw")])
        both(f"convert raw->qcow2, {MIB} MiB random", lambda w: ["convert", "-f", "raw", "-O", "qcow2", p("data.raw"), p(f"out-{w}.qcow2")])
        both(f"convert qcow2->qcow2, {MIB} MiB random", lambda w: ["convert", "-O", "qcow2", p("data.qcow2"), p(f"out-{w}.qcow2")])
        both("convert qcow2->raw, 20 GiB mostly empty", lambda w: ["convert", "-O", "raw", p("sparse.qcow2"), p(f"out-{w}.raw")])
        both("convert qcow2->qcow2, 20 GiB mostly empty", lambda w: ["convert", "-O", "qcow2", p("sparse.qcow2"), p(f"out-{w}.qcow2")])
        both(f"convert -c zlib, {MIB // 4} MiB half compressible", lambda w: ["convert", "-f", "raw", "-O", "qcow2", "-c", half, p(f"out-{w}.qcow2")])
        both(f"convert -c zstd, {MIB // 4} MiB half compressible", lambda w: ["convert", "-f", "raw", "-O", "qcow2", "-c", "-o", "compression_type=zstd", half, p(f"out-{w}.qcow2")])
        both("create qcow2 1 TiB", lambda w: ["create", "-q", "-f", "qcow2", p(f"out-{w}.qcow2"), "1T"])
        both("info (qcow2)", lambda w: ["info", p("data.qcow2")])
        both(f"check (qcow2, {MIB} MiB allocated)", lambda w: ["check", p("data.qcow2")])
        print(f"| operation (best of {RUNS}; median in brackets) | qemu-img | vireo img | ratio (best) |")
        print("|---|---|---|---|")
        for label, tq, tv, mq, mv in rows:
            fmt = lambda t: f"{t*1000:.1f} ms" if t < 1 else f"{t:.2f} s"
            print(f"| {label} | {fmt(tq)} ({fmt(mq)}) | {fmt(tv)} ({fmt(mv)}) | {tv/tq:.2f}x |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

main()
