"""What every Vireo benchmark needs: the binaries users run (the Native AOT CLI, vireod) and a
vireod of its own under a scratch root.

    vireo, vireod = build(tmp)
    with Vireod(vireod, root) as uri:
        sh(vireo, "-c", uri, "list")
"""
import os, subprocess, time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def build(tmp):
    """Publishes the Native AOT CLI into tmp and builds vireod; returns their paths."""
    sh("dotnet", "publish", f"{REPO}/src/Vireo.Cli", "-c", "Release", "-o", f"{tmp}/cli", "-nologo")
    sh("dotnet", "build", f"{REPO}/src/Vireo.Daemon", "-c", "Release", "-nologo")
    return f"{tmp}/cli/vireo", f"{REPO}/src/Vireo.Daemon/bin/Release/net10.0/vireod.dll"


class Vireod:
    """vireod --root ROOT --no-default-network for the length of a with block; yields its URI."""

    def __init__(self, dll, root):
        self.dll, self.root = dll, root

    def start(self):
        self.proc = subprocess.Popen(["dotnet", self.dll, "--root", self.root, "--no-default-network"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            if os.path.exists(f"{self.root}/run/vireo/vireod.pid"):
                break
            time.sleep(0.05)
        return f"unix://{self.root}/run/vireo/vireod.sock"

    def stop(self):
        self.proc.terminate()
        self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
