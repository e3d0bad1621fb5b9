#!/usr/bin/env bash
# Kernel lab (label "kernel"): the /dev/nbdN that uiscsid attaches itself at login, in one
# VM with uiscsi-target serving a 320 MiB file LUN and the nbd module loaded.
#
#  1. `uiscsiadm --login` prints "LUN 0: Attached NBD disk /dev/nbdX on URI" and
#     `-m session -P 3` "Attached NBD disk nbdX  State: running"; the disk has the LUN's
#     size, and min(cores, 4) NBD connections (hardware queues), the export offering
#     CAN_MULTI_CONN.
#  2. On that disk: mkfs.ext4, mount, 256 MiB of random data written (sha256 taken on the
#     way), umount, every cache dropped, mount again, the file read back with the same
#     sha256, umount, a clean `fsck -f -n`.
#  3. `uiscsiadm --logout` detaches the disk (size 0) before the session ends; a second
#     login and SIGTERM to uiscsid detach it too.
#  4. uiscsid without CAP_SYS_ADMIN (capsh --drop): the login says why there is no disk,
#     and the NBD socket is still served.
#
#   bash tests/kernel/uiscsid_nbd.sh [BUILD_DIR]    on the host: boots the lab VM (vm-run)
#                                                   and runs itself inside; exit 77 if no lab
#
# BUILD_DIR defaults to $UISCSI_BUILD_DIR, else the newest build/* holding uiscsid.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
readonly SKIP=77

