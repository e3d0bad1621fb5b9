#!/bin/bash
# node.startup: uiscsid logs in the automatic nodes when it starts, and only those; a
# SIGTERM logs every session out (tgtd sees the session go) and the next start brings the
# automatic one back.
source "$(dirname "$0")/lib.sh"

readonly AUTO_IQN=iqn.2026-11.org.uiscsi:restore.auto
readonly MANUAL_IQN=iqn.2026-11.org.uiscsi:restore.manual
start_tgtd
tgtd_target 1 "$AUTO_IQN"
tgtd_target 2 "$MANUAL_IQN"
PORTAL=127.0.0.1:$TGTD_PORT
start_uiscsid
expect 0 -m discovery -t st -p "$PORTAL"
update "$AUTO_IQN" "$PORTAL" node.startup automatic
expect 0 -m node --loginall=automatic
out_has "Login to [iface: default, target: $AUTO_IQN, portal: 127.0.0.1,$TGTD_PORT] successful."
[ "$(grep -c '^Login to' <<<"$OUT")" -eq 1 ] || fail "--loginall=automatic logged in more than the automatic node: $OUT"
expect 0 -m node -T "$MANUAL_IQN" -l

stop_uiscsid
# tgtd no longer lists a session of ours (the logout reached it).
tgtadm -C "$TGTD_CONTROL" --lld iscsi --op show --mode target | grep -q "$INITIATOR" &&
  fail "tgtd still has a session of $INITIATOR after uiscsid stopped"

start_uiscsid
# Restoring runs beside the control socket: wait for the session to appear.
for i in $(seq 1 100); do
  adm -m session
  [ "$RC" -eq 0 ] && break
  sleep 0.1
done
[ "$RC" -eq 0 ] || fail "the automatic node was not restored"
out_has "tcp: [1] 127.0.0.1:$TGTD_PORT,1 $AUTO_IQN (non-flash)"
grep -qF "$MANUAL_IQN" <<<"$OUT" && fail "the manual node was restored too"
grep -qF "restored automatic node [iface: default, target: $AUTO_IQN" "$WORK/uiscsid.log" ||
  fail "uiscsid did not log the restore"
stop_uiscsid
say "ok: automatic nodes restored on start, manual ones not, all logged out on SIGTERM"
