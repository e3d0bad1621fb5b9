#!/usr/bin/env bash
# Kernel lab (label "kernel"): uiscsid and uiscsiadm against LIO, the kernel's iSCSI target,
# in one VM boot. The interop matrix: no authentication, one-way CHAP and mutual CHAP, each
# with digests off (None) and on (CRC32C). Every cell runs SendTargets discovery, login
# (the negotiated digests and CHAP user are checked in -m session -P 3), 4 MiB of random
# data written and read back (O_DIRECT, sha256) through the /dev/nbdN uiscsid attached,
# and logout (the disk detached). A wrong CHAP secret, and a wrong mutual secret, exit
# with iscsiadm's 24. A results table is printed at the end.
#
#   bash tests/kernel/uiscsid_lio.sh [BUILD_DIR]    on the host: boots the lab VM (vm-run) and
#                                                   runs itself inside; exit 77 if no lab
#
# BUILD_DIR defaults to $UISCSI_BUILD_DIR, else the newest build/* holding uiscsid.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

build=${1:-${UISCSI_BUILD_DIR:-}}
if [ -z "$build" ]; then
  build=$(ls -td "$root"/build/*/ 2>/dev/null | while read -r d; do
    [ -x "$d/tools/uiscsid/uiscsid" ] && { echo "$d"; break; }; done || true)
fi
uiscsid=$build/tools/uiscsid/uiscsid
uiscsiadm=$build/tools/uiscsiadm/uiscsiadm
if [ -z "$build" ] || [ ! -x "$uiscsid" ] || [ ! -x "$uiscsiadm" ]; then
  echo "SKIPPED: no uiscsid/uiscsiadm build (build them, or pass the build directory)"
  exit 77
fi

if [ "${LAB_GUEST:-}" != 1 ]; then
  source "$root/tests/kernel/lab.sh"
  lab_vm_run_or_skip
  command -v targetcli >/dev/null || { echo "SKIPPED: targetcli is not installed (targetcli-fb)"; exit 77; }
  cd "$root"
  out=$(mktemp -d "${TMPDIR:-/tmp}/uiscsid-lio-lab.XXXXXX")
  trap 'rm -rf "$out"' EXIT
  start=$(date +%s)
  rc=0
  "$vm_run" --timeout "${UISCSI_KERNEL_TIMEOUT:-900}" --out "$out" -- bash tests/kernel/uiscsid_lio.sh "$build" || rc=$?
  echo "uiscsid_lio.sh: the lab run took $(( $(date +%s) - start )) s (exit $rc)"
  exit "$rc"
fi

# In the guest: LIO on 127.0.0.1:3260 (the guest is ours alone).
work=$(mktemp -d /tmp/uiscsid-lio.XXXXXX)
fail() { echo "uiscsid_lio: FAIL: $*"; [ -f "$work/uiscsid.log" ] && tail -n 30 "$work/uiscsid.log"; exit 1; }
ip link set lo up 2>/dev/null || true
mkdir -p /run/dbus
dbus-daemon --system --fork
for module in configfs target_core_mod iscsi_target_mod target_core_file nbd; do lab-modprobe "$module"; done
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config

readonly IQN=iqn.2003-01.org.linux-iscsi.lab:uiscsid
readonly USER1=labuser SECRET1=lab-secret-01 MUTUAL_USER=labtarget MUTUAL_SECRET=lab-mutual-02
truncate -s 64M "$work/lio.img"
targetcli /backstores/fileio create disk0 "$work/lio.img" 64M >/dev/null
targetcli /iscsi create "$IQN" >/dev/null
targetcli "/iscsi/$IQN/tpg1/luns" create /backstores/fileio/disk0 >/dev/null
targetcli "/iscsi/$IQN/tpg1/portals" delete 0.0.0.0 3260 >/dev/null 2>&1 || true
targetcli "/iscsi/$IQN/tpg1/portals" create 127.0.0.1 3260 >/dev/null
targetcli "/iscsi/$IQN/tpg1" set attribute authentication=0 demo_mode_write_protect=0 \
  generate_node_acls=1 cache_dynamic_acls=1 >/dev/null

sock=$work/run/uiscsid.sock
"$uiscsid" --db "$work/db" --socket "$sock" --initiator-name iqn.2026-11.org.uiscsi:lab >"$work/uiscsid.log" 2>&1 &
daemon=$!
trap 'kill -KILL $daemon 2>/dev/null || true' EXIT
for i in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.1; done
adm() { "$uiscsiadm" --socket "$sock" "$@"; }
set_node() { adm -m node -T "$IQN" -p 127.0.0.1 -o update -n "$1" -v "$2" >/dev/null; }
label="[iface: default, target: $IQN, portal: 127.0.0.1,3260]"
results=()

# cell AUTH DIGEST: discovery, login, checks, 4 MiB through the disk, logout.
cell() {
  local auth=$1 digest=$2 name="$1, digests $2"
  # (Output goes to files first: `grep -q` would close a pipe early and fail the pipeline.)
  adm -m discovery -t st -p 127.0.0.1 >"$work/discovery"
  grep -qxF "127.0.0.1:3260,1 $IQN" "$work/discovery" || fail "$name: discovery did not list $IQN"
  set_node node.conn[0].iscsi.HeaderDigest "$digest"
  set_node node.conn[0].iscsi.DataDigest "$digest"
  adm -m node -T "$IQN" -p 127.0.0.1 --login >"$work/login" || { cat "$work/login"; fail "$name: login"; }
  grep -qxF "Login to $label successful." "$work/login" || fail "$name: no login line"
  adm -m session -P 3 >"$work/session"
  grep -qxP "\t\tHeaderDigest: $digest" "$work/session" || { cat "$work/session"; fail "$name: HeaderDigest is not $digest"; }
  grep -qxP "\t\tDataDigest: $digest" "$work/session" || fail "$name: DataDigest is not $digest"
  local user=${USER1}
  [ "$auth" = none ] && user="<empty>"
  grep -qxP "\t\tusername: $user" "$work/session" || fail "$name: CHAP user is not $user"
  if [ "$auth" = mutual ]; then
    grep -qxP "\t\tusername_in: $MUTUAL_USER" "$work/session" || fail "$name: mutual CHAP user is not $MUTUAL_USER"
  fi
  local disk
  disk=$(sed -n 's|^LUN [0-9]*: Attached NBD disk \(/dev/nbd[0-9]*\) on .*|\1|p' "$work/login" | head -n 1)
  [ -n "$disk" ] && [ -b "$disk" ] || { cat "$work/login"; fail "$name: no /dev/nbdN attached"; }
  head -c 4M /dev/urandom >"$work/data"
  dd if="$work/data" of="$disk" bs=1M oflag=direct status=none || fail "$name: writing $disk"
  local back
  back=$(dd if="$disk" bs=1M count=4 iflag=direct status=none | sha256sum)
  [ "$back" = "$(sha256sum <"$work/data")" ] || fail "$name: data read back through $disk differs"
  adm -m node -T "$IQN" -p 127.0.0.1 --logout >"$work/logout"
  grep -qF "successful." "$work/logout" || fail "$name: logout"
  [ "$(cat "/sys/block/${disk#/dev/}/size")" = 0 ] || fail "$name: $disk still attached after logout"
  results+=("$(printf '%-8s digests %-7s discovery ok, login ok (HeaderDigest/DataDigest %s), %s 4 MiB sha256 ok, logout ok (detached)' \
    "$auth" "$digest" "$digest" "$disk")")
  echo "uiscsid_lio: ok: $name"
}

# wrong NAME VALUE: with this one node setting wrong, the login exits 24.
wrong() {
  local good
  good=$(adm -m node -T "$IQN" -p 127.0.0.1 -o show -S | sed -n "s/^$1 = //p")
  set_node "$1" "$2"
  local rc=0
  adm -m node -T "$IQN" -p 127.0.0.1 --login >"$work/wrong" 2>&1 || rc=$?
  [ "$rc" -eq 24 ] || { cat "$work/wrong"; fail "a wrong $1 exited $rc, not 24"; }
  set_node "$1" "$good"
  results+=("$(printf '%-8s wrong %s: exit 24 (%s)' "$3" "$1" "$(grep -o 'initiator reported error.*' "$work/wrong")")")
  echo "uiscsid_lio: ok: a wrong $1 exits 24"
}

cell none None
cell none CRC32C

# One-way CHAP: LIO asks for it; the initiator's secret is checked.
targetcli "/iscsi/$IQN/tpg1" set attribute authentication=1 >/dev/null
targetcli "/iscsi/$IQN/tpg1" set auth userid=$USER1 password=$SECRET1 >/dev/null
set_node node.session.auth.authmethod CHAP
set_node node.session.auth.username $USER1
set_node node.session.auth.password $SECRET1
set_node node.session.auth.chap_algs SHA256,MD5
wrong node.session.auth.password wrong-secret-9 chap
cell chap None
cell chap CRC32C

# Mutual CHAP: the target proves itself too; a wrong expected secret fails the login.
targetcli "/iscsi/$IQN/tpg1" set auth mutual_userid=$MUTUAL_USER mutual_password=$MUTUAL_SECRET >/dev/null
set_node node.session.auth.username_in $MUTUAL_USER
set_node node.session.auth.password_in $MUTUAL_SECRET
wrong node.session.auth.password_in wrong-mutual-9 mutual
cell mutual None
cell mutual CRC32C

kill -TERM "$daemon"
wait "$daemon" || fail "uiscsid did not exit 0 on SIGTERM"
echo "uiscsid_lio: results against LIO on $(uname -r):"
printf '  %s\n' "${results[@]}"
echo "uiscsid_lio: PASS"
