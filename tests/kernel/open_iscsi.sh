#!/usr/bin/env bash
# Kernel lab (label "kernel"): the Linux kernel's own initiator (open-iscsi: iscsid,
# iscsiadm, iscsi_tcp) against uiscsi-target in one VM.
#
# The target serves three targets, each with a sparse file LUN: one without
# authentication, one with one-way CHAP and one with mutual CHAP. open-iscsi runs
# SendTargets discovery, then logs in to each target twice: with digests off, and with
# HeaderDigest=CRC32C,DataDigest=CRC32C. Each login checks that both ends agree on the
# digests, then makes an ext4 file system on the disk, writes 256 MiB of random data,
# reads it back after dropping every cache (sha256 must match), runs fsck and logs out.
# The target's connection must be on the placement path and, with DataDigest=None only,
# have sent Data-In straight from the LUN file with sendfile.
#
#   bash tests/kernel/open_iscsi.sh [UISCSI_TARGET]   on the host: boots the lab VM
#                                                     (vm-run) and runs itself inside;
#                                                     exit 77 if there is no lab
#
# UISCSI_TARGET defaults to $UISCSI_TARGET, else the newest build/*/tools/uiscsi-target.
# Every login runs the file system round trip (about 9 minutes in all under emulation);
# UISCSI_KERNEL_LOGINS=light keeps it to the first login of each authentication mode and
# has the CRC32C logins write and read 8 MiB raw instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
readonly SKIP=77

