#!/bin/bash
# uiscsi-target with no arguments, in an empty directory: it creates the sparse 1 GiB
# ./uiscsi-data/lun0.img, serves it as LUN 0 of iqn.2026-11.org.uiscsi:default on
# 127.0.0.1:3260, says how to connect, and iscsi-ls sees the target and its 1 GiB LUN.
# When port 3260 or the default control socket is taken (another daemon, a parallel test),
# the same default runs with --listen 127.0.0.1:0 and a private control socket instead.
source "$(dirname "$0")/lib.sh"
require_tool iscsi-ls "Debian package libiscsi-bin"

cd "$WORK" || fail "no work directory"
LOG="$WORK/default.log"
: >"$LOG"
port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/3260) 2>/dev/null; }
if port_free && [ ! -S /run/uiscsi/uiscsi-target.sock ] && [ "$(id -u)" -eq 0 ]; then
  say "starting with no arguments at all"
  "$UISCSI_TARGET" >>"$LOG" 2>&1 &
  PID=$!
  CTL=/run/uiscsi/uiscsi-target.sock
else
  say "port 3260 or the default control socket is in use: using --listen 127.0.0.1:0"
  CTL="$WORK/ctl.sock"
  "$UISCSI_TARGET" --listen 127.0.0.1:0 --ctl "$CTL" >>"$LOG" 2>&1 &
  PID=$!
fi
PIDS_TO_KILL+=("$PID")
for i in $(seq 1 100); do
  grep -q '^Status: ' "$LOG" && break
  kill -0 "$PID" 2>/dev/null || { cat "$LOG"; fail "uiscsi-target exited"; }
  sleep 0.1
done
cat "$LOG"
PORTAL=$(sed -n 's/^  iscsi-ls -s iscsi:\/\/\(.*\)$/\1/p' "$LOG")
[ -n "$PORTAL" ] || fail "the banner has no iscsi-ls line"
grep -q "^  iscsiadm -m discovery -t st -p $PORTAL\$" "$LOG" || fail "the banner has no iscsiadm discovery line"
grep -q "iscsiadm -m node -T iqn.2026-11.org.uiscsi:default -p $PORTAL --login" "$LOG" ||
  fail "the banner has no iscsiadm login line"

file=uiscsi-data/lun0.img
[ -f "$file" ] || fail "$file was not created"
[ "$(stat -c %s "$file")" -eq 1073741824 ] || fail "$file is not 1 GiB"
allocated=$(( $(stat -c %b "$file") * $(stat -c %B "$file") ))
[ "$allocated" -lt 1048576 ] || fail "$file is not sparse ($allocated bytes allocated)"

listing=$(iscsi-ls -s "iscsi://$PORTAL")
echo "$listing"
grep -q "^Target:iqn.2026-11.org.uiscsi:default Portal:$PORTAL,1" <<<"$listing" || fail "iscsi-ls does not see the target"
grep -Eq "^Lun:0 +Type:DIRECT_ACCESS \(Size:102[34]M\)" <<<"$listing" || fail "iscsi-ls does not see a 1 GiB LUN 0"
if command -v iscsi-readcapacity16 >/dev/null; then
  iscsi-readcapacity16 "iscsi://$PORTAL/iqn.2026-11.org.uiscsi:default/0" | grep -q '^Total size:1073741824$' ||
    fail "READ CAPACITY(16) does not say 1 GiB"
fi

# SIGHUP without a file: nothing to reload, still serving. SIGTERM: exit 0, socket gone.
kill -HUP "$PID"
sleep 0.5
kill -0 "$PID" || fail "SIGHUP stopped the daemon"
grep -q "nothing to reload" "$LOG" || fail "SIGHUP was not acknowledged in the log"
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
[ "$rc" -eq 0 ] || { cat "$LOG"; fail "exit status $rc after SIGTERM"; }
[ ! -e "$CTL" ] || fail "the control socket $CTL was left behind"
say "PASS"
