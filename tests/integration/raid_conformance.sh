#!/bin/bash
# libiscsi's conformance suite (`iscsi-test-cu -d -t ALL`, two portals, both initiator
# names, as conformance.sh runs it) against a RAID-5 LUN on four member files made with
# uiscsi-raid. The same target serves a file LUN; every test that fails on the RAID LUN is
# run again on the file LUN, so a failure is put where it belongs: one that fails on both
# is the target's (conformance.sh covers those), one that fails on RAID alone is the RAID
# backend's and fails this test. Counts go to UISCSI_RESULTS_DIR/raid_conformance.txt.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/raid_lib.sh"
require_tool iscsi-test-cu "Debian package libiscsi-bin"

readonly IQN=iqn.2026-11.org.uiscsi:raid-conformance
make_raid 5 4 88M   # 3 x 87 MiB of data: about the 256 MiB of conformance.sh's file LUN
list=""
for m in "${MEMBERS[@]}"; do list+="\"$m\", "; done
cat >"$WORK/target.toml" <<TOML
[[target]]
name = "$IQN"
allowed_initiators = [
  "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test",
  "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test-2",
]
portals = ["127.0.0.1:0", "127.0.0.2:0"]

[[target.lun]]
number = 0
backend = "raid"
members = [$list]
pr_state_file = "raid.pr"

[[target.lun]]
number = 1
backend = "file"
path = "file.img"
size = "261M"
TOML

start_target T -c "$WORK/target.toml"
read -r PORT1 PORT2 <<<"$T_PORTS"
[ -n "${PORT2:-}" ] || fail "expected two portals, got: $T_PORTS"
url() { echo "iscsi://127.0.0.1:$PORT1/$IQN/$1 iscsi://127.0.0.2:$PORT2/$IQN/$1"; }

OUT="$WORK/raid.out"
rc=0
# shellcheck disable=SC2046
timeout 3600 iscsi-test-cu -d -n -t ALL $(url 0) >"$OUT" 2>&1 || rc=$?
summary=$(awk '$1 == "tests" && NF >= 6 { print $2, $3, $4, $5 }' "$OUT" | tail -1)
skipped=$(grep -c '\[SKIPPED\]' "$OUT")
mapfile -t failing < <(sed -n 's/^Suite \(.*\), Test \(.*\) had failures:.*/\1.\2/p' "$OUT" | sort -u)
if [ -z "$summary" ]; then
  say "iscsi-test-cu ended (exit $rc) without a summary; the last lines of its output:"
  tail -40 "$OUT"
  alive T || { say "uiscsi-target is gone; its log:"; tail -40 "$T_LOG"; }
  record raid_conformance.txt "status=no-summary" "exit=$rc"
  fail "the conformance suite did not complete on the RAID LUN"
fi
read -r total ran passed failed <<<"$summary"
say "RAID-5 LUN: ran $ran of $total tests: $passed passed, $failed failed, $skipped [SKIPPED]"

# Each failing test again, on the file LUN.
target_failures=()
raid_failures=()
for t in "${failing[@]}"; do
  one="$WORK/file-$t.out"
  # shellcheck disable=SC2046
  timeout 600 iscsi-test-cu -d -n -t "ALL.$t" $(url 1) >"$one" 2>&1 || true
  if grep -q "had failures" "$one"; then
    target_failures+=("$t")
  elif grep -q '^ *tests *[0-9]* *[1-9]' "$one"; then
    raid_failures+=("$t")
  else
    say "could not rerun $t on the file LUN:"; tail -5 "$one"
    raid_failures+=("$t")
  fi
done
record raid_conformance.txt "total=$total" "ran=$ran" "passed=$passed" "failed=$failed" "skipped=$skipped" \
  "fail_on_file_too=${target_failures[*]:-}" "fail_on_raid_only=${raid_failures[*]:-}"
[ "${#target_failures[@]}" -eq 0 ] || { say "failing on the file LUN too (the target's):"; printf '  %s\n' "${target_failures[@]}"; }
[ "${#raid_failures[@]}" -eq 0 ] || { say "failing on the RAID LUN only:"; printf '  %s\n' "${raid_failures[@]}"; }

alive T || { tail -40 "$T_LOG"; fail "uiscsi-target died during the suite"; }
stop_target T
# The volume was closed cleanly by SIGTERM, and its parity is right after all of that.
"$UISCSI_RAID" scrub "${MEMBERS[@]}" >"$WORK/scrub.out" 2>&1 || { cat "$WORK/scrub.out"; fail "scrub after the suite"; }
say "scrub: $(tail -1 "$WORK/scrub.out")"
[ "${#raid_failures[@]}" -eq 0 ] || fail "${#raid_failures[@]} tests fail on the RAID LUN only"
[ "$ran" -gt 0 ] || fail "no test ran"
say "PASS"
