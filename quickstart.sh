#!/usr/bin/env bash
# Installs what is missing, builds and installs vireo and vireod, starts vireod, and boots a
# demo VM (the host's Debian kernel with a small busybox initramfs), showing its console.
# Safe to run again: it rebuilds, restarts vireod (running VMs survive that) and reboots the demo.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/common.sh

PREFIX=/usr/local
LIBDIR=$PREFIX/lib/vireo
SOCKET=/run/vireo/vireod.sock
DEMO_DIR=/var/lib/vireo/demo

ensure_root
ensure_dotnet
ensure_packages "${VIREO_APT_PACKAGES[@]}"

log "building vireod and vireo (the CLI is compiled ahead of time)"
dotnet publish src/Vireo.Daemon -c Release -o "$LIBDIR/vireod" -nologo -clp:ErrorsOnly >/dev/null
dotnet publish src/Vireo.Cli -c Release -o "$LIBDIR/cli" -nologo -clp:ErrorsOnly >/dev/null
dotnet build tests/Vireo.TestGuest -c Release -nologo -clp:ErrorsOnly >/dev/null
install -m 0755 "$LIBDIR/cli/vireo" "$PREFIX/bin/vireo"
cat > "$PREFIX/bin/vireod" <<SH
#!/bin/sh
exec dotnet "$LIBDIR/vireod/vireod.dll" "\$@"
SH
chmod 0755 "$PREFIX/bin/vireod"

start_daemon() {
  if [ -d /run/systemd/system ]; then
    log "starting vireod (systemd unit vireod.service)"
    cat > /etc/systemd/system/vireod.service <<UNIT
[Unit]
Description=Vireo virtualization daemon
After=network.target

[Service]
# The demo VM has no NIC: no default NAT network (bridge, dnsmasq, nft rules) on this host unless asked for.
ExecStart=$PREFIX/bin/vireod --no-default-network
# Stopping vireod must never stop the VMs it runs.
KillMode=process
Restart=on-failure

[Install]
WantedBy=multi-user.target
UNIT
    systemctl daemon-reload
    systemctl enable vireod >/dev/null 2>&1 || true
    systemctl restart vireod
  else
    local pidfile=/run/vireo/vireod.pid
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      log "restarting vireod (pid $(cat "$pidfile")); running VMs keep running"
      kill "$(cat "$pidfile")"
      for _ in $(seq 100); do kill -0 "$(cat "$pidfile" 2>/dev/null || echo 0)" 2>/dev/null || break; sleep 0.1; done
    else
      log "starting vireod in the background (no systemd here); log: /var/log/vireo/vireod.log"
    fi
    mkdir -p /var/log/vireo
    # vireod's log names guests, paths and errors: root's alone, as vireod keeps its own logs.
    touch /var/log/vireo/vireod.log && chmod 0600 /var/log/vireo/vireod.log
    setsid "$PREFIX/bin/vireod" --no-default-network </dev/null >>/var/log/vireo/vireod.log 2>&1 &
  fi
  for _ in $(seq 300); do
    vireo list >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  tail -n 20 /var/log/vireo/vireod.log >&2 || true
  die "vireod did not come up on $SOCKET"
}
start_daemon

KERNEL=$(newest_kernel)
[ -n "$KERNEL" ] || die "no kernel found in /boot (apt-get install linux-image-amd64)"
mkdir -p "$DEMO_DIR"
log "building the demo guest's initramfs"
dotnet "tests/Vireo.TestGuest/bin/Release/net10.0/vireo-testguest.dll" "$DEMO_DIR/initrd.cpio" >/dev/null
cat > "$DEMO_DIR/demo.xml" <<XML
<domain type='qemu'>
  <name>demo</name>
  <title>Vireo demo guest (busybox)</title>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$KERNEL</kernel>
    <initrd>$DEMO_DIR/initrd.cpio</initrd>
    <cmdline>console=ttyS0 quiet panic=-1</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <devices>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
  </devices>
</domain>
XML

if [ "$(vireo domstate demo 2>/dev/null | head -n 1)" = "running" ] || [ "$(vireo domstate demo 2>/dev/null | head -n 1)" = "paused" ]; then
  vireo destroy demo >/dev/null
fi
vireo define "$DEMO_DIR/demo.xml"

if [ -t 0 ] && [ -t 1 ]; then
  log "booting the demo VM; you are on its serial console (Ctrl+] leaves, the VM keeps running)"
  vireo start demo --console
else
  log "booting the demo VM (no terminal: showing its console until the guest is up)"
  vireo start demo --console --until VIREO-GUEST-READY --timeout 180
  echo
fi
cat <<TXT

The demo VM is running. Try:
  vireo list --all            vireo dominfo demo        vireo console demo
  vireo vcpuinfo demo         vireo shutdown demo       vireo dumpxml demo
TXT
