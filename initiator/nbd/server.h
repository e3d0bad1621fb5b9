// An NBD server (the NBD protocol, doc/proto.md of the reference implementation) that
// exports LUNs opened through the block API (initiator/block_device.h).
//
//   nbd::Server server(io);                                  // io: the session's io_context
//   co_await server.add_export("", device);                  // "" is the default export
//   if (auto ec = server.listen_unix("/run/uiscsi/lun1.sock")) ...;   // or listen_tcp()
//   std::cout << server.uri("") << "\n";                     // nbd+unix:///?socket=...
//   server.use_tls("cert.pem", "key.pem", why);  // optional, before listening: nbds://
//   ...
//   co_await server.remove_export("");    // its clients are disconnected, in-flight I/O ends
//   co_await server.stop();               // before the Session / BlockDevice go away
//
// Protocol: fixed newstyle handshake only (bounded by ServerOptions::handshake_timeout), with NBD_OPT_GO, INFO, LIST, ABORT, EXPORT_NAME,
// STRUCTURED_REPLY and LIST/SET_META_CONTEXT ("base:allocation"); in transmission READ,
// WRITE, FLUSH, TRIM (UNMAP), WRITE_ZEROES (WRITE SAME), BLOCK_STATUS (GET LBA STATUS) and
// DISC, with FUA. With use_tls() the server requires NBD_OPT_STARTTLS (OpenSSL, TLS 1.2 or
// later) before anything else. Each connection reads requests while earlier ones are still running on
// the session (pipelined; replies go out in completion order). NBD_INFO_BLOCK_SIZE comes
// from the LUN: minimum = logical block, preferred = physical block, maximum = the largest
// transfer. CAN_MULTI_CONN is always offered: every connection of an export goes through
// the same LUN, whose cache SYNCHRONIZE CACHE covers as a whole. A LUN that reports
// itself write protected (MODE SENSE WP) is exported READ_ONLY.
//
// Errors: a SCSI or session error of a request goes back to that request as an NBD errno
// (EIO, EPERM for write protection, ENOSPC, EINVAL, ENOTSUP); after the session's
// replacement timeout every request fails with EIO, and the connection stays up. A
// client that disconnects does not cancel requests already sent to the target, and a
// write is acknowledged only once the target has acknowledged it.
//
// Threading and lifetime: the server, its listeners and connections live on one
// io_context, the one of the sessions whose devices it exports (call every member on that
// thread). A device must outlive remove_export() of its export (or stop()). Destroying a
// server that was not stopped closes its sockets; requests still in flight then finish on
// their own, so the devices must stay valid until the io_context has run them (prefer
// co_await stop()).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace uiscsi::initiator {
class BlockDevice;
}

namespace uiscsi::initiator::nbd {

struct ExportOptions {
  // NBD_INFO_DESCRIPTION; also the text of NBD_REP_SERVER in NBD_OPT_LIST.
  std::string description;
  // Export read-only even when the LUN is writable.
  bool read_only = false;
};

struct ServerOptions {
  // Requests read from one connection and not yet answered; the server stops reading from
  // that connection while this many (or max_in_flight_bytes of payload) are in flight.
  std::size_t max_requests_per_connection = 256;
  std::size_t max_in_flight_bytes = 256u << 20;
  // A client that has not reached the transmission phase (NBD_OPT_GO / EXPORT_NAME, TLS
  // included) this long after connecting is disconnected, so that clients that connect and
  // stall cannot pile up sockets and memory (as qemu-nbd's --handshake-limit, also 10 s by
  // default). Zero: no limit.
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10);
};

// What add_export() found out about the LUN, for tools to print.
struct ExportInfo {
  std::string name;
  std::uint64_t size = 0;
  std::uint32_t minimum_block = 0, preferred_block = 0, maximum_block = 0;
  std::uint16_t transmission_flags = 0;  // NBD_FLAG_* as sent with NBD_INFO_EXPORT
};

class Server {
 public:
  explicit Server(boost::asio::io_context& io, ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Exports `device` under `name` (at most 4096 bytes; "" is the default export, the one
  // clients get without naming one). Asks the LUN whether it is write protected. Fails with
  // std::errc::file_exists when the name is taken.
  boost::asio::awaitable<std::error_code> add_export(std::string name, BlockDevice& device,
                                                     ExportOptions options = {});
  // Stops offering the export, disconnects its clients and waits until their requests in
  // flight have completed. Does nothing for an unknown name.
  boost::asio::awaitable<void> remove_export(std::string name);
  std::vector<ExportInfo> exports() const;

  // Listens on a Unix socket at `path` (a stale socket file there is replaced) or on TCP
  // (`port` 0 picks a free port; tcp_port() tells which). May be called more than once.
  std::error_code listen_unix(const std::string& path);
  std::error_code listen_tcp(const std::string& address, std::uint16_t port);
  std::uint16_t tcp_port() const noexcept;

  // Requires TLS from every new client, with this PEM certificate (chain) and private key.
  // On failure (unreadable or mismatched files) `why` says what OpenSSL found.
  std::error_code use_tls(const std::string& certificate_file, const std::string& key_file, std::string& why);

  // The NBD URI of an export on the first listener: "nbd+unix:///NAME?socket=PATH" or
  // "nbd://HOST:PORT/NAME" (RFC 3986 percent-encoding of the name; "nbds" with TLS). Empty
  // before listen.
  std::string uri(std::string_view export_name) const;

  // Closes the listeners and every connection, and waits until all requests in flight
  // have completed. The server can not be started again.
  boost::asio::awaitable<void> stop();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace uiscsi::initiator::nbd
