#!/usr/bin/env python3
"""smc_ss.py: every AF_SMC socket of this network namespace, as smc-tools' `smcss` would list
it (Debian has no smc-tools). Read through SMC_DIAG (NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY,
family AF_SMC; module smc_diag), independently of uiscsi's own reader, so that the kernel
lab can cross-check the mode uiscsi reports. One line per socket:

  smc 192.0.2.1:3260 -> 192.0.2.2:40284 state=INIT mode=SMCR fallback=0x00000000 peer=0x00000000
"""
import os
import socket
import struct
import sys

NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY, AF_SMC = 4, 20, 43
NLM_F_REQUEST, NLM_F_DUMP, NLMSG_ERROR, NLMSG_DONE = 1, 0x300, 2, 3
SMC_DIAG_FALLBACK = 5                 # attribute: struct smc_diag_fallback {u32 reason, peer}
MODES = {0: "SMCR", 1: "TCP", 2: "SMCD"}
# enum smc_state (net/smc/smc.h)
STATES = {1: "ACTIVE", 2: "INIT", 7: "CLOSED", 10: "LISTEN", 20: "PEERCLOSEWAIT1",
          21: "PEERCLOSEWAIT2", 22: "APPCLOSEWAIT1", 23: "APPCLOSEWAIT2", 24: "APPFINCLOSEWAIT",
          25: "PEERFINCLOSEWAIT", 26: "PEERABORTWAIT", 27: "PROCESSABORT"}


def address(raw, port):
    # diag_family is AF_SMC for SMCPROTO_SMC and SMCPROTO_SMC6 alike: an IPv4 address is the
    # first 4 of the 16 bytes, the rest zero.
    if any(raw[4:]):
        return "[%s]:%d" % (socket.inet_ntop(socket.AF_INET6, raw), port)
    return "%s:%d" % (socket.inet_ntop(socket.AF_INET, raw[:4]), port)


def main():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG)
    sock.settimeout(2)
    # smc_diag_req: family, ext (bit SMC_DIAG_FALLBACK - 1), pad, inet_diag_sockid (48 bytes)
    request = struct.pack("BBxx", AF_SMC, 1 << (SMC_DIAG_FALLBACK - 1)) + bytes(48)
    sock.send(struct.pack("IHHII", 16 + len(request), SOCK_DIAG_BY_FAMILY,
                          NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + request)
    while True:
        data = sock.recv(65536)
        at = 0
        while at + 16 <= len(data):
            length, kind = struct.unpack_from("IH", data, at)
            if length < 16:
                sys.exit("smc_ss: malformed netlink message")
            if kind == NLMSG_DONE:
                return
            if kind == NLMSG_ERROR:
                sys.exit("smc_ss: SMC_DIAG: " + os.strerror(-struct.unpack_from("i", data, at + 16)[0]))
            # smc_diag_msg: family, state, mode, shutdown, inet_diag_sockid, uid, inode
            state, mode = struct.unpack_from("BB", data, at + 17)
            sport, dport = struct.unpack_from(">HH", data, at + 20)
            src, dst = data[at + 24:at + 40], data[at + 40:at + 56]
            line = "smc %s -> %s state=%s mode=%s" % (
                address(src, sport), address(dst, dport),
                STATES.get(state, str(state)), MODES.get(mode, str(mode)))
            attr = at + 16 + 72            # after the 72-byte smc_diag_msg
            while attr + 4 <= at + length:
                alen, atype = struct.unpack_from("HH", data, attr)
                if alen < 4:
                    break
                if atype == SMC_DIAG_FALLBACK and alen >= 12:
                    line += " fallback=0x%08x peer=0x%08x" % struct.unpack_from("II", data, attr + 4)
                attr += (alen + 3) & ~3
            print(line)
            at += (length + 3) & ~3


main()
