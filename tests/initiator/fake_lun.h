// LUN 1 of the fake target opened as a BlockDevice, with a private directory for the NBD
// socket a test serves it on: what the NBD server's unit tests export. Closed and removed
// by the destructor.
#pragma once

#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "fake_session.h"
#include "initiator/block_device.h"

namespace uiscsi::initiator::test {

struct FakeLun {
  FakeLun() : target(io, FakeTargetConfig{}) {
    SessionOpen o = open_fake(io, target, fake_config(target));
    INFO(o.error);
    REQUIRE(o.session);
    session = std::move(o.session);
    BlockDeviceOpen d = run(io, BlockDevice::open(*session, 1));
    INFO(d.error);
    REQUIRE(d.device);
    device = std::move(d.device);
    char pattern[] = "/tmp/uiscsi-fake-lun.XXXXXX";
    dir = ::mkdtemp(pattern);
    socket_path = dir + "/nbd.sock";
  }
  ~FakeLun() {
    device.reset();
    session->close();
    drain(io);
    std::filesystem::remove_all(dir);
  }
  FakeLun(const FakeLun&) = delete;
  FakeLun& operator=(const FakeLun&) = delete;

  boost::asio::io_context io;
  FakeTarget target;
  std::unique_ptr<Session> session;
  std::unique_ptr<BlockDevice> device;
  std::string dir, socket_path;
};

}  // namespace uiscsi::initiator::test
