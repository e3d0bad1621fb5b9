#!/bin/bash
# A RAID-5 LUN through the target, losing a member: numbered blocks are written through
# iSCSI; with the daemon stopped a member is failed (uiscsi-raid fail); the daemon serves
# the volume degraded (the stale member is left out, --check-config warns at its line);
# every block reads back, and more are written degraded. The member is added back and
# rebuilt offline, scrub finds parity clean, and every block still reads back. While the
# daemon runs, its members are locked against uiscsi-raid.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/raid_lib.sh"

readonly IQN=iqn.2026-11.org.uiscsi:raid-degraded
make_raid 5 4 40M
raid_config "$WORK/target.toml" "$IQN"

serve() { start_target T -c "$WORK/target.toml" --listen 127.0.0.1:0; PORTAL=127.0.0.1:${T_PORTS%% *}; }
write_blocks() {  # write_blocks COUNT LOG
  "$UISCSI_PROBE" write-log --portal "$PORTAL" --target "$IQN" --count "$1" --fua --log "$2" \
    >"$WORK/writer.out" 2>&1 || { cat "$WORK/writer.out"; fail "writing $1 blocks failed"; }
  grep -q "durable writes $1 (done)" "$WORK/writer.out" || { cat "$WORK/writer.out"; fail "not every write was acknowledged"; }
}
verify_blocks() {  # verify_blocks LOG WHEN
  "$UISCSI_PROBE" verify-log --portal "$PORTAL" --target "$IQN" --log "$1" >"$WORK/verify.out" 2>&1 ||
    { cat "$WORK/verify.out"; fail "blocks lost $2"; }
  say "$2: $(tail -1 "$WORK/verify.out")"
}

# 1. Healthy: 3000 blocks (two 64 KiB chunks on every member and more).
serve
write_blocks 3000 "$WORK/healthy.log"
# The daemon holds the members: offline tools are refused while it runs.
if "$UISCSI_RAID" assemble "${MEMBERS[@]}" >"$WORK/locked.out" 2>&1; then
  fail "uiscsi-raid assembled members the daemon is serving"
fi
grep -q "busy" "$WORK/locked.out" || { cat "$WORK/locked.out"; fail "no 'busy' from uiscsi-raid"; }
stop_target T

# 2. Offline: member m2 fails.
"$UISCSI_RAID" fail "${MEMBERS[2]}" "${MEMBERS[@]}" >"$WORK/fail.out" 2>&1 ||
  { cat "$WORK/fail.out"; fail "uiscsi-raid fail"; }
out=$("$UISCSI_TARGET" --check-config -c "$WORK/target.toml" --listen 127.0.0.1:0 2>&1) || { echo "$out"; fail "--check-config refused a degraded volume"; }
line=$(grep -n "m2.img" "$WORK/target.toml" | head -1 | cut -d: -f1)
grep -q "target.toml:$line:[0-9]*: warning: .*m2.img: stale" <<<"$out" || { echo "$out"; fail "no stale warning at line $line"; }
say "check-config: $(grep stale <<<"$out")"

# 3. Degraded: everything reads back (m2's chunks from parity), and writes go on.
serve
grep -q "stale" "$T_LOG" || { cat "$T_LOG"; fail "the daemon did not say it left m2 out"; }
verify_blocks "$WORK/healthy.log" "degraded, written healthy"
write_blocks 8000 "$WORK/degraded.log"
verify_blocks "$WORK/degraded.log" "degraded, written degraded"
stop_target T

# 4. Offline: m2 comes back and is rebuilt; parity checks clean.
"$UISCSI_RAID" add "${MEMBERS[2]}" "${MEMBERS[0]}" "${MEMBERS[1]}" "${MEMBERS[3]}" >"$WORK/add.out" 2>&1 ||
  { cat "$WORK/add.out"; fail "uiscsi-raid add"; }
"$UISCSI_RAID" scrub "${MEMBERS[@]}" >"$WORK/scrub.out" 2>&1 || { cat "$WORK/scrub.out"; fail "scrub after rebuild"; }
say "scrub: $(tail -1 "$WORK/scrub.out")"

# 5. Healthy again, and m2 must hold its part: fail another member offline, so reads of
#    m2's chunks come from m2 and the rebuilt data is what is checked.
"$UISCSI_RAID" fail "${MEMBERS[0]}" "${MEMBERS[@]}" >"$WORK/fail0.out" 2>&1 || { cat "$WORK/fail0.out"; fail "fail m0"; }
serve
verify_blocks "$WORK/degraded.log" "rebuilt m2, without m0"
stop_target T
say "PASS"
