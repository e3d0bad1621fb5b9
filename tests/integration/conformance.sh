#!/bin/bash
# libiscsi's conformance suite against uiscsi-target: `iscsi-test-cu -d -t ALL` with two
# portals, so the multipath tests run too. Passes when no test fails and fewer tests are
# skipped than against tgt 1.0.85 on this kind of machine (81 [SKIPPED] lines, PEERS.md).
# The counts go to UISCSI_RESULTS_DIR/conformance.txt for reports.
#
# UISCSI_OFFLOAD (optional: tcp, placement, smc, auto) sets both portals' data path (the
# portal's `offload` key), so the suite can run once per path; the counts then go to
# conformance-PATH.txt, and every connection sampled from `ctl connections` during the
# suite must be on that path. Unset, the portals keep the configuration's default.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../offload/path_lib.sh"
require_offload_path
require_tool iscsi-test-cu "Debian package libiscsi-bin"

readonly TGT_SKIPPED=81
readonly IQN=iqn.2026-11.org.uiscsi:conformance
readonly RESULTS=conformance${UISCSI_OFFLOAD:+-$UISCSI_OFFLOAD}.txt

# Both initiator names of the suite (iscsi-test-cu --help): the reservation tests log in
# under the second one too. Two portals on two loopback addresses, each on a free port.
cat >"$WORK/target.toml" <<TOML
[[target]]
name = "$IQN"
allowed_initiators = [
  "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test",
  "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test-2",
]
portals = [
  { address = "127.0.0.1", port = 0${UISCSI_OFFLOAD:+, offload = \"$UISCSI_OFFLOAD\"} },
  { address = "127.0.0.2", port = 0${UISCSI_OFFLOAD:+, offload = \"$UISCSI_OFFLOAD\"} },
]

[[target.lun]]
number = 0
backend = "file"
path = "lun0.img"
size = "256M"
TOML

start_target T -c "$WORK/target.toml"
read -r PORT1 PORT2 <<<"$T_PORTS"
[ -n "${PORT2:-}" ] || fail "expected two portals, got: $T_PORTS"
say "uiscsi-target serves $IQN on 127.0.0.1:$PORT1 and 127.0.0.2:$PORT2"

# With UISCSI_OFFLOAD naming one path, `ctl connections --json` is sampled while the suite
# runs: every connection seen must be on that path with no fallback reason.
if offload_path_checked; then
  require_tool jq "package jq"
  : >"$WORK/paths.tsv"
  while :; do
    "$UISCSI_TARGET" ctl connections --json --socket "$T_CTL" 2>/dev/null |
      jq -r '.[] | [.path.in_use, .path.fallback_reason] | @tsv' >>"$WORK/paths.tsv"
    sleep 0.5
  done &
  SAMPLER=$!
  PIDS_TO_KILL+=("$SAMPLER")
fi

OUT="$WORK/iscsi-test-cu.out"
rc=0
timeout 3600 iscsi-test-cu -d -n -t ALL \
  "iscsi://127.0.0.1:$PORT1/$IQN/0" "iscsi://127.0.0.2:$PORT2/$IQN/0" >"$OUT" 2>&1 || rc=$?
if [ -n "${SAMPLER:-}" ]; then
  kill "$SAMPLER" 2>/dev/null
  wait "$SAMPLER" 2>/dev/null
  seen=$(wc -l <"$WORK/paths.tsv")
  others=$(grep -cvxF "$UISCSI_OFFLOAD"$'\t' "$WORK/paths.tsv")
  [ "$seen" -gt 0 ] || fail "no connection was seen during the suite, so its path is unknown"
  [ "$others" -eq 0 ] || { sort "$WORK/paths.tsv" | uniq -c; fail "$others of $seen connection samples are not on the $UISCSI_OFFLOAD path"; }
  say "ok: $seen connection samples during the suite, all on the $UISCSI_OFFLOAD path"
fi

# CUnit's summary: "tests  <total> <ran> <passed> <failed> <inactive>".
summary=$(awk '$1 == "tests" && NF >= 6 { print $2, $3, $4, $5 }' "$OUT" | tail -1)
skipped=$(grep -c '\[SKIPPED\]' "$OUT")
mapfile -t failing < <(sed -n 's/^Suite \(.*\), Test \(.*\) had failures:.*/\1.\2/p' "$OUT" | sort -u)

if [ -z "$summary" ]; then
  say "iscsi-test-cu ended (exit $rc) without a summary; the last lines of its output:"
  tail -40 "$OUT"
  alive T || { say "uiscsi-target is gone; its log:"; tail -40 "$T_LOG"; }
  record "$RESULTS" "status=no-summary" "exit=$rc" "skipped=$skipped" "tgt_skipped=$TGT_SKIPPED"
  fail "the conformance suite did not complete"
fi
read -r total ran passed failed <<<"$summary"

record "$RESULTS" "total=$total" "ran=$ran" "passed=$passed" "failed=$failed" \
  "skipped=$skipped" "tgt_skipped=$TGT_SKIPPED" "failing=${failing[*]:-}"

say "ran $ran of $total tests: $passed passed, $failed failed, $skipped [SKIPPED] (tgt: $TGT_SKIPPED)"
if [ "${#failing[@]}" -gt 0 ]; then
  say "failing tests:"
  printf '  %s\n' "${failing[@]}"
fi
say "skip reasons:"
sed -n 's/.*\[SKIPPED\] *//p' "$OUT" | sort | uniq -c | sort -rn | head -20

alive T || { tail -40 "$T_LOG"; fail "uiscsi-target died during the suite"; }
stop_target T
[ "$failed" -eq 0 ] || fail "$failed conformance tests failed"
[ "$skipped" -lt "$TGT_SKIPPED" ] || fail "$skipped tests skipped, not fewer than tgt's $TGT_SKIPPED"
say "PASS"