target_bin=${1:-${UISCSI_TARGET:-}}
if [ -z "$target_bin" ]; then
  target_bin=$(ls -t "$root"/build/*/tools/uiscsi-target/uiscsi-target 2>/dev/null | head -1 || true)
fi
if [ -z "$target_bin" ] || [ ! -x "$target_bin" ]; then
  echo "SKIPPED: no uiscsi-target executable (build it, or pass its path)"
  exit $SKIP
fi

if [ "${LAB_GUEST:-}" != 1 ]; then
  source "$root/tests/kernel/lab.sh"
  lab_vm_run_or_skip
  for tool in iscsid iscsiadm mkfs.ext4 fsck.ext4 jq; do
    command -v "$tool" >/dev/null || { echo "SKIPPED: $tool is not installed (Debian packages open-iscsi, e2fsprogs, jq)"; exit $SKIP; }
  done
  out=$(mktemp -d "${TMPDIR:-/tmp}/uiscsi-kernel.XXXXXX")
  trap 'rm -rf "$out"' EXIT
  cd "$root"
  start=$(date +%s)
  rc=0
  "$vm_run" --timeout "${UISCSI_KERNEL_TIMEOUT:-2400}" --mem 3072 --out "$out" -- \
    env UISCSI_KERNEL_LOGINS="${UISCSI_KERNEL_LOGINS:-all}" UISCSI_KERNEL_OUT="$out" bash tests/kernel/open_iscsi.sh "$target_bin" || rc=$?
  echo "open_iscsi.sh: the lab run took $(( $(date +%s) - start )) s (exit $rc)"
  if [ "$rc" -ne 0 ]; then
    for f in uiscsi-target.log iscsid.log; do
      [ -s "$out/$f" ] && { echo "--- $f (last 40 lines) ---"; tail -40 "$out/$f"; }
    done
  fi
  exit "$rc"
fi

# --- In the guest ---------------------------------------------------------------------
say() { printf 'open_iscsi: %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
trap 'say "FAIL: line $LINENO: $BASH_COMMAND exited with $?"' ERR

out=${UISCSI_KERNEL_OUT:-/tmp}             # the host's folder: the target's log
work=$(mktemp -d /tmp/open-iscsi.XXXXXX)   # the guest's tmpfs: LUN files and the config
mnt=$work/mnt
mkdir -p "$mnt"

readonly INITIATOR=iqn.2026-11.org.uiscsi:lab-initiator
readonly IQN_BASE=iqn.2026-11.org.uiscsi:kernel
readonly LUN_SIZE=320M
readonly DATA_MIB=256

target_pid= iscsid_pid=
cleanup() {
  set +e
  trap - ERR
  mountpoint -q "$mnt" && umount "$mnt"
  iscsiadm -m node --logoutall=all >/dev/null 2>&1
  [ -n "$iscsid_pid" ] && kill "$iscsid_pid" 2>/dev/null
  [ -n "$target_pid" ] && kill "$target_pid" 2>/dev/null && wait "$target_pid" 2>/dev/null
}
trap cleanup EXIT

ip link set lo up

# Three targets on one portal; CHAP secrets are 12..16 bytes (RFC 7143 9.2.1), and the
# mutual secret differs from the initiator's.
cat >"$work/target.toml" <<TOML
[discovery]
enabled = true

[[target]]
name = "$IQN_BASE:none"
allowed_initiators = ["$INITIATOR"]
portals = ["127.0.0.1:0"]
[[target.lun]]
number = 0
backend = "file"
path = "none.img"
size = "$LUN_SIZE"

[[target]]
name = "$IQN_BASE:chap"
allowed_initiators = ["$INITIATOR"]
portals = ["127.0.0.1:0"]
[[target.lun]]
number = 0
backend = "file"
path = "chap.img"
size = "$LUN_SIZE"
[target.chap]
username = "lab-user"
secret = "lab-secret-0001"

[[target]]
name = "$IQN_BASE:mutual"
allowed_initiators = ["$INITIATOR"]
portals = ["127.0.0.1:0"]
[[target.lun]]
number = 0
backend = "file"
path = "mutual.img"
size = "$LUN_SIZE"
[target.chap]
username = "lab-user2"
secret = "lab-secret-0002"
[target.chap.mutual]
username = "lab-target"
secret = "lab-mutual-0003"
TOML

log=$out/uiscsi-target.log
"$target_bin" --ctl "$work/ctl.sock" --data-dir "$work" -c "$work/target.toml" >"$log" 2>&1 &
target_pid=$!
for _ in $(seq 1 300); do
  grep -q '^Status: ' "$log" && break
  kill -0 "$target_pid" 2>/dev/null || { cat "$log"; fail "uiscsi-target exited during start-up"; }
  sleep 0.1
done
grep -q '^Status: ' "$log" || { cat "$log"; fail "uiscsi-target did not start"; }
port=$("$target_bin" ctl portals --socket "$work/ctl.sock" | awk 'NR == 2 { n = split($1, a, ":"); print a[n] }')
[ -n "$port" ] || fail "ctl portals listed no portal"
portal=127.0.0.1:$port
say "kernel $(uname -r); uiscsi-target serves 3 targets on $portal"

lab-modprobe iscsi_tcp
# Without udev nothing loads the disk driver when the session's LUN is found.
lab-modprobe sd_mod
mkdir -p /etc/iscsi
echo "InitiatorName=$INITIATOR" >/etc/iscsi/initiatorname.iscsi
# In a session of its own: on SIGTERM iscsid signals its whole process group.
setsid iscsid -f >"$out/iscsid.log" 2>&1 &
iscsid_pid=$!
# iscsiadm answers 21 (no sessions) once iscsid listens.
for _ in $(seq 1 100); do
  rc=0
  iscsiadm -m session >/dev/null 2>&1 || rc=$?
  [ "$rc" -eq 21 ] && break
  sleep 0.1
done

found=$(iscsiadm -m discovery -t sendtargets -p "$portal")
echo "$found"
for mode in none chap mutual; do
  grep -q " $IQN_BASE:$mode\$" <<<"$found" || fail "discovery did not list $IQN_BASE:$mode"
done

node_set() {  # node_set IQN NAME VALUE
  iscsiadm -m node -T "$1" -p "$portal" -o update -n "$2" -v "$3" >/dev/null
}

# The disk of the one session, once the kernel has attached it.
session_disk() {
  local disk=
  for _ in $(seq 1 100); do
    disk=$(iscsiadm -m session -P 3 2>/dev/null | sed -n 's/.*Attached scsi disk \([a-z]*\).*/\1/p' | head -1)
    [ -n "$disk" ] && [ -b "/dev/$disk" ] && break
    disk=
    sleep 0.2
  done
  if [ -z "$disk" ]; then
    iscsiadm -m session -P 3 >&2
    dmesg | tail -30 >&2
    fail "no disk attached to the session"
  fi
  echo "/dev/$disk"
}

drop_caches() {
  sync
  blockdev --flushbufs "$1"
  echo 3 >/proc/sys/vm/drop_caches
}

# The ext4 round trip: mkfs, 256 MiB written with a checksum, everything dropped from the
# caches, read back through the target and compared, fsck clean.
filesystem_round_trip() {
  local disk=$1 wrote read_back
  mkfs.ext4 -q -F "$disk"
  mount "$disk" "$mnt"
  wrote=$(head -c "${DATA_MIB}M" /dev/urandom | tee "$mnt/data" | sha256sum | cut -d' ' -f1)
  umount "$mnt"
  drop_caches "$disk"
  mount -o ro "$disk" "$mnt"
  read_back=$(sha256sum "$mnt/data" | cut -d' ' -f1)
  umount "$mnt"
  [ "$wrote" = "$read_back" ] || fail "sha256 of the $DATA_MIB MiB file: wrote $wrote, read back $read_back"
  fsck.ext4 -f -n "$disk" >/dev/null || fail "fsck.ext4 found errors on $disk"
  say "  ext4: ${DATA_MIB} MiB written and read back (sha256 $wrote), fsck clean"
}

