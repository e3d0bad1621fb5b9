#!/bin/bash
# `ctl offload --conn ID tcp` moves a connection that arrived on the placement path back to
# plain TCP while writes are in flight, and nothing is lost. The client is qemu-io on
# libiscsi (one session, driven command by command through a FIFO): asynchronous writes of
# eight patterns are queued, the connection is switched while they run, more writes follow
# on tcp, and every region is read back with qemu-io's pattern check.
source "$(dirname "$0")/lib.sh"
require_tool qemu-io "Debian packages qemu-utils qemu-block-extra"
require_tool jq "Debian package jq"

readonly IQN=iqn.2026-11.org.uiscsi:switch-back
cat >"$WORK/target.toml" <<TOML
[[target]]
name = "$IQN"
[[target.portal_group]]
tag = 1
offload = "placement"
portals = ["127.0.0.1:0"]
[[target.lun]]
number = 0
backend = "file"
path = "lun0.img"
size = "256M"
TOML
start_target T -c "$WORK/target.toml"
URL=iscsi://127.0.0.1:${T_PORTS%% *}/$IQN/0
qemu-io -f raw -c "read 0 4k" "$URL" >/dev/null 2>&1 ||
  { say "SKIP: qemu-io cannot open $URL (qemu-block-extra, its iSCSI driver, missing?)"; exit $SKIP; }

ctl() { "$UISCSI_TARGET" ctl "$@" --socket "$T_CTL"; }
connection() { ctl connections --json | jq -c '[.[] | select(.state == "full-feature")] | .[0] // empty'; }

# qemu-io reads its commands from a FIFO held open by this shell (fd 7).
mkfifo "$WORK/qemu-io.in"
qemu-io -f raw "$URL" <"$WORK/qemu-io.in" >"$WORK/qemu-io.out" 2>&1 &
PIDS_TO_KILL+=("$!")
QEMU_IO=$!
exec 7>"$WORK/qemu-io.in"
io() { printf '%s\n' "$@" >&7; }

readonly MIB=$((1024 * 1024))
region() { echo $(($1 * 16 * MIB)); }   # region N: 16 MiB at N * 16 MiB
pattern() { printf '0x%02x' $((0x11 * ($1 + 1) & 0xff)); }

# The session, on placement.
io "read 0 4k"
for _ in $(seq 1 100); do
  c=$(connection)
  [ -n "$c" ] && break
  sleep 0.1
done
[ -n "$c" ] || { cat "$WORK/qemu-io.out"; fail "qemu-io's session never reached Full Feature Phase"; }
id=$(jq -r .id <<<"$c")
path=$(jq -r .path.in_use <<<"$c")
[ "$path" = placement ] || fail "connection $id uses '$path', expected placement ($(jq -r .path.fallback_reason <<<"$c"))"

# Eight 16 MiB writes in flight at once, then the switch while the daemon receives them.
for n in 0 1 2 3 4 5 6 7; do io "aio_write -P $(pattern "$n") $(region "$n") 16M"; done
for _ in $(seq 1 200); do
  received=$(connection | jq -r '.counters.bytes_received // 0')
  [ "$received" -gt $((8 * MIB)) ] && break
  sleep 0.05
done
answer=$(ctl offload --conn "$id" tcp) || fail "ctl offload --conn $id tcp failed"
say "$answer"
c=$(connection)
say "after the switch: path $(jq -r .path.in_use <<<"$c"), tasks in flight $(jq -r .tasks <<<"$c"), \
bytes placed $(jq -r .counters.bytes_placed <<<"$c"), copied $(jq -r .counters.bytes_copied <<<"$c")"
[ "$(jq -r .id <<<"$c")" = "$id" ] || fail "the connection changed"
[ "$(jq -r .path.in_use <<<"$c")" = tcp ] || fail "the connection still uses $(jq -r .path.in_use <<<"$c")"
jq -r .path.fallback_reason <<<"$c" | grep -q "switched to tcp" || fail "no fallback reason after the switch"

# More writes on tcp, then every region read back and compared.
io "aio_flush"
for n in 8 9 10 11; do io "write -P $(pattern "$n") $(region "$n") 16M"; done
for n in $(seq 0 11); do io "read -P $(pattern "$n") $(region "$n") 16M"; done
io "quit"
exec 7>&-
rc=0
wait "$QEMU_IO" || rc=$?
if [ "$rc" -ne 0 ] || grep -qi "fail\|error" "$WORK/qemu-io.out"; then
  cat "$WORK/qemu-io.out"
  fail "qemu-io ended with $rc"
fi
reads=$(grep -c "read 16777216/16777216 bytes" "$WORK/qemu-io.out")
[ "$reads" -eq 12 ] || { cat "$WORK/qemu-io.out"; fail "$reads of 12 regions read back"; }
alive T || fail "uiscsi-target died"
stop_target T
say "PASS: 12 regions of 16 MiB verified, 8 of them written across the switch from placement to tcp"
