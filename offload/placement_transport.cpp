#include "offload/placement_transport.h"

#include <netinet/in.h>

#include "offload/detail/stream_transport.h"
#include "offload/detail/tcp_socket.h"

namespace uiscsi::offload {

TransportFactory placement_factory() {
  TransportFactory f;
  f.path = Path::placement;
  f.adopt = make_placement_transport;
  return f;
}

std::unique_ptr<Transport> make_placement_transport(boost::asio::io_context& io, OwnedFd socket,
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
  setup.placement = true;
  return detail::make_stream_transport(io, std::move(socket), std::move(setup), ec);
}

}  // namespace uiscsi::offload
