#!/bin/bash
# Every LUN of a session logged in through uiscsiadm is exported over NBD on a Unix socket
# in uiscsid's run directory, and its URI is printed at login and by -m session -P 3 (as
# iscsiadm prints "Attached scsi disk sdX"). Checked with libnbd's tools: nbdinfo sees the
# LUN's size, 8 MiB of random data written with nbdcopy read back with the same SHA-256,
# and after logout the socket is gone.
# The /dev/nbdN that uiscsid attaches where the kernel has nbd (tests/kernel/uiscsid_nbd.sh
# shows that in the lab): here, without the nbd module, the login and -P 3 must say why
# there is none, and with --kernel-nbd off that it is turned off.
#
#   nbd_export.sh tgtd | uiscsi-target
#
# With UISCSI_OFFLOAD, discovery and the login use that data path, and the session must
# report it in use.
source "$(dirname "$0")/lib.sh"

readonly KIND=${1:?tgtd or uiscsi-target}
readonly IQN=iqn.2026-11.org.uiscsi:nbd.disk
require_tool nbdinfo "package libnbd-bin"
require_tool nbdcopy "package libnbd-bin"

start_disk_target "$KIND" "$IQN"
start_uiscsid
use_offload_path "127.0.0.1:$PORT"
expect 0 -m discovery -t st -p "127.0.0.1:$PORT"
use_offload_path
expect 0 -m node -T "$IQN" -p "127.0.0.1:$PORT" --login
URI=$(sed -n 's/^LUN [0-9]*: .*NBD export //p' <<<"$OUT" | head -n 1)
[ -n "$URI" ] || { printf '%s\n' "$OUT"; fail "the login printed no NBD export"; }
say "LUN exported as $URI"
SOCKET=${URI#*socket=}
[ -S "$SOCKET" ] || fail "no socket at $SOCKET"
case "$SOCKET" in "$WORK/run/"*) ;; *) fail "the socket is not in uiscsid's run directory: $SOCKET" ;; esac

LUN_NUMBER=$(sed -n 's/^LUN \([0-9]*\): .*NBD export .*/\1/p' <<<"$OUT" | head -n 1)
if [ -e /sys/module/nbd ]; then
  # A kernel with nbd (and root) would attach a real /dev/nbdN on this host: only check
  # that the login reports one way or the other.
  grep -qE "^LUN $LUN_NUMBER: (Attached NBD disk /dev/nbd[0-9]+ on $URI|No NBD disk attached: .+)$" <<<"$OUT" ||
    { printf '%s\n' "$OUT"; fail "the login said nothing about /dev/nbdN"; }
  NO_NBD_MODULE=false
else
  out_has "LUN $LUN_NUMBER: No NBD disk attached: the kernel has no \"nbd\" netlink family (the nbd module is not loaded: modprobe nbd)"
  NO_NBD_MODULE=true
fi

check_offload_path
out_contains "Attached NBD export $URI"
if $NO_NBD_MODULE; then
  out_has "No NBD disk attached: the kernel has no \"nbd\" netlink family (the nbd module is not loaded: modprobe nbd)"
fi

[ "$(nbdinfo --size "$URI")" -eq "$SIZE" ] || fail "nbdinfo --size says $(nbdinfo --size "$URI"), expected $SIZE"
head -c 8M /dev/urandom >"$WORK/random"
nbdcopy "$WORK/random" "$URI" || fail "nbdcopy to the export failed"
nbdcopy "$URI" "$WORK/back" || fail "nbdcopy from the export failed"
[ "$(head -c 8M "$WORK/back" | sha256sum)" = "$(sha256sum <"$WORK/random")" ] ||
  fail "the data read back through NBD differs"
[ "$(stat -c %s "$WORK/back")" -eq "$SIZE" ] || fail "nbdcopy read $(stat -c %s "$WORK/back") bytes, not $SIZE"

expect 0 -m node -T "$IQN" -p "127.0.0.1:$PORT" --logout
[ -e "$SOCKET" ] && fail "the NBD socket is still there after logout"
stop_uiscsid

# --kernel-nbd off: the export only, and the login says so; a bad value is refused.
RC=0
"$UISCSID" --db "$DB" --socket "$SOCK" --kernel-nbd sometimes >"$WORK/out" 2>&1 || RC=$?
[ "$RC" -eq 2 ] || fail "uiscsid --kernel-nbd sometimes exited $RC, not 2"
grep -qF -- "--kernel-nbd takes auto or off" "$WORK/out" || { cat "$WORK/out"; fail "no reason for the bad --kernel-nbd"; }
start_uiscsid --kernel-nbd off
expect 0 -m node -T "$IQN" -p "127.0.0.1:$PORT" --login
out_has "LUN $LUN_NUMBER: No NBD disk attached: turned off (uiscsid --kernel-nbd off)"
check_offload_path
out_has "No NBD disk attached: turned off (uiscsid --kernel-nbd off)"
expect 0 -m node -T "$IQN" -p "127.0.0.1:$PORT" --logout
stop_uiscsid
say "ok: NBD export of the LUN behind $KIND (nbdinfo size, 8 MiB nbdcopy round trip, socket gone after logout, /dev/nbdN reason shown, --kernel-nbd off)"
