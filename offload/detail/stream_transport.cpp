#include "offload/detail/stream_transport.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "offload/detail/stream_core.h"

namespace uiscsi::offload::detail {
namespace {

namespace asio = boost::asio;

// The Transport facade: owns the core's lifetime on the caller's side and closes it when
// destroyed; pending operations keep the core alive until they complete.
class StreamTransport final : public Transport {
 public:
  explicit StreamTransport(std::shared_ptr<StreamCore> core) : core_(std::move(core)) {}
  ~StreamTransport() override { core_->close(); }

  int native_handle() const noexcept override { return core_->native_handle(); }
  SocketAddress local_endpoint() const override { return core_->local(); }
  SocketAddress remote_endpoint() const override { return core_->remote(); }
  Capabilities capabilities() const noexcept override { return core_->capabilities(); }
  PathInfo path_info() const override { return core_->path(); }
  Counters counters() const noexcept override { return core_->counters(); }

  void configure(const iscsi::PduLimits& limits) override { core_->configure(limits); }

  // With a std::error_code signature, use_awaitable returns the code as the value (only
  // boost::system::error_code is turned into an exception).
  asio::awaitable<std::error_code> send(const iscsi::OutgoingPdu& pdu) override {
    return asio::async_initiate<const asio::use_awaitable_t<>, void(std::error_code)>(
        [core = core_, pdu = &pdu](auto handler) { core->enqueue(*pdu, SendHandler(std::move(handler))); },
        asio::use_awaitable);
  }

  asio::awaitable<Received> receive() override { return StreamCore::receive(core_); }

  void expect(Tag itt, std::uint32_t buffer_offset, std::span<const iovec> buffers) override {
    core_->expect(itt, buffer_offset, buffers);
  }
  void forget(Tag itt) noexcept override { core_->forget(itt); }

  std::error_code switch_to_tcp(std::string_view reason) override { return core_->switch_to_tcp(reason); }

  void close() noexcept override { core_->close(); }

 private:
  std::shared_ptr<StreamCore> core_;
};

}  // namespace

std::unique_ptr<Transport> make_stream_transport(asio::io_context& io, OwnedFd socket,
                                                 StreamSetup setup, std::error_code& ec) {
  auto core = std::make_shared<StreamCore>(io, setup);
  ec = core->open(std::move(socket), setup.family, setup.protocol);
  if (ec) return nullptr;
  return std::make_unique<StreamTransport>(std::move(core));
}

}  // namespace uiscsi::offload::detail
