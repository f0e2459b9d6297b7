# Shared set-up for quickstart.sh and test.sh: installs what is missing, never more.
# Sourced, not run.

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Debian packages Vireo itself uses (quickstart.sh and test.sh).
VIREO_APT_PACKAGES=(qemu-system-x86 qemu-utils qemu-block-extra busybox-static linux-image-amd64 cpio iproute2 procps psmisc
  genisoimage util-linux fdisk e2fsprogs xfsprogs nftables dnsmasq-base osinfo-db)

# What only the tests need: the storage servers they run on loopback (tgt, glusterd, NFS-Ganesha,
# a one-node Ceph, an Open vSwitch), the client tools the matching pool types drive (libiscsi's tools,
# rbd), the QEMU guest agent the test guest carries, and libvirt, whose virsh is the oracle for vireo's
# output (run privately by the tests; without recommends it brings no service and no default network).
VIREO_TEST_PACKAGES=(tgt libiscsi-bin glusterfs-server glusterfs-client nfs-ganesha nfs-ganesha-vfs rpcbind openvswitch-switch qemu-guest-agent
  ceph-mon ceph-mgr ceph-osd ceph-common python3 libvirt-daemon libvirt-clients)

ensure_root() {
  [ "$(id -u)" = 0 ] || die "run this as root: it installs packages and runs virtual machines"
}

ensure_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    die "the .NET 10 SDK is not installed. Install it (https://learn.microsoft.com/dotnet/core/install/linux-debian: apt-get install dotnet-sdk-10.0 from Microsoft's package feed), then run this again"
  fi
  local major
  major=$(dotnet --version 2>/dev/null | cut -d. -f1)
  [ "${major:-0}" -ge 10 ] || die "the .NET SDK on PATH is $(dotnet --version); Vireo needs .NET 10 or newer"
}

ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Kernel images under /boot must be readable for direct kernel boot.
newest_kernel() { ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1; }
