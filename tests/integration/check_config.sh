#!/bin/bash
# uiscsi-target --check-config: the shipped example passes; broken files fail with every
# problem named by FILE:LINE:COLUMN; the command line itself is checked too.
source "$(dirname "$0")/lib.sh"
: "${UISCSI_SOURCE_DIR:?set by ctest}"

# The example, as shipped (its relative paths resolve next to it; nothing is created).
out=$("$UISCSI_TARGET" --check-config -c "$UISCSI_SOURCE_DIR/docs/target.example.toml" 2>&1) ||
  { echo "$out"; fail "the shipped example does not pass --check-config"; }
say "example: $(tail -1 <<<"$out")"
grep -q ': OK, 2 targets, 3 LUNs, 3 portals' <<<"$out" || { echo "$out"; fail "unexpected summary"; }
[ ! -e "$UISCSI_SOURCE_DIR/docs/disk1-lun0.img" ] || fail "--check-config created a backing file"

# A file with one problem per line, each of which must be reported at its line.
cat >"$WORK/bad.toml" <<'TOML'
[[target]]
name = "iqn.2026-13.org.example:bad-date"
portals = ["127.0.0.1:3260", "localhost:3260"]
[[target.lun]]
number = 0
backend = "tape"
[[target.lun]]
number = 1
backend = "file"
[[target.lun]]
number = 1
backend = "ram"
size = "1M"
[target.chap]
username = "u"
secret = "short"
[target.chap.mutual]
username = "t"
secret = "short"
[target.limits]
MaxBurstLenght = 65536
TOML
rc=0
out=$("$UISCSI_TARGET" --check-config -c "$WORK/bad.toml" 2>&1) || rc=$?
echo "$out"
[ "$rc" -eq 1 ] || fail "--check-config exited with $rc on a bad file (expected 1)"
expect() {  # expect LINE FRAGMENT
  grep -qF "$WORK/bad.toml:$1:" <<<"$(grep -F -- "$2" <<<"$out")" || fail "no finding '$2' at line $1"
}
expect 2 "a date yyyy-mm"
expect 3 "'localhost' is not a numeric"
expect 6 "unknown backend kind 'tape'"
expect 7 "target.lun.path is missing"
expect 11 "LUN 1 of iqn.2026-13.org.example:bad-date is already defined at line 8"
expect 16 "the secret is 5 bytes long"
expect 19 "forbids using a CHAP secret in both directions"
expect 21 "unknown key 'target.limits.MaxBurstLenght'"
grep -q "bad.toml: [0-9]* errors" <<<"$out" || fail "no error count"

# A syntax error: toml++'s own message, at its place.
printf '[[target]]\nname = "iqn.2026-11.org.example:x"\nportals = ["127.0.0.1:3260"\n' >"$WORK/syntax.toml"
rc=0
out=$("$UISCSI_TARGET" --check-config -c "$WORK/syntax.toml" 2>&1) || rc=$?
echo "$out"
[ "$rc" -eq 1 ] || fail "a syntax error passed"
grep -q "syntax.toml:[34]:[0-9]*: error:" <<<"$out" || fail "the syntax error has no position"

# The embedded default checks too, and a bad command line is a usage error (2).
"$UISCSI_TARGET" --check-config --data-dir "$WORK/data" | grep -q '(embedded default): OK' ||
  fail "the embedded default does not pass"
[ ! -e "$WORK/data" ] || fail "--check-config created the data directory"
rc=0
"$UISCSI_TARGET" --listen nowhere --check-config >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "a bad --listen exited with $rc (expected 2)"
say "PASS"
