#!/usr/bin/env bash
# Kernel lab (label "kernel"): the Linux initiator (open-iscsi, iscsi_tcp) on a RAID-5 LUN
# of uiscsi-target. In one VM: four member files made with uiscsi-raid, the daemon serving
# them, iscsiadm discovery and login, mkfs.ext4, 256 MiB of random data copied in, logout.
# Then, with the daemon stopped, a member is failed offline; the daemon serves the volume
# degraded, the initiator logs in again, fsck finds the file system clean and the data's
# SHA-256 matches (every chunk of the failed member rebuilt from parity). Last, scrub finds
# the parity of the members clean.
#
#   bash tests/kernel/raid5_open_iscsi.sh       on the host: boots the lab VM (vm-run) and
#                                               runs itself inside; exit 77 if no lab
# Binaries: $UISCSI_TARGET and $UISCSI_RAID (ctest sets them), else the newest build's.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

newest() { ls -t "$root"/build/*/tools/"$1"/"$1" 2>/dev/null | head -1 || true; }
target=${UISCSI_TARGET:-$(newest uiscsi-target)}
raid=${UISCSI_RAID:-$(newest uiscsi-raid)}
for b in "$target" "$raid"; do
  if [ -z "$b" ] || [ ! -x "$b" ]; then
    echo "SKIPPED: uiscsi-target or uiscsi-raid not built (or set UISCSI_TARGET / UISCSI_RAID)"
    exit 77
  fi
done

if [ "${LAB_GUEST:-}" != 1 ]; then
  source "$root/tests/kernel/lab.sh"
  lab_vm_run_or_skip
  for tool in iscsiadm iscsid mkfs.ext4 fsck.ext4; do
    command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
    command -v "$tool" >/dev/null || { echo "SKIPPED: $tool is not installed (open-iscsi, e2fsprogs)"; exit 77; }
  done
  out=$(mktemp -d "${TMPDIR:-/tmp}/uiscsi-lab.XXXXXX")
  trap 'rm -rf "$out"' EXIT
  cd "$root"
  rc=0
  UISCSI_TARGET=$target UISCSI_RAID=$raid "$vm_run" --timeout 900 --mem 3072 --out "$out" -- \
    bash tests/kernel/raid5_open_iscsi.sh || rc=$?
  exit "$rc"
fi

# --- In the guest ---
PATH=$PATH:/usr/sbin:/sbin
say() { echo "raid5_open_iscsi: $*"; }
fail() { say "FAIL: $*"; [ -n "${log:-}" ] && [ -f "$log" ] && tail -20 "$log"; exit 1; }
readonly IQN=iqn.2026-11.org.uiscsi:lab-raid5
work=$(mktemp -d)
mnt=$work/mnt
mkdir -p "$mnt"
daemon=""
cleanup() {
  mountpoint -q "$mnt" && umount "$mnt" || true
  iscsiadm -m node --logoutall=all >/dev/null 2>&1 || true
  [ -n "$daemon" ] && kill -KILL "$daemon" 2>/dev/null || true
}
trap cleanup EXIT

lab-modprobe iscsi_tcp
lab-modprobe sd_mod   # no udev in the guest to load it when the LUN appears
ip link set lo up
say "kernel $(uname -r)"

members=("$work"/m{0,1,2,3}.img)
"$raid" create --level 5 --raid-devices 4 --size 136M "${members[@]}" >/dev/null
list=""
for m in "${members[@]}"; do list+="\"$m\", "; done
cat >"$work/target.toml" <<TOML
[[target]]
name = "$IQN"
[[target.lun]]
number = 0
backend = "raid"
members = [$list]
TOML

log=$work/target.log
serve() {
  "$target" --ctl "$work/ctl.sock" -c "$work/target.toml" --listen 127.0.0.1:0 >"$log" 2>&1 &
  daemon=$!
  for _ in $(seq 1 100); do grep -q '^Status: ' "$log" && break; sleep 0.2; done
  grep -q '^Status: ' "$log" || fail "uiscsi-target did not start"
  port=$("$target" ctl portals --socket "$work/ctl.sock" | awk 'NR > 1 { n = split($1, a, ":"); print a[n]; exit }')
  [ -n "$port" ] || fail "no portal"
}
stop() {
  kill -TERM "$daemon"
  wait "$daemon" || fail "uiscsi-target did not exit cleanly"
  daemon=""
}
login() {  # sets DISK
  iscsiadm -m discovery -t st -p "127.0.0.1:$port" >/dev/null
  iscsiadm -m node -T "$IQN" -p "127.0.0.1:$port" --login >/dev/null
  # The session's LUN 0 as the kernel names it (sysfs; no udev in the guest). The SCSI
  # scan runs after login returns, and slowly under emulation.
  DISK=""
  local block
  for _ in $(seq 1 120); do
    for block in /sys/class/iscsi_session/session*/device/target*/*:0/block/*; do
      [ -e "$block" ] && DISK=/dev/${block##*/}
    done
    [ -n "$DISK" ] && [ -b "$DISK" ] && break
    sleep 0.5
  done
  if [ -z "$DISK" ] || [ ! -b "$DISK" ]; then
    iscsiadm -m session -P 3 || true
    ls -R /sys/class/iscsi_session/ 2>&1 | head -20
    fail "no disk appeared within 60 s of login"
  fi
}
logout() {
  iscsiadm -m node -T "$IQN" -p "127.0.0.1:$port" --logout >/dev/null
  iscsiadm -m node -T "$IQN" -p "127.0.0.1:$port" -o delete >/dev/null 2>&1 || true
}

mkdir -p /etc/iscsi
echo "InitiatorName=iqn.2026-11.org.uiscsi:lab-initiator" >/etc/iscsi/initiatorname.iscsi
iscsid
sleep 1

# 1. Healthy: a file system and 256 MiB of random data.
serve
login
say "logged in to port $port: $DISK, $(blockdev --getsize64 "$DISK") bytes"
mkfs.ext4 -q -F "$DISK"
mount "$DISK" "$mnt"
head -c 256M /dev/urandom >"$work/data"
want=$(sha256sum <"$work/data" | cut -d' ' -f1)
cp "$work/data" "$mnt/data"
rm "$work/data"
sync
umount "$mnt"
fsck.ext4 -fn "$DISK" >"$work/fsck.out" 2>&1 || { cat "$work/fsck.out"; fail "fsck after writing"; }
logout
stop
say "wrote 256 MiB (sha256 $want), fsck clean"

# 2. Degraded: m1 failed offline; read back through a fresh login (no page cache).
"$raid" fail "${members[1]}" "${members[@]}" >/dev/null
serve
grep -q "stale" "$log" || fail "the daemon did not leave the failed member out"
login
fsck.ext4 -fn "$DISK" >"$work/fsck.out" 2>&1 || { cat "$work/fsck.out"; fail "fsck on the degraded volume"; }
mount -o ro "$DISK" "$mnt"
got=$(sha256sum <"$mnt/data" | cut -d' ' -f1)
umount "$mnt"
logout
stop
[ "$got" = "$want" ] || fail "sha256 read back degraded: $got, written: $want"
say "degraded (m1 failed): fsck clean, sha256 matches"

# 3. m1 is added back and rebuilt offline; the parity of all four members checks clean.
"$raid" add "${members[1]}" "${members[0]}" "${members[2]}" "${members[3]}" >/dev/null
"$raid" scrub "${members[@]}" >"$work/scrub.out" 2>&1 || { cat "$work/scrub.out"; fail "scrub"; }
say "rebuilt m1; scrub: $(tail -1 "$work/scrub.out")"
say "PASS"
