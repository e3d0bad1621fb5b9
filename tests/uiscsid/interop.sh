#!/bin/bash
# uiscsiadm against a real target, end to end through uiscsid: SendTargets discovery,
# node records, login and logout with no authentication, one-way CHAP and mutual CHAP,
# digests off and on, the node's data path (placement; smc where the kernel has it),
# session listing at every print level, statistics, and the iscsiadm
# exit codes and messages of the failures (wrong secret: 24; second login: 15; nothing
# to log out: 21).
#
#   interop.sh tgtd            against tgt's tgtd
#   interop.sh uiscsi-target   against our own target (also discovery CHAP)
#
# With UISCSI_OFFLOAD (tcp, placement, smc) discovery and every node use that data path,
# and every session must report it in use (ctest: "uiscsid: interop tgtd placement").
source "$(dirname "$0")/lib.sh"

readonly KIND=${1:?tgtd or uiscsi-target}
readonly OPEN_IQN=iqn.2026-11.org.uiscsi:interop.open
readonly CHAP_IQN=iqn.2026-11.org.uiscsi:interop.chap
readonly CHAP_USER=alice CHAP_SECRET=alice-secret-1
readonly MUTUAL_USER=target-name MUTUAL_SECRET=target-secret-2

case "$KIND" in
  tgtd)
    start_tgtd
    PORT=$TGTD_PORT
    tgtd_target 1 "$OPEN_IQN"
    tgtd_target 2 "$CHAP_IQN"
    tgtadm_ --op new --mode account --user "$CHAP_USER" --password "$CHAP_SECRET"
    tgtadm_ --op bind --mode account --tid 2 --user "$CHAP_USER"
    tgtadm_ --op new --mode account --user "$MUTUAL_USER" --password "$MUTUAL_SECRET"
    tgtadm_ --op bind --mode account --tid 2 --user "$MUTUAL_USER" --outgoing
    # tgt numbers CHAP_A 7 as SHA-1 (initiator/config.h): offer it MD5 only.
    CHAP_ALGS=MD5
    ;;
  uiscsi-target)
    : "${UISCSI_TARGET:?set by ctest}"
    cat >"$WORK/target.toml" <<TOML
[discovery.chap]
username = "discoverer"
secret = "discovery-pass1"
algorithms = ["SHA-256", "MD5"]

[[target]]
name = "$OPEN_IQN"
portals = ["127.0.0.1:0"]
[[target.lun]]
number = 0
backend = "ram"
size = "32M"

[[target]]
name = "$CHAP_IQN"
portals = ["127.0.0.1:0"]
[[target.lun]]
number = 0
backend = "ram"
size = "32M"
[target.chap]
username = "$CHAP_USER"
secret = "$CHAP_SECRET"
algorithms = ["SHA3-256", "SHA-256", "MD5"]
[target.chap.mutual]
username = "$MUTUAL_USER"
secret = "$MUTUAL_SECRET"
TOML
    start_target "$WORK/target.toml"
    PORT=$TARGET_PORT
    CHAP_ALGS=SHA3-256,SHA256
    ;;
  *) fail "unknown target kind $KIND" ;;
esac
readonly PORTAL=127.0.0.1:$PORT
readonly LABEL_OPEN="[iface: default, target: $OPEN_IQN, portal: 127.0.0.1,$PORT]"
readonly LABEL_CHAP="[iface: default, target: $CHAP_IQN, portal: 127.0.0.1,$PORT]"
start_uiscsid
use_offload_path "$PORTAL"

# --- Discovery -------------------------------------------------------------------------
if [ "$KIND" = uiscsi-target ]; then
  # Discovery CHAP is required: refused first, then configured in the discovery record.
  expect 24 -m discovery -t st -p "$PORTAL"
  err_has "uiscsiadm: Could not perform SendTargets discovery: iSCSI login failed due to authorization failure"
  expect 0 -m discoverydb -t st -p "$PORTAL" -o update -n discovery.sendtargets.auth.authmethod -v CHAP
  expect 0 -m discoverydb -t st -p "$PORTAL" -o update -n discovery.sendtargets.auth.username -v discoverer
  expect 0 -m discoverydb -t st -p "$PORTAL" -o update -n discovery.sendtargets.auth.password -v discovery-pass1
  expect 0 -m discoverydb -t st -p "$PORTAL" -o update -n discovery.sendtargets.auth.chap_algs -v SHA256
  expect 0 -m discoverydb -t st -p "$PORTAL" -o show
  out_has "discovery.sendtargets.auth.password = ********"
  expect 0 -m discoverydb -t st -p "$PORTAL" -o show -S
  out_has "discovery.sendtargets.auth.password = discovery-pass1"
  expect 0 -m discoverydb -t st -p "$PORTAL" --discover
else
  expect 0 -m discovery -t sendtargets -p "$PORTAL"
