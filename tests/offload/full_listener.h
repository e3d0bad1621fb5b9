// A TCP listener on 127.0.0.1 whose accept queue is full, for tests of a connect that never
// completes: Linux drops a SYN to a listener whose accept queue is over its backlog, so a
// connect to it stays pending (the client retransmits its SYN) until the caller gives up.
// Used by the offload and initiator tests.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <vector>

#include "offload/owned_fd.h"
#include "offload/socket_address.h"

namespace uiscsi::offload::test {

class FullListener {
 public:
  FullListener() {
    listener_ = OwnedFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(listener_);
    const auto loopback = SocketAddress::ip("127.0.0.1", 0).value();
    REQUIRE(::bind(listener_.get(), loopback.data(), loopback.size()) == 0);
    REQUIRE(::listen(listener_.get(), 1) == 0);
    address_ = SocketAddress::local_of(listener_.get());
    // Fill the queue one connection at a time, each one accepted by the kernel (counted in
    // the listener's accept queue) before the next SYN: a SYN that found room in the SYN
    // queue while the queue was not yet full would complete on the client's side.
    for (int n = 1; !full(); ++n) {
      REQUIRE(n <= 8);
      OwnedFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      REQUIRE(client);
      REQUIRE(::connect(client.get(), address_.data(), address_.size()) == 0);
      queued_.push_back(std::move(client));
      // Bounded wait (not a measurement): the final ACK is on its way through loopback.
      for (int i = 0; i < 10000 && queue_length() < queued_.size(); ++i) ::poll(nullptr, 0, 1);
      REQUIRE(queue_length() == queued_.size());
    }
  }

  const SocketAddress& address() const noexcept { return address_; }

 private:
  tcp_info info() const {
    tcp_info i{};
    socklen_t size = sizeof i;
    REQUIRE(::getsockopt(listener_.get(), IPPROTO_TCP, TCP_INFO, &i, &size) == 0);
    return i;
  }
  // For a listening socket TCP_INFO reports the accept queue's length as tcpi_unacked and
  // its backlog as tcpi_sacked (tcp_get_info); the kernel drops SYNs once length > backlog.
  std::size_t queue_length() const { return info().tcpi_unacked; }
  bool full() const {
    const tcp_info i = info();
    return i.tcpi_unacked > i.tcpi_sacked;
  }

  OwnedFd listener_;
  SocketAddress address_;
  std::vector<OwnedFd> queued_;  // the clients that fill the queue, kept open
};

}  // namespace uiscsi::offload::test
