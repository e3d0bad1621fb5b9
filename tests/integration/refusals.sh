#!/bin/bash
# Logins that must be refused, each with the right Status-Class / Status-Detail
# (RFC 7143 11.13.5), and the daemon stays up: a wrong CHAP secret, no CHAP where CHAP is
# required, an initiator outside the ACL, a reflected CHAP challenge (RFC 7143 12.1.3).
# Driven by libiscsi (iscsi-inq, iscsi-ls with -i and CHAP in the URL) and by uiscsi-probe,
# which reports the exact status.
source "$(dirname "$0")/lib.sh"

readonly CHAP_IQN=iqn.2026-11.org.uiscsi:chap
readonly ACL_IQN=iqn.2026-11.org.uiscsi:acl
readonly ALLOWED=iqn.2026-11.org.uiscsi:allowed
readonly INTRUDER=iqn.2026-11.org.uiscsi:intruder

cat >"$WORK/target.toml" <<TOML
[[target]]
name = "$CHAP_IQN"
[[target.lun]]
number = 0
backend = "ram"
size = "16M"
[target.chap]
username = "alice"
secret = "alice-secret-1"
[target.chap.mutual]
username = "chap-target"
secret = "target-secret-2"

[[target]]
name = "$ACL_IQN"
allowed_initiators = ["$ALLOWED"]
[[target.lun]]
number = 0
backend = "ram"
size = "16M"
TOML
# --listen puts both targets on one portal with a free port.
start_target T -c "$WORK/target.toml" --listen 127.0.0.1:0
PORT=${T_PORTS%% *}
PORTAL=127.0.0.1:$PORT

failures=0
check() {  # check DESCRIPTION EXPECT PROBE-ARGS...
  local what=$1 expect=$2; shift 2
  local out rc=0
  out=$("$UISCSI_PROBE" login --portal "$PORTAL" --expect "$expect" "$@" 2>&1) || rc=$?
  if [ "$rc" -eq 0 ]; then say "ok: $what: $(echo "$out" | head -1)"
  else say "FAILED: $what (expected $expect): $out"; failures=$((failures + 1)); fi
  alive T || fail "uiscsi-target died after: $what"
}

# uiscsi-probe: exact status codes.
check "wrong CHAP secret -> authentication failure" 0x0201 \
  --target "$CHAP_IQN" --initiator "$ALLOWED" --chap-user alice --chap-secret wrong-secret-9
check "unknown CHAP user -> authentication failure" 0x0201 \
  --target "$CHAP_IQN" --initiator "$ALLOWED" --chap-user mallory --chap-secret alice-secret-1
check "no CHAP where CHAP is required -> authentication failure" 0x0201 \
  --target "$CHAP_IQN" --initiator "$ALLOWED"
check "initiator outside the ACL -> authorization failure" 0x0202 \
  --target "$ACL_IQN" --initiator "$INTRUDER"
check "unknown target -> not found" 0x0203 \
  --target iqn.2026-11.org.uiscsi:nonexistent --initiator "$ALLOWED"
# RFC 7143 12.1.3: the target must notice its own challenge coming back and end the login.
check "reflected CHAP challenge -> refused" 0x0201,closed \
  --target "$CHAP_IQN" --initiator "$ALLOWED" --chap-user alice --chap-secret alice-secret-1 \
  --mutual-user chap-target --mutual-secret target-secret-2 --reflect-challenge
# The good logins, after all of that.
check "right CHAP secret" ok \
  --target "$CHAP_IQN" --initiator "$ALLOWED" --chap-user alice --chap-secret alice-secret-1
check "mutual CHAP" ok \
  --target "$CHAP_IQN" --initiator "$ALLOWED" --chap-user alice --chap-secret alice-secret-1 \
  --mutual-user chap-target --mutual-secret target-secret-2
check "initiator inside the ACL" ok --target "$ACL_IQN" --initiator "$ALLOWED"

# libiscsi, as an administrator would use it.
if command -v iscsi-inq >/dev/null; then
  if iscsi-inq -i "$ALLOWED" "iscsi://alice%wrong-secret-9@$PORTAL/$CHAP_IQN/0" >/dev/null 2>&1; then
    say "FAILED: iscsi-inq logged in with a wrong CHAP secret"; failures=$((failures + 1))
  else say "ok: iscsi-inq with a wrong CHAP secret is refused"; fi
  if iscsi-inq -i "$INTRUDER" "iscsi://$PORTAL/$ACL_IQN/0" >/dev/null 2>&1; then
    say "FAILED: iscsi-inq logged in from outside the ACL"; failures=$((failures + 1))
  else say "ok: iscsi-inq from outside the ACL is refused"; fi
  if iscsi-inq -i "$ALLOWED" "iscsi://alice%alice-secret-1@$PORTAL/$CHAP_IQN/0" >/dev/null 2>&1; then
    say "ok: iscsi-inq with the right CHAP secret"
  else say "FAILED: iscsi-inq with the right CHAP secret"; failures=$((failures + 1)); fi
  # SendTargets shows a target only to initiators its ACL allows.
  listing=$(iscsi-ls -i "$INTRUDER" "iscsi://$PORTAL" 2>&1 || true)
  if grep -q "$ACL_IQN" <<<"$listing"; then
    say "FAILED: discovery shows $ACL_IQN to $INTRUDER"; failures=$((failures + 1))
  else say "ok: discovery hides $ACL_IQN from $INTRUDER"; fi
  listing=$(iscsi-ls -i "$ALLOWED" "iscsi://$PORTAL" 2>&1 || true)
  if grep -q "$ACL_IQN" <<<"$listing"; then say "ok: discovery shows $ACL_IQN to $ALLOWED"
  else say "FAILED: discovery hides $ACL_IQN from $ALLOWED: $listing"; failures=$((failures + 1)); fi
else
  say "note: libiscsi-bin is not installed; the iscsi-inq / iscsi-ls checks are skipped"
fi

alive T || fail "uiscsi-target died"
stop_target T
[ "$failures" -eq 0 ] || fail "$failures checks failed"
say "PASS"
