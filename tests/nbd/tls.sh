#!/bin/bash
# TLS (NBD_OPT_STARTTLS, nbds://): uiscsi-nbd with a self-signed certificate made here by
# openssl. libnbd's nbdinfo and nbdcopy, trusting that certificate, must see the export
# over TLS and copy 32 MiB through it and back with matching SHA-256; a client without TLS
# must be refused (the server requires TLS). Unix socket and TCP.
source "$(dirname "$0")/lib.sh"
require_tool nbdinfo "package libnbd-bin"
require_tool nbdcopy "package libnbd-bin"
require_tool openssl "package openssl"

mkdir -p "$WORK/pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$WORK/pki/server-key.pem" -out "$WORK/pki/server-cert.pem" 2>"$WORK/openssl.log" ||
  { cat "$WORK/openssl.log"; fail "openssl could not make a certificate"; }
# libnbd takes its trust anchor from ca-cert.pem in the tls-certificates directory.
mkdir -p "$WORK/client-pki"
cp "$WORK/pki/server-cert.pem" "$WORK/client-pki/ca-cert.pem"
head -c 32M /dev/urandom >"$WORK/random.img"
want=$(sha256sum <"$WORK/random.img" | cut -d' ' -f1)

start_tgtd 64M
URL="iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1"
check_tls() {  # check_tls LABEL URI-WITH-QUERY PLAIN-URI
  local label=$1 uri=$2 plain=$3
  nbdinfo --json "$uri" >"$WORK/info.json" || fail "$label: nbdinfo over TLS failed"
  expect "$label: TLS" "$(json "$WORK/info.json" 'j["TLS"]')" True
  expect "$label: size" "$(json "$WORK/info.json" 'j["exports"][0]["export-size"]')" 67108864
  if nbdinfo "$plain" >"$WORK/plain.out" 2>&1; then fail "$label: a client without TLS was served"; fi
  say "ok: $label: a client without TLS is refused ($(tail -n1 "$WORK/plain.out"))"
  nbdcopy "$WORK/random.img" "$uri" || fail "$label: nbdcopy into the export over TLS"
  expect "$label: sha256 back over TLS" "$(nbdcopy "$uri" - | head -c 32M | sha256sum | cut -d' ' -f1)" "$want"
}

start_nbd S "$URL" --tls-certificate "$WORK/pki/server-cert.pem" --tls-key "$WORK/pki/server-key.pem"
case "$S_URI" in nbds+unix:///\?socket=*) ;; *) fail "TLS URI $S_URI" ;; esac
check_tls unix "$S_URI&tls-certificates=$WORK/client-pki" "${S_URI/nbds+unix/nbd+unix}"
stop_nbd S

start_nbd T "$URL" -b 127.0.0.1 -p 0 --tls-certificate "$WORK/pki/server-cert.pem" --tls-key "$WORK/pki/server-key.pem"
case "$T_URI" in nbds://127.0.0.1:*) ;; *) fail "TLS URI $T_URI" ;; esac
check_tls tcp "$T_URI?tls-certificates=$WORK/client-pki" "${T_URI/nbds:/nbd:}"
stop_nbd T

# A key that does not belong to the certificate is refused at start-up.
openssl genrsa -out "$WORK/pki/other-key.pem" 2048 2>/dev/null
if "$UISCSI_NBD" -k "$WORK/x.sock" --tls-certificate "$WORK/pki/server-cert.pem" \
  --tls-key "$WORK/pki/other-key.pem" "$URL" >"$WORK/x.out" 2>&1; then
  fail "uiscsi-nbd accepted a key that does not match its certificate"
fi
say "ok: a mismatched key is refused: $(cat "$WORK/x.out")"
say "PASS"
