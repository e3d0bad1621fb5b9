#!/bin/bash
# Data-In from the page cache (issue 5: "for the file backend with DataDigest=None,
# sendfile"): uiscsi-target's file LUN is read whole through uiscsi-nbd and nbdcopy, and
# must hash like the backing file, on each of three sessions:
#   - placement, no digests: the target's connection sent every byte of Data-In with
#     sendfile(2) (ctl connections: bytes_sendfile covers the LUN) and read none into a
#     buffer first;
#   - tcp: sendfile is a placement feature, so the target read the data (bytes_sendfile 0);
#   - placement with DataDigest=CRC32C: the digest needs the bytes in memory, so no
#     sendfile either.
# The counters are read while the session is still logged in (they go with it).
source "$(dirname "$0")/lib.sh"
require_tool nbdcopy "package libnbd-bin"
require_tool sha256sum "coreutils"

LUN_BYTES=$((64 << 20))
# Random content, written before the target starts: it serves the file at its size.
head -c "$LUN_BYTES" /dev/urandom >"$WORK/disk.img"
want=$(sha256sum <"$WORK/disk.img" | cut -d' ' -f1)
# The target's end of a connection takes its path from the portal: one of each.
[ -n "${UISCSI_TARGET:-}" ] && [ -x "$UISCSI_TARGET" ] || { say "SKIP: uiscsi-target was not built"; exit $SKIP; }
PORT_placement=$(free_port)
PORT_tcp=$(free_port)
while [ "$PORT_tcp" = "$PORT_placement" ]; do PORT_tcp=$(free_port); done
two_portal_toml "$UT_IQN" "$PORT_placement" "$PORT_tcp" disk.img >"$WORK/target.toml"
"$UISCSI_TARGET" --ctl "$WORK/uiscsi-target.sock" -c "$WORK/target.toml" >"$WORK/uiscsi-target.log" 2>&1 &
PIDS_TO_KILL+=("$!")
wait_for "uiscsi-target to start" grep -q '^Status: ' "$WORK/uiscsi-target.log"

# read_lun LABEL PATH URL_ARGS: reads the LUN through a fresh uiscsi-nbd on PATH and checks
# its hash; leaves the target's counters in $WORK/LABEL.json, summed over its connections.
read_lun() {
  local label=$1 path=$2 args=$3
  local port="PORT_$path"
  start_nbd N "iscsi://127.0.0.1:${!port}/$UT_IQN/0$args" --path "$path"
  local got
  got=$(nbdcopy "$N_URI" - | sha256sum | cut -d' ' -f1)
  expect "$label: sha256 read through NBD" "$got" "$want"
  "$UISCSI_TARGET" ctl connections --json --socket "$WORK/uiscsi-target.sock" >"$WORK/$label-connections.json" ||
    fail "$label: ctl connections"
  json "$WORK/$label-connections.json" \
    '{k: sum(c["counters"][k] for c in j) for k in ("bytes_sendfile", "bytes_file_read")} | {"paths": [c["path"]["in_use"] for c in j]}' \
    | tr "'" '"' >"$WORK/$label.json"
  say "$label: target counters $(cat "$WORK/$label.json")"
  stop_nbd N
}
counter() { json "$WORK/$1.json" "j[\"$2\"]"; }

read_lun placement placement ""
expect "placement: connection paths" "$(json "$WORK/placement.json" 'j["paths"]')" "['placement']"
sent=$(counter placement bytes_sendfile)
[ "$sent" -ge "$LUN_BYTES" ] || fail "placement: the target sent $sent bytes with sendfile, want at least $LUN_BYTES"
say "ok: placement: $sent bytes sent with sendfile"
expect "placement: bytes read into a buffer first" "$(counter placement bytes_file_read)" 0

read_lun tcp tcp ""
expect "tcp: connection paths" "$(json "$WORK/tcp.json" 'j["paths"]')" "['tcp']"
expect "tcp: bytes sent with sendfile" "$(counter tcp bytes_sendfile)" 0

read_lun crc32c placement "?data_digest=crc32c"
expect "crc32c: connection paths" "$(json "$WORK/crc32c.json" 'j["paths"]')" "['placement']"
expect "crc32c: bytes sent with sendfile" "$(counter crc32c bytes_sendfile)" 0
say "PASS"