fi
out_has "127.0.0.1:$PORT,1 $OPEN_IQN"
out_has "127.0.0.1:$PORT,1 $CHAP_IQN"
[ -f "$DB/nodes/$OPEN_IQN/127.0.0.1,$PORT,1/default" ] || fail "no node record in open-iscsi's layout"
[ -f "$DB/send_targets/127.0.0.1,$PORT/st_config" ] || fail "no discovery record in open-iscsi's layout"
grep -qxF "node.conn[0].port = $PORT" "$DB/nodes/$OPEN_IQN/127.0.0.1,$PORT,1/default" || fail "node record lacks its port"
use_offload_path
expect 0 -m discovery
out_has "127.0.0.1:$PORT via sendtargets"
expect 0 -m node
out_has "127.0.0.1:$PORT,1 $OPEN_IQN"
out_has "127.0.0.1:$PORT,1 $CHAP_IQN"
expect 0 -m node -P 1
out_has "Target: $OPEN_IQN"
expect 21 -m node -T iqn.2026-11.org.uiscsi:nonexistent -o show
err_has "uiscsiadm: No records found"
expect 7 -m node -T "$OPEN_IQN" -p "$PORTAL" -o update -n node.startup -v sometimes

# --- No authentication, digests off -----------------------------------------------------
expect 21 -m session
err_has "uiscsiadm: No active sessions."
expect 0 -m node -T "$OPEN_IQN" -p "$PORTAL" --login
out_has "Logging in to $LABEL_OPEN"
out_has "Login to $LABEL_OPEN successful."
expect 0 -m session
out_has "tcp: [1] 127.0.0.1:$PORT,1 $OPEN_IQN (non-flash)"
expect 15 -m node -T "$OPEN_IQN" -p "$PORTAL" -l
err_has "uiscsiadm: default: 1 session requested, but 1 already present."
err_has "uiscsiadm: Could not log into all portals"
check_offload_path
out_has "Target: $OPEN_IQN (non-flash)"
out_has "		iSCSI Connection State: LOGGED IN"
out_has "		HeaderDigest: None"
out_has "		DataDigest: None"
out_has "		Path In Use: ${UISCSI_OFFLOAD:-tcp}"
out_has "		Remote Address: 127.0.0.1:$PORT"
out_has "		Iface Initiatorname: $INITIATOR"
out_contains "		Lun: "
out_contains "	Size: "
expect 0 -m session -r 1 --stats
out_has "Stats for session [sid: 1, target: $OPEN_IQN, portal: 127.0.0.1,$PORT]"
out_contains "	txdata_octets: "
expect 15 -m node -T "$OPEN_IQN" -p "$PORTAL" -o delete
expect 0 -m node -T "$OPEN_IQN" -p "$PORTAL" -u
out_has "Logging out of session [sid: 1, target: $OPEN_IQN, portal: 127.0.0.1,$PORT]"
out_has "Logout of [sid: 1, target: $OPEN_IQN, portal: 127.0.0.1,$PORT] successful."
expect 21 -m node -T "$OPEN_IQN" -p "$PORTAL" -u
err_has "uiscsiadm: No matching sessions found"

# --- Digests on ---------------------------------------------------------------------------
update "$OPEN_IQN" "$PORTAL" node.conn[0].iscsi.HeaderDigest CRC32C
update "$OPEN_IQN" "$PORTAL" node.conn[0].iscsi.DataDigest CRC32C
expect 0 -m node -T "$OPEN_IQN" -p "$PORTAL" -l
check_offload_path
out_has "		HeaderDigest: CRC32C"
out_has "		DataDigest: CRC32C"
expect 0 -m session -u
out_contains "successful."

# --- The node's data path (node.conn[0].offload) -------------------------------------------
update "$OPEN_IQN" "$PORTAL" node.conn[0].offload placement
expect 0 -m node -T "$OPEN_IQN" -p "$PORTAL" -l
expect 0 -m session -P 3
out_has "		Requested Path: placement"
out_has "		Path In Use: placement"
expect 0 -m session -u
update "$OPEN_IQN" "$PORTAL" node.conn[0].offload smc
if python3 -c 'import socket; socket.socket(43, socket.SOCK_STREAM, 0)' 2>/dev/null; then
  expect 0 -m node -T "$OPEN_IQN" -p "$PORTAL" -l
  expect 0 -m session -P 3
  out_has "		Requested Path: smc"
  expect 0 -m session -u
else
  # No AF_SMC in this kernel: iscsiadm's "transport not loaded", with the reason.
  expect 12 -m node -T "$OPEN_IQN" -p "$PORTAL" -l
  err_has "uiscsiadm: smc: kernel has no AF_SMC"
fi
update "$OPEN_IQN" "$PORTAL" node.conn[0].offload "${UISCSI_OFFLOAD:-tcp}"

