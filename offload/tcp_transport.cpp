#include "offload/tcp_transport.h"

#include <netinet/in.h>

#include "offload/detail/stream_transport.h"
#include "offload/detail/tcp_socket.h"

namespace uiscsi::offload {

TransportFactory tcp_factory() {
  TransportFactory f;
  f.path = Path::tcp;
  f.adopt = make_tcp_transport;
  return f;
}

std::unique_ptr<Transport> make_tcp_transport(boost::asio::io_context& io, OwnedFd socket,
                                              PathInfo path, const TransportOptions& options,
                                              std::error_code& ec) {
  int domain = 0;
  ec = detail::prepare_tcp_socket(socket.get(), domain);
  if (ec) return nullptr;
  detail::StreamSetup setup;
  setup.family = domain;
  setup.protocol = IPPROTO_TCP;
  setup.path = std::move(path);
  setup.options = options;
  return detail::make_stream_transport(io, std::move(socket), std::move(setup), ec);
}

}  // namespace uiscsi::offload