build=${1:-${UISCSI_BUILD_DIR:-}}
if [ -z "$build" ]; then
  build=$(ls -td "$root"/build/*/ 2>/dev/null | while read -r d; do
    [ -x "$d/tools/uiscsid/uiscsid" ] && { echo "$d"; break; }; done || true)
fi
uiscsid=$build/tools/uiscsid/uiscsid
uiscsiadm=$build/tools/uiscsiadm/uiscsiadm
target_bin=$build/tools/uiscsi-target/uiscsi-target
if [ -z "$build" ] || [ ! -x "$uiscsid" ] || [ ! -x "$uiscsiadm" ] || [ ! -x "$target_bin" ]; then
  echo "SKIPPED: no uiscsid/uiscsiadm/uiscsi-target build (build them, or pass the build directory)"
  exit $SKIP
fi

if [ "${LAB_GUEST:-}" != 1 ]; then
  source "$root/tests/kernel/lab.sh"
  lab_vm_run_or_skip
  for tool in mkfs.ext4 fsck.ext4 sha256sum blockdev; do
    command -v "$tool" >/dev/null || { echo "SKIPPED: $tool is not installed (e2fsprogs, coreutils, util-linux)"; exit $SKIP; }
  done
  out=$(mktemp -d "${TMPDIR:-/tmp}/uiscsid-nbd-lab.XXXXXX")
  trap 'rm -rf "$out"' EXIT
  cd "$root"
  start=$(date +%s)
  rc=0
  "$vm_run" --timeout "${UISCSI_KERNEL_TIMEOUT:-900}" --mem 2048 --out "$out" -- \
    env UISCSI_KERNEL_OUT="$out" bash tests/kernel/uiscsid_nbd.sh "$build" || rc=$?
  echo "uiscsid_nbd.sh: the lab run took $(( $(date +%s) - start )) s (exit $rc)"
  if [ "$rc" -ne 0 ]; then
    for f in uiscsid.log uiscsi-target.log; do
      [ -s "$out/$f" ] && { echo "--- $f (last 40 lines) ---"; tail -40 "$out/$f"; }
    done
  fi
  exit "$rc"
fi

# --- In the guest ---------------------------------------------------------------------
say() { printf 'uiscsid_nbd: %s\n' "$*"; }
fail() { say "FAIL: $*"; dmesg | tail -20; exit 1; }
trap 'say "FAIL: line $LINENO: $BASH_COMMAND exited with $?"' ERR

out=${UISCSI_KERNEL_OUT:-/tmp}              # the host's folder: the daemons' logs
work=$(mktemp -d /tmp/uiscsid-nbd.XXXXXX)   # the guest's tmpfs
mnt=$work/mnt
mkdir -p "$mnt"
readonly IQN=iqn.2026-11.org.uiscsi:kernel-nbd
readonly INITIATOR=iqn.2026-11.org.uiscsi:lab-nbd
readonly LUN_BYTES=$((320 << 20))
readonly DATA_MIB=256

target_pid= daemon_pid=
cleanup() {
  set +e
  trap - ERR
  mountpoint -q "$mnt" && umount "$mnt"
  [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  [ -n "$target_pid" ] && kill "$target_pid" 2>/dev/null && wait "$target_pid" 2>/dev/null
}
trap cleanup EXIT

ip link set lo up
lab-modprobe nbd || fail "cannot load the nbd module"

cat >"$work/target.toml" <<TOML
[discovery]
enabled = true

[[target]]
name = "$IQN"
portals = ["127.0.0.1:0"]
[[target.lun]]
number = 0
backend = "file"
path = "lun0.img"
size = "320M"
TOML
"$target_bin" --ctl "$work/ctl.sock" --data-dir "$work" -c "$work/target.toml" >"$out/uiscsi-target.log" 2>&1 &
target_pid=$!
for _ in $(seq 1 300); do
  grep -q '^Status: ' "$out/uiscsi-target.log" && break
  kill -0 "$target_pid" 2>/dev/null || fail "uiscsi-target exited during start-up"
  sleep 0.1
done
port=$("$target_bin" ctl portals --socket "$work/ctl.sock" | awk 'NR == 2 { n = split($1, a, ":"); print a[n] }')
[ -n "$port" ] || fail "uiscsi-target listed no portal"
portal=127.0.0.1:$port

sock=$work/run/uiscsid.sock
# start_uiscsid [WRAPPER...]: uiscsid, run through WRAPPER (e.g. capsh) if given.
start_uiscsid() {
  "$@" "$uiscsid" --db "$work/db" --socket "$sock" --initiator-name "$INITIATOR" >>"$out/uiscsid.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 1 100); do [ -S "$sock" ] && return 0; sleep 0.1; done
  fail "uiscsid did not open its control socket"
}
adm() { "$uiscsiadm" --socket "$sock" "$@"; }
start_uiscsid
say "kernel $(uname -r); uiscsi-target on $portal; uiscsid with the nbd module loaded"

adm -m discovery -t st -p "$portal" >"$work/discovery"
grep -qF " $IQN" "$work/discovery" || fail "discovery did not list $IQN"

# 1. The login attaches the disk and says so.
login() {
  adm -m node -T "$IQN" -p "$portal" --login >"$work/login"
  cat "$work/login"
  disk=$(sed -n 's|^LUN 0: Attached NBD disk \(/dev/nbd[0-9]*\) on nbd+unix:.*|\1|p' "$work/login")
  [ -n "$disk" ] || fail "the login printed no attached /dev/nbdN"
  [ -b "$disk" ] || fail "$disk is not a block device"
}
login
adm -m session -P 3 >"$work/session"
grep -qP "^\t\t\tAttached NBD disk ${disk#/dev/}\t\tState: running$" "$work/session" ||
  { cat "$work/session"; fail "-P 3 does not show the attached disk"; }
size=$(blockdev --getsize64 "$disk")
[ "$size" -eq "$LUN_BYTES" ] || fail "$disk has $size bytes, the LUN $LUN_BYTES"
# The export offers CAN_MULTI_CONN: the kernel got min(cores, 4) sockets, one blk-mq
# hardware queue each.
queues=$(ls "/sys/block/${disk#/dev/}/mq" | wc -l)
cores=$(nproc)
want=$(( cores < 4 ? cores : 4 ))
[ "$queues" -eq "$want" ] || fail "$disk has $queues hardware queues (NBD connections), expected $want"
grep -qF "attached $disk ($want connections)" "$out/uiscsid.log" || fail "uiscsid did not log $want connections"
say "ok: the login attached $disk ($size bytes, $queues connections), shown by -m session -P 3"

# 2. The file system round trip.
mkfs.ext4 -q -F "$disk" || fail "mkfs.ext4 $disk"
mount "$disk" "$mnt" || fail "mount $disk"
wrote=$(head -c "${DATA_MIB}M" /dev/urandom | tee "$mnt/data" | sha256sum | cut -d' ' -f1)
umount "$mnt" || fail "umount $disk"
blockdev --flushbufs "$disk"
echo 3 >/proc/sys/vm/drop_caches
mount "$disk" "$mnt" || fail "mount $disk again"
[ "$(stat -c %s "$mnt/data")" -eq $((DATA_MIB << 20)) ] || fail "the file has $(stat -c %s "$mnt/data") bytes"
read_back=$(sha256sum <"$mnt/data" | cut -d' ' -f1)
umount "$mnt" || fail "umount $disk"
[ "$read_back" = "$wrote" ] || fail "sha256 read back $read_back, written $wrote"
say "ok: $DATA_MIB MiB through ext4 on $disk, sha256 $wrote matches after dropping the caches"
fsck.ext4 -f -n "$disk" >"$work/fsck" 2>&1 || { cat "$work/fsck"; fail "fsck -f -n found errors on $disk"; }
say "ok: fsck -f -n clean on $disk"

# 3. The logout detaches the disk.
adm -m node -T "$IQN" -p "$portal" --logout >"$work/logout"
grep -qF "successful." "$work/logout" || { cat "$work/logout"; fail "logout"; }
detached() { [ "$(cat "/sys/block/${1#/dev/}/size")" = 0 ]; }
detached "$disk" || fail "$disk is still attached after the logout"
grep -qF "attached $disk" "$out/uiscsid.log" || fail "uiscsid did not log the attach"
say "ok: the logout detached $disk"

login
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "uiscsid did not exit 0 on SIGTERM"
daemon_pid=
detached "$disk" || fail "$disk is still attached after uiscsid's SIGTERM"
say "ok: SIGTERM to uiscsid detached $disk"

# 4. Without CAP_SYS_ADMIN.
if command -v capsh >/dev/null; then
  start_uiscsid capsh --drop=cap_sys_admin -- -c 'exec "$@"' capsh
  adm -m node -T "$IQN" -p "$portal" --login >"$work/login"
  cat "$work/login"
  grep -qxF "LUN 0: No NBD disk attached: no CAP_SYS_ADMIN (the kernel's nbd netlink commands need it)" "$work/login" ||
    fail "the login without CAP_SYS_ADMIN did not say why there is no disk"
  uri=$(sed -n 's/^LUN 0: .*NBD export //p' "$work/login")
  [ -S "${uri#*socket=}" ] || fail "no NBD socket at ${uri#*socket=}"
  adm -m node -T "$IQN" -p "$portal" --logout >/dev/null
  kill -TERM "$daemon_pid"
  wait "$daemon_pid" || fail "uiscsid did not exit 0 on SIGTERM"
  daemon_pid=
  say "ok: without CAP_SYS_ADMIN the login says why and keeps the NBD socket"
else
  say "capsh is not installed (libcap2-bin): the CAP_SYS_ADMIN part is skipped"
fi
say "PASS"
