"""A private libvirtd for benchmarks: the reference tool, measured in the same run as Vireo.

libvirtd runs in a mount namespace of its own where /etc/libvirt, /var/lib/libvirt, /run/libvirt,
/var/cache/libvirt and /var/log/libvirt are scratch directories, so it leaves the host's libvirt
state (if any) alone and takes none of it. Its QEMU driver runs guests as root without security
drivers or cgroups; no network is defined, so it creates no bridge. Debian's libvirt resolves its
compiled-in 'libvirt-qemu' user before reading qemu.conf, so the namespace also sees a passwd/group
with that user (the host's files are untouched).

    with LibvirtSandbox() as lv:
        lv.virsh("define", "x.xml")
"""
import os, shutil, subprocess, tempfile, time

PACKAGES = ["libvirt-daemon", "libvirt-clients"]
STATE_DIRS = ["/var/lib/libvirt", "/run/libvirt", "/var/cache/libvirt", "/var/log/libvirt"]

# The same configuration the virsh-oracle tests use.
CONF_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "libvirt-sandbox")


def ensure_installed():
    """Installs libvirt's daemon and virsh (no recommends: no services, no default network)."""
    if shutil.which("virsh") and shutil.which("libvirtd"):
        return True
    r = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES],
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, capture_output=True, text=True)
    return r.returncode == 0 and shutil.which("virsh") is not None


class LibvirtSandbox:
    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="vireo-bench-libvirt-")
        d = lambda *p: os.path.join(self.dir, *p)
        for sub in ["etc", "lib", "run", "cache", "log"]:
            os.makedirs(d(sub))
        for conf in ["qemu.conf", "libvirtd.conf"]:
            shutil.copy(os.path.join(CONF_DIR, conf), d("etc", conf))
        passwd = open("/etc/passwd").read() + "libvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin\n"
        group = open("/etc/group").read() + "libvirt-qemu:x:64055:\n"
        open(d("passwd"), "w").write(passwd)
        open(d("group"), "w").write(group)
        # Mount points that do not exist are made, and removed again on exit.
        self.made = [p for p in ["/etc/libvirt", *STATE_DIRS] if not os.path.isdir(p)]
        for p in self.made:
            os.makedirs(p)
        binds = list(zip([d("etc"), d("lib"), d("run"), d("cache"), d("log"), d("passwd"), d("group")],
                         ["/etc/libvirt", *STATE_DIRS, "/etc/passwd", "/etc/group"]))
        script = "".join(f"mount --bind '{src}' '{dst}' && " for src, dst in binds) + \
            "exec libvirtd --config /etc/libvirt/libvirtd.conf"
        self.log = open(d("libvirtd.log"), "w")
        self.proc = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        self.uri = f"qemu:///system?socket={d('run', 'libvirt-sock')}"
        for _ in range(200):
            if os.path.exists(d("run", "libvirt-sock")):
                break
            if self.proc.poll() is not None:
                raise RuntimeError("libvirtd exited: " + open(d("libvirtd.log")).read())
            time.sleep(0.05)
        self.virsh("version")  # the QEMU capabilities probe happens here, not in a measured run
        return self

    def virsh(self, *args):
        return subprocess.run(["virsh", "-c", self.uri, *args], check=True, capture_output=True, text=True).stdout

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill(); self.proc.wait()
        self.log.close()
        for p in reversed(self.made):
            try: os.rmdir(p)
            except OSError: pass
        shutil.rmtree(self.dir, ignore_errors=True)
        return False