# A lighter check for the logins that skip the file system: 8 MiB written raw at the end
# of the disk and read back uncached.
raw_round_trip() {
  local disk=$1 blocks offset wrote read_back
  blocks=$(( $(blockdev --getsize64 "$disk") / 1048576 ))
  offset=$(( blocks - 8 ))
  head -c 8M /dev/urandom >"$work/raw"
  wrote=$(sha256sum <"$work/raw" | cut -d' ' -f1)
  dd if="$work/raw" of="$disk" bs=1M seek="$offset" oflag=direct conv=fsync status=none
  read_back=$(dd if="$disk" bs=1M skip="$offset" count=8 iflag=direct status=none | sha256sum | cut -d' ' -f1)
  [ "$wrote" = "$read_back" ] || fail "raw 8 MiB: wrote $wrote, read back $read_back"
  say "  raw: 8 MiB written and read back uncached"
}

# What the target reports for the session's connection: "HeaderDigest DataDigest".
target_digests() {
  "$target_bin" ctl connections --json --socket "$work/ctl.sock" |
    jq -r --arg t "$1" '.[] | select(.target_name == $t) | "\(.params.header_digest) \(.params.data_digest)"'
}

# What the target reports for the session's connection: "PATH BYTES_SENDFILE".
target_send() {
  "$target_bin" ctl connections --json --socket "$work/ctl.sock" |
    jq -r --arg t "$1" '.[] | select(.target_name == $t) | "\(.path.in_use) \(.counters.bytes_sendfile)"'
}

# The portals take the default path, placement here: with DataDigest=None the read-back
# went from the LUN file's page cache to the socket with sendfile; with CRC32C it cannot.
check_sendfile() {  # check_sendfile IQN DIGEST
  local path sent
  read -r path sent <<<"$(target_send "$1")"
  [ "$path" = placement ] || fail "the target's connection is on '$path', expected placement"
  if [ "$2" = None ]; then
    [ "$sent" -gt 0 ] || fail "DataDigest=None: the target sent no Data-In with sendfile"
  else
    [ "$sent" -eq 0 ] || fail "DataDigest=$2: the target sent $sent bytes with sendfile"
  fi
  say "  target: path $path, $sent bytes of Data-In sent with sendfile"
}

logins=0
for mode in none chap mutual; do
  iqn=$IQN_BASE:$mode
  case $mode in
    none) node_set "$iqn" node.session.auth.authmethod None ;;
    chap)
      node_set "$iqn" node.session.auth.authmethod CHAP
      node_set "$iqn" node.session.auth.username lab-user
      node_set "$iqn" node.session.auth.password lab-secret-0001 ;;
    mutual)
      node_set "$iqn" node.session.auth.authmethod CHAP
      node_set "$iqn" node.session.auth.username lab-user2
      node_set "$iqn" node.session.auth.password lab-secret-0002
      node_set "$iqn" node.session.auth.username_in lab-target
      node_set "$iqn" node.session.auth.password_in lab-mutual-0003 ;;
  esac
  first=1
  for digest in None CRC32C; do
    node_set "$iqn" 'node.conn[0].iscsi.HeaderDigest' "$digest"
    node_set "$iqn" 'node.conn[0].iscsi.DataDigest' "$digest"
    say "login: $mode authentication, HeaderDigest=$digest DataDigest=$digest"
    iscsiadm -m node -T "$iqn" -p "$portal" --login >/dev/null || fail "login to $iqn ($mode, digests $digest) failed"
    logins=$((logins + 1))
    params=$(iscsiadm -m session -P 2)
    grep -q "HeaderDigest: $digest" <<<"$params" || { echo "$params"; fail "the kernel did not negotiate HeaderDigest=$digest"; }
    grep -q "DataDigest: $digest" <<<"$params" || { echo "$params"; fail "the kernel did not negotiate DataDigest=$digest"; }
    seen=$(target_digests "$iqn")
    [ "$seen" = "$digest $digest" ] || fail "uiscsi-target reports digests '$seen', expected '$digest $digest'"
    disk=$(session_disk)
    if [ "$first" = 1 ] || [ "${UISCSI_KERNEL_LOGINS:-all}" = all ]; then
      filesystem_round_trip "$disk"
    else
      raw_round_trip "$disk"
    fi
    check_sendfile "$iqn" "$digest"
    first=0
    iscsiadm -m node -T "$iqn" -p "$portal" --logout >/dev/null || fail "logout from $iqn failed"
    for _ in $(seq 1 50); do iscsiadm -m session >/dev/null 2>&1 || break; sleep 0.2; done
    ! iscsiadm -m session >/dev/null 2>&1 || fail "a session is left after logout from $iqn"
  done
done

kill -0 "$target_pid" 2>/dev/null || fail "uiscsi-target died"
kill -TERM "$target_pid"
rc=0
wait "$target_pid" || rc=$?
target_pid=
[ "$rc" -eq 0 ] || fail "uiscsi-target exited with $rc after SIGTERM"
say "PASS: discovery and $logins logins (none, CHAP, mutual CHAP; digests off and CRC32C)"
