// A private tgtd (the tgt iSCSI target, PEERS.md) for the integration tests: started on a
// free loopback port with its own control port and a temporary backing file, configured
// with tgtadm, and always killed and cleaned up by the destructor.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace uiscsi::initiator::test {

struct TgtdOptions {
  std::string target_name = "iqn.2024-01.org.uiscsi:test-disk";
  std::string address = "127.0.0.1";  // the portal's loopback address
  std::uint64_t lun_size = 64ull << 20;
  bool thin_provisioning = false;
  // tgtd target parameters set with "--op update --mode target --name N --value V".
  std::vector<std::pair<std::string, std::string>> parameters;
};

class Tgtd {
 public:
  // Whether tgtd and tgtadm are installed; tests print a skip message when not.
  static bool available();

  // Starts and configures tgtd (LUN 1 on the backing file, every initiator allowed).
  // Throws std::runtime_error with tgtd's log on failure (test set-up only).
  explicit Tgtd(TgtdOptions options = {});
  ~Tgtd();
  Tgtd(const Tgtd&) = delete;
  Tgtd& operator=(const Tgtd&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  const std::string& address() const noexcept { return options_.address; }
  const std::string& target_name() const noexcept { return options_.target_name; }
  const std::string& backing_file() const noexcept { return backing_; }

  // CHAP accounts (tgtadm --mode account): `outgoing` makes it the target's own name and
  // secret for mutual CHAP.
  void add_account(const std::string& user, const std::string& password, bool outgoing = false);

  // SIGKILL, as a crash would; the backing file stays.
  void kill();
  // Starts tgtd again on the same port and control port, with the same configuration and
  // accounts (the backing file keeps its data).
  void restart();
  // restart() in two halves: the daemon (refusing logins: no target yet), then the target.
  void start_daemon();
  void configure();

  // Runs tgtadm with `arguments` on this daemon's control port; throws on failure.
  void tgtadm(const std::string& arguments) const;

 private:
  void wait_until_ready() const;

  TgtdOptions options_;
  std::uint16_t port_ = 0;
  int control_port_ = 0;
  pid_t pid_ = -1;
  std::string backing_;
  std::string log_;
  std::vector<std::string> account_commands_;
};

}  // namespace uiscsi::initiator::test
