#!/bin/bash
# node.session.timeo.replacement_timeout is honoured per node: two sessions to one tgtd,
# one with 3 s and one with 120 s; tgtd is killed. The 3 s session gives up (FAILED, and
# its NBD export answers with an error instead of hanging) while the 120 s one is still
# waiting for the target; tgtd comes back on the same port and the 120 s session is logged
# in again, its data intact. Events are waited for; nothing is timed.
source "$(dirname "$0")/lib.sh"

readonly SHORT_IQN=iqn.2026-11.org.uiscsi:replacement.short
readonly LONG_IQN=iqn.2026-11.org.uiscsi:replacement.long
require_tool nbdcopy "package libnbd-bin"
start_tgtd
tgtd_target 1 "$SHORT_IQN"
tgtd_target 2 "$LONG_IQN"
PORTAL=127.0.0.1:$TGTD_PORT
start_uiscsid
expect 0 -m discovery -t st -p "$PORTAL"
update "$SHORT_IQN" "$PORTAL" node.session.timeo.replacement_timeout 3
update "$LONG_IQN" "$PORTAL" node.session.timeo.replacement_timeout 120
expect 0 -m node -T "$SHORT_IQN" -p "$PORTAL" -l
SHORT_URI=$(sed -n 's/^LUN [0-9]*: .*NBD export //p' <<<"$OUT" | head -n 1)
expect 0 -m node -T "$LONG_IQN" -p "$PORTAL" -l
LONG_URI=$(sed -n 's/^LUN [0-9]*: .*NBD export //p' <<<"$OUT" | head -n 1)
[ -n "$SHORT_URI" ] && [ -n "$LONG_URI" ] || fail "no NBD exports: $OUT"
head -c 4M /dev/urandom >"$WORK/random"
nbdcopy "$WORK/random" "$LONG_URI" || fail "nbdcopy to the long session failed"
expect 0 -m session -r 1 -P 2
out_has "Recovery Timeout: 3"

# state SID: the "iSCSI Session State" / "Connection State" pair of one session.
state() {
  adm -m session -r "$1" -P 1
  printf '%s/%s' "$(sed -n 's/^[[:space:]]*iSCSI Session State: //p' <<<"$OUT")" \
    "$(sed -n 's/^[[:space:]]*iSCSI Connection State: //p' <<<"$OUT")"
}
# wait_state SID STATE: polls until the session is in STATE (at most 60 s).
wait_state() {
  local i now
  for i in $(seq 1 600); do
    now=$(state "$1")
    [ "$now" = "$2" ] && return 0
    sleep 0.1
  done
  fail "session $1 is $now, not $2"
}

kill_tgtd
wait_state 1 FAILED/FAILED
# The long session is still waiting for its target.
[ "$(state 2)" = "FAILED/TRANSPORT WAIT" ] || fail "session 2 is $(state 2) while its replacement timeout runs"
# A failed session's export answers with an error; it does not hang.
rc=0
timeout 60 nbdcopy "$SHORT_URI" "$WORK/short-back" 2>"$WORK/nbdcopy.err" || rc=$?
[ "$rc" -ne 0 ] || fail "reading a failed session through NBD succeeded"
[ "$rc" -ne 124 ] || fail "reading a failed session through NBD hung"
say "reading the failed session: $(head -n 1 "$WORK/nbdcopy.err")"

run_tgtd
tgtd_target 1 "$SHORT_IQN"
tgtd_target 2 "$LONG_IQN"
wait_state 2 LOGGED_IN/LOGGED\ IN
nbdcopy "$LONG_URI" "$WORK/back" || fail "nbdcopy from the recovered session failed"
[ "$(head -c 4M "$WORK/back" | sha256sum)" = "$(sha256sum <"$WORK/random")" ] ||
  fail "the data read back after recovery differs"
expect 0 -m session -r 2 --stats
out_contains "reinstatements: 1"
stop_uiscsid
say "ok: replacement_timeout per node (3 s: failed with errors, 120 s: recovered with its data)"
