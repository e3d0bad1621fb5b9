#!/usr/bin/env bash
# Kernel lab (label "kernel"): the Linux kernel's NBD client on uiscsi-nbd, in one VM with
# tgtd serving the LUN:
#  1. `uiscsi-nbd -c /dev/nbd1` attaches the kernel client itself through the nbd generic
#     netlink interface (initiator/nbd/kernel_device.h); then mkfs.ext4, mount, 256 MiB of
#     random data written, unmount, caches dropped, mount again, SHA-256 of the file read
#     back, a clean fsck -f, and SIGTERM detaches the device.
#  2. Debian's nbd-client attaches /dev/nbd0 to a uiscsi-nbd socket (4 KiB blocks): the same
#     with 32 MiB.
#
#   bash tests/kernel/nbd.sh [UISCSI_NBD]       on the host: boots the lab VM (vm-run) and
#                                               runs itself inside; exit 77 if no lab
#
# UISCSI_NBD defaults to $UISCSI_NBD, else the newest build/*/tools/uiscsi-nbd/uiscsi-nbd.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

UISCSI_NBD=${1:-${UISCSI_NBD:-}}
if [ -z "$UISCSI_NBD" ]; then
  UISCSI_NBD=$(ls -t "$root"/build/*/tools/uiscsi-nbd/uiscsi-nbd 2>/dev/null | head -1 || true)
fi
if [ -z "$UISCSI_NBD" ] || [ ! -x "$UISCSI_NBD" ]; then
  echo "SKIPPED: no uiscsi-nbd executable (build it, or pass its path)"
  exit 77
fi
export UISCSI_NBD

if [ "${LAB_GUEST:-}" != 1 ]; then
  source "$root/tests/kernel/lab.sh"
  lab_vm_run_or_skip
  cd "$root"
  out=$(mktemp -d "${TMPDIR:-/tmp}/uiscsi-nbd-lab.XXXXXX")
  "$vm_run" --timeout 900 --mem 2048 --out "$out" -- bash tests/kernel/nbd.sh "$UISCSI_NBD"
  status=$?
  rm -rf "$out"
  exit $status
fi

# In the guest.
source "$root/tests/nbd/lib.sh"
for t in nbd-client mkfs.ext4 fsck.ext4 sha256sum blockdev; do require_tool "$t"; done
lab-modprobe nbd || fail "cannot load the nbd module"
ip link set lo up 2>/dev/null || true
echo "nbd lab: kernel $(uname -r)"

# exercise DEVICE MIB: a file system on DEVICE, MIB of random data through it and back.
exercise() {
  local dev=$1 mib=$2
  mkfs.ext4 -q -F "$dev" || fail "mkfs.ext4 $dev"
  mkdir -p "$WORK/mnt"
  mount "$dev" "$WORK/mnt" || fail "mount $dev"
  head -c "${mib}M" /dev/urandom >"$WORK/data"
  local want
  want=$(sha256sum <"$WORK/data" | cut -d' ' -f1)
  cp "$WORK/data" "$WORK/mnt/data" || fail "writing $mib MiB to the file system on $dev"
  rm -f "$WORK/data"
  umount "$WORK/mnt" || fail "umount $dev"
  echo 3 >/proc/sys/vm/drop_caches
  mount "$dev" "$WORK/mnt" || fail "mount $dev again"
  expect "sha256 of $mib MiB read back through $dev" "$(sha256sum <"$WORK/mnt/data" | cut -d' ' -f1)" "$want"
  umount "$WORK/mnt" || fail "umount $dev"
  fsck.ext4 -f -n "$dev" >"$WORK/fsck.log" 2>&1 || { cat "$WORK/fsck.log"; fail "fsck found errors on $dev"; }
  say "ok: fsck -f clean on $dev"
}

start_tgtd 512M
URL="iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1"

# 1. Our own netlink attach.
start_nbd K "$URL" -c /dev/nbd1
wait_for "uiscsi-nbd to attach /dev/nbd1" grep -q '^/dev/nbd' "$WORK/K.out"
expect "device printed by uiscsi-nbd -c" "$(sed -n 2p "$WORK/K.out")" /dev/nbd1
expect "/dev/nbd1 size" "$(blockdev --getsize64 /dev/nbd1)" 536870912
exercise /dev/nbd1 256
stop_nbd K
[ "$(cat /sys/block/nbd1/size 2>/dev/null || echo 0)" = 0 ] || fail "/dev/nbd1 still attached after SIGTERM"
say "ok: uiscsi-nbd detached /dev/nbd1 on SIGTERM"

# 2. nbd-client.
start_nbd N "$URL" -k "$WORK/n.sock"
nbd-client -unix "$WORK/n.sock" /dev/nbd0 -N "" -b 4096 || fail "nbd-client could not attach /dev/nbd0"
trap 'nbd-client -d /dev/nbd0 >/dev/null 2>&1; cleanup' EXIT
expect "/dev/nbd0 size" "$(blockdev --getsize64 /dev/nbd0)" 536870912
exercise /dev/nbd0 32
nbd-client -d /dev/nbd0 || fail "nbd-client -d"
stop_nbd N
say "PASS"
