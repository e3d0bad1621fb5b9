#!/usr/bin/env bash
# Kernel lab (label "kernel"): uiscsid and uiscsiadm against LIO, the kernel's iSCSI target,
# in one VM: discovery, login without authentication and with CHAP (a wrong secret exits
# 24), digests on, session listing and logout. When the LUN is exported over NBD and the
# kernel has nbd, it is attached as /dev/nbd0 (nbd-client), formatted, mounted, written,
# read back and checked with fsck.
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
  vm_run=${UISCSI_VM_RUN:-}
  for candidate in "$vm_run" "$root/../shared/lab/vm-run" "$root/../../shared/lab/vm-run"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && { vm_run=$candidate; break; }
  done
  if [ -z "$vm_run" ] || [ ! -x "$vm_run" ]; then
    echo "SKIPPED: kernel lab not available (vm-run; set UISCSI_VM_RUN)"
    exit 77
  fi
  command -v targetcli >/dev/null || { echo "SKIPPED: targetcli is not installed (targetcli-fb)"; exit 77; }
  cd "$root"
  exec "$vm_run" --timeout 600 -- bash tests/kernel/uiscsid_lio.sh "$build"
fi

# In the guest: LIO on 127.0.0.1:3260 (the guest is ours alone).
fail() { echo "uiscsid_lio: FAIL: $*"; [ -f "$work/uiscsid.log" ] && tail -n 30 "$work/uiscsid.log"; exit 1; }
work=$(mktemp -d /tmp/uiscsid-lio.XXXXXX)
ip link set lo up 2>/dev/null || true
mkdir -p /run/dbus
dbus-daemon --system --fork
for module in configfs target_core_mod iscsi_target_mod target_core_file; do lab-modprobe "$module"; done
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config

readonly IQN=iqn.2003-01.org.linux-iscsi.lab:uiscsid
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
label="[iface: default, target: $IQN, portal: 127.0.0.1,3260]"

adm -m discovery -t st -p 127.0.0.1 | tee "$work/discovery"
grep -qxF "127.0.0.1:3260,1 $IQN" "$work/discovery" || fail "discovery did not list $IQN"
adm -m node -T "$IQN" -p 127.0.0.1 -o update -n node.conn[0].iscsi.HeaderDigest -v CRC32C,None
adm -m node -T "$IQN" -p 127.0.0.1 -o update -n node.conn[0].iscsi.DataDigest -v CRC32C,None
adm -m node -T "$IQN" -p 127.0.0.1 --login | tee "$work/login"
grep -qxF "Login to $label successful." "$work/login" || fail "no login line"
adm -m session -P 3 | tee "$work/session"
grep -qF "HeaderDigest: CRC32C" "$work/session" || fail "LIO did not take header digests"

# NBD: /dev/nbd0 through the kernel's nbd client, when the LUN is exported.
uri=$(sed -n 's/^LUN [0-9]*: .*NBD export //p' "$work/login" | head -n 1)
if [ -n "$uri" ] && command -v nbd-client >/dev/null && lab-modprobe nbd 2>/dev/null; then
  socket=${uri#*socket=}
  nbd-client -unix "$socket" /dev/nbd0 -N "" -b 4096
  mkfs.ext4 -q /dev/nbd0
  mkdir -p "$work/mnt"
  mount /dev/nbd0 "$work/mnt"
  head -c 16M /dev/urandom >"$work/data"
  cp "$work/data" "$work/mnt/data"
  sync
  umount "$work/mnt"
  mount /dev/nbd0 "$work/mnt"
  cmp "$work/data" "$work/mnt/data" || fail "data read back through /dev/nbd0 differs"
  umount "$work/mnt"
  fsck.ext4 -fn /dev/nbd0 || fail "fsck found errors"
  nbd-client -d /dev/nbd0
  echo "uiscsid_lio: /dev/nbd0: mkfs.ext4, mount, 16 MiB written and read back, clean fsck"
else
  echo "uiscsid_lio: NBD part skipped (no NBD export URI, no nbd-client or no nbd module)"
fi

# (Output goes to a file first: `grep -q` would close the pipe early and fail the pipeline.)
adm -m node -T "$IQN" -p 127.0.0.1 --logout >"$work/logout"
grep -qF "successful." "$work/logout" || fail "logout"

# CHAP: LIO asks for it; the wrong secret gives iscsiadm's 24, the right one logs in.
targetcli "/iscsi/$IQN/tpg1" set attribute authentication=1 >/dev/null
targetcli "/iscsi/$IQN/tpg1" set auth userid=labuser password=lab-secret-01 >/dev/null
adm -m node -T "$IQN" -p 127.0.0.1 -o update -n node.session.auth.authmethod -v CHAP
adm -m node -T "$IQN" -p 127.0.0.1 -o update -n node.session.auth.username -v labuser
adm -m node -T "$IQN" -p 127.0.0.1 -o update -n node.session.auth.chap_algs -v SHA256,MD5
adm -m node -T "$IQN" -p 127.0.0.1 -o update -n node.session.auth.password -v wrong-secret-9
rc=0
adm -m node -T "$IQN" -p 127.0.0.1 --login || rc=$?
[ "$rc" -eq 24 ] || fail "a wrong CHAP secret exited $rc, not 24"
adm -m node -T "$IQN" -p 127.0.0.1 -o update -n node.session.auth.password -v lab-secret-01
adm -m node -T "$IQN" -p 127.0.0.1 --login >"$work/login-chap"
grep -qxF "Login to $label successful." "$work/login-chap" || fail "CHAP login"
adm -m node -T "$IQN" -p 127.0.0.1 --logout >/dev/null
kill -TERM "$daemon"
wait "$daemon" || fail "uiscsid did not exit 0 on SIGTERM"
echo "uiscsid_lio: ok: discovery, login (none, CHAP, digests), session, logout against LIO $(uname -r)"
