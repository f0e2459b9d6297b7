#!/bin/sh
# /init of the Vireo test and demo guest: busybox, the virtio modules, a shell on the serial console.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# Dependencies differ between kernel builds: a few passes load every module whatever the order.
for pass in 1 2 3; do
  for m in $(cat /etc/modules); do [ -d "/sys/module/$m" ] || insmod "/lib/modules/$m.ko" 2>/dev/null; done
done
hostname vireo-guest
# The ACPI power button (virsh shutdown) powers the guest off.
for ev in /sys/class/input/event*; do
  if [ "$(cat "$ev/device/name" 2>/dev/null)" = "Power Button" ]; then
    dev="/dev/input/${ev##*/}"
    # Wait for the node, then for one event (evdev reads need room for a whole input_event).
    (while [ ! -c "$dev" ]; do sleep 0.1; done
     dd if="$dev" bs=64 count=1 >/dev/null 2>&1 && echo "VIREO-GUEST-POWEROFF" && poweroff -f) &
  fi
done
# The QEMU guest agent, when the domain has its channel (domifaddr --source agent, qemu-agent-command).
if [ -x /usr/bin/qemu-ga ]; then
  for port in /sys/class/virtio-ports/*; do
    [ "$(cat "$port/name" 2>/dev/null)" = "org.qemu.guest_agent.0" ] || continue
    dev="/dev/${port##*/}"
    (while [ ! -c "$dev" ]; do sleep 0.1; done
     qemu-ga -m virtio-serial -p "$dev" -f /tmp/qemu-ga.pid -t /tmp -d) &
  done
fi
echo "Welcome to the Vireo demo guest (busybox on $(uname -r))."
echo "VIREO-GUEST-READY kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) disks=$(ls /sys/block | tr '\n' ' ')"
while true; do setsid cttyhack sh; done