# --- MC/S (node.session.iscsi.MaxConnections) ----------------------------------------------
# uiscsi-target allows four connections per session, tgt one: the session opens the lower
# of the two offers, and -P 3 shows every connection's data path.
update "$OPEN_IQN" "$PORTAL" node.session.iscsi.MaxConnections 2
expect 0 -m node -T "$OPEN_IQN" -p "$PORTAL" -l
check_offload_path
if [ "$KIND" = uiscsi-target ]; then
  out_has "		Data path of connection 1:"
  [ "$(grep -c '^[[:space:]]*Remote Address: 127.0.0.1:'"$PORT"'$' <<<"$OUT")" -eq 2 ] ||
    { printf '%s\n' "$OUT"; fail "MC/S: want two connections to 127.0.0.1:$PORT"; }
  say "ok: MC/S, two connections in the session"
else
  ! grep -q 'Data path of connection ' <<<"$OUT" || { printf '%s\n' "$OUT"; fail "tgt allows one connection"; }
  say "ok: tgt allows one connection, the session has one"
fi
expect 0 -m session -u
update "$OPEN_IQN" "$PORTAL" node.session.iscsi.MaxConnections 1

# --- CHAP ---------------------------------------------------------------------------------
expect 24 -m node -T "$CHAP_IQN" -p "$PORTAL" -l
err_has "uiscsiadm: Could not login to $LABEL_CHAP."
err_has "uiscsiadm: initiator reported error (24 - iSCSI login failed due to authorization failure)"
err_has "uiscsiadm: Could not log into all portals"
update "$CHAP_IQN" "$PORTAL" node.session.auth.authmethod CHAP
update "$CHAP_IQN" "$PORTAL" node.session.auth.chap_algs "$CHAP_ALGS"
update "$CHAP_IQN" "$PORTAL" node.session.auth.username "$CHAP_USER"
update "$CHAP_IQN" "$PORTAL" node.session.auth.password wrong-secret-9
expect 24 -m node -T "$CHAP_IQN" -p "$PORTAL" -l
err_has "uiscsiadm: initiator reported error (24 - iSCSI login failed due to authorization failure)"
update "$CHAP_IQN" "$PORTAL" node.session.auth.password "$CHAP_SECRET"
expect 0 -m node -T "$CHAP_IQN" -p "$PORTAL" -o show
out_has "node.session.auth.password = ********"
expect 0 -m node -T "$CHAP_IQN" -p "$PORTAL" -l
out_has "Login to $LABEL_CHAP successful."
check_offload_path
out_has "		username: $CHAP_USER"
expect 0 -m node -T "$CHAP_IQN" -p "$PORTAL" -u

# Mutual CHAP, with digests on: a wrong target secret is refused by us, then the right one.
update "$CHAP_IQN" "$PORTAL" node.session.auth.username_in "$MUTUAL_USER"
update "$CHAP_IQN" "$PORTAL" node.session.auth.password_in wrong-mutual-9
expect 24 -m node -T "$CHAP_IQN" -p "$PORTAL" -l
update "$CHAP_IQN" "$PORTAL" node.session.auth.password_in "$MUTUAL_SECRET"
update "$CHAP_IQN" "$PORTAL" node.conn[0].iscsi.HeaderDigest CRC32C
update "$CHAP_IQN" "$PORTAL" node.conn[0].iscsi.DataDigest CRC32C
expect 0 -m node -T "$CHAP_IQN" -p "$PORTAL" -l
check_offload_path
out_has "		username_in: $MUTUAL_USER"
out_has "		DataDigest: CRC32C"

# --- Both at once, then everything out --------------------------------------------------
# The CHAP node is logged in already: the open one is logged in, and the exit code says 15.
expect 15 -m node --loginall=all
err_has "uiscsiadm: default: 1 session requested, but 1 already present."
out_has "Login to $LABEL_OPEN successful."
expect 0 -m session
[ "$(wc -l <<<"$OUT")" -eq 2 ] || fail "expected two sessions: $OUT"
check_offload_path
expect 0 -m node --logoutall=all
[ "$(grep -c ' successful\.$' <<<"$OUT")" -eq 2 ] || fail "expected two logouts: $OUT"
expect 21 -m session

# Discovery with -l logs in to everything it finds (the records keep their CHAP settings).
expect 0 -m discovery -t st -p "$PORTAL" -l
out_has "127.0.0.1:$PORT,1 $CHAP_IQN"
out_has "Login to $LABEL_OPEN successful."
out_has "Login to $LABEL_CHAP successful."
check_offload_path
expect 0 -m session -u
[ "$(grep -c ' successful\.$' <<<"$OUT")" -eq 2 ] || fail "expected two logouts: $OUT"

# --- Records -------------------------------------------------------------------------------
expect 0 -m node -T iqn.2026-11.org.uiscsi:static -p 127.0.0.1:9 -o new
out_has "New iSCSI node [tcp:[hw=,ip=,net_if=,iscsi_if=default] 127.0.0.1,9,-1 iqn.2026-11.org.uiscsi:static] added"
expect 0 -m node -T iqn.2026-11.org.uiscsi:static -o delete
expect 21 -m node -T iqn.2026-11.org.uiscsi:static
stop_uiscsid
say "ok: discovery, login, session listing and logout against $KIND (no auth, CHAP, mutual CHAP, digests on/off)${UISCSI_OFFLOAD:+ on the $UISCSI_OFFLOAD path}"
