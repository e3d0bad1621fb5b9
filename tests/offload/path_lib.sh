# The data path of a per-path integration test (issue 5: the conformance and interop tests
# pass on every path, run once per path). CTest registers such a test once per path with
# UISCSI_OFFLOAD=tcp|placement|smc (e.g. "nbd: copy placement"); unset, every tool keeps
# its own default. Sourced by the lib.sh of tests/nbd, tests/uiscsid and tests/integration,
# after they define `say` and SKIP.

# require_offload_path: exits 77 with the reason when this host cannot run UISCSI_OFFLOAD
# (smc without AF_SMC: the words of the registry's smc probe, offload/smc_transport.cpp),
# and 1 when UISCSI_OFFLOAD names no data path.
require_offload_path() {
  case "${UISCSI_OFFLOAD:-}" in
    "" | tcp | placement | auto) ;;
    smc)
      # AF_SMC is 43 (linux/socket.h): the socket the probe opens.
      python3 -c 'import socket; socket.socket(43, socket.SOCK_STREAM, 0).close()' 2>/dev/null ||
        { say "SKIP: the smc path cannot run here: smc: kernel has no AF_SMC"; exit "$SKIP"; }
      ;;
    *) say "FAIL: UISCSI_OFFLOAD=$UISCSI_OFFLOAD is not a data path (tcp, placement, smc, auto)"; exit 1 ;;
  esac
}

# offload_path_checked: true when UISCSI_OFFLOAD names one path, so that the test must see
# that path in use on every connection (a silent fallback fails it); `auto` has no answer
# to compare with.
offload_path_checked() {
  case "${UISCSI_OFFLOAD:-}" in tcp | placement | smc) return 0 ;; *) return 1 ;; esac
}

# two_portal_toml IQN PLACEMENT_PORT TCP_PORT LUN_FILE [SIZE]: the configuration of a target
# with one file LUN on two 127.0.0.1 portals, placement and tcp, for the tests that compare
# the two (the target's end of a connection takes its path from the portal).
two_portal_toml() {
  cat <<TOML
[[target]]
name = "$1"
[[target.portal_group]]
tag = 1
portals = [
  { address = "127.0.0.1", port = $2, offload = "placement" },
  { address = "127.0.0.1", port = $3, offload = "tcp" },
]
[[target.lun]]
number = 0
backend = "file"
path = "$4"
${5:+size = \"$5\"}
TOML
}
