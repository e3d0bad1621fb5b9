// The server side of the NBD fixed newstyle handshake ("option haggling", doc/proto.md
// "Newstyle negotiation") as a state machine without I/O, in the manner of a resumable
// parser: put() takes whatever bytes the client sent, in pieces of any size, consumes what
// belongs to the handshake, and appends the server's replies to `out`. The socket code
// (server.cpp) sends greeting() first, then feeds put() until it reports the end of the
// handshake. The unit tests feed the same byte stream split at every byte.
//
// Bad input is answered as the specification says: an option the server does not know gets
// NBD_REP_ERR_UNSUP, a malformed one NBD_REP_ERR_INVALID, an unknown export
// NBD_REP_ERR_UNKNOWN, option data over 64 KiB is skipped and gets NBD_REP_ERR_TOO_BIG;
// a wrong magic, unknown client flags, or NBD_OPT_EXPORT_NAME of an unknown export (which
// cannot be answered with an error) end the handshake with Status::error.
//
// Depends on nothing but the standard library, so the fuzz build can compile it alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace uiscsi::initiator::nbd {

// What the handshake tells a client about one export.
struct ExportDescription {
  std::string name;
  std::string description;
  std::uint64_t size = 0;
  // NBD_FLAG_* of the export; NBD_FLAG_SEND_DF is added for clients that negotiate
  // structured replies (a READ is always answered in one chunk).
  std::uint16_t flags = 0;
  std::uint32_t minimum_block = 1, preferred_block = 4096, maximum_block = 32u << 20;
};

// The exports a handshake may choose from; "" names the default export.
class ExportCatalog {
 public:
  virtual ~ExportCatalog() = default;
  virtual std::optional<ExportDescription> find(std::string_view name) const = 0;
  virtual std::vector<ExportDescription> list() const = 0;
};

class Handshake {
 public:
  enum class Status {
    need_more,     // every byte consumed; send `out` and feed more
    transmission,  // an export was chosen: send `out`, then the transmission phase begins
                   // with the bytes after `consumed`
    start_tls,     // NBD_OPT_STARTTLS was acknowledged: send `out`, run the TLS handshake,
                   // call tls_started() and go on feeding the decrypted bytes
    closed,        // NBD_OPT_ABORT: send `out` and close
    error,         // the client broke the protocol; close (error() says how)
  };
  struct Result {
    std::size_t consumed = 0;
    Status status = Status::need_more;
  };

  // `tls_available`: the server can run TLS and insists on it (the specification's
  // FORCEDTLS mode: every option but STARTTLS and ABORT gets NBD_REP_ERR_TLS_REQD first).
  explicit Handshake(const ExportCatalog& catalog, bool tls_available = false);

  // NBDMAGIC, IHAVEOPT and the handshake flags (FIXED_NEWSTYLE | NO_ZEROES).
  static std::vector<std::byte> greeting();

  Result put(std::span<const std::byte> in, std::vector<std::byte>& out);
  void tls_started() noexcept { tls_ = true; }

  // After Status::transmission.
  const ExportDescription& chosen() const noexcept { return *chosen_; }
  std::uint16_t transmission_flags() const noexcept;
  bool structured_replies() const noexcept { return structured_; }
  bool base_allocation() const noexcept { return base_allocation_; }
  // After Status::error.
  const std::string& error() const noexcept { return error_; }

 private:
  Status option(std::uint32_t code, std::span<const std::byte> data, std::vector<std::byte>& out);
  Status info_or_go(std::uint32_t code, std::span<const std::byte> data, std::vector<std::byte>& out);
  Status meta_context(std::uint32_t code, std::span<const std::byte> data, std::vector<std::byte>& out);
  Status fail(std::string why);

  enum class Stage { client_flags, option_header, option_data, skipping, done };

  const ExportCatalog& catalog_;
  bool tls_available_;
  bool tls_ = false;
  Stage stage_ = Stage::client_flags;
  std::vector<std::byte> buffer_;  // the field being assembled
  std::uint32_t option_ = 0;
  std::uint32_t option_length_ = 0;
  std::uint64_t skip_left_ = 0;
  bool no_zeroes_ = false;
  bool structured_ = false;
  bool base_allocation_ = false;
  std::string meta_export_;  // the export SET_META_CONTEXT chose contexts for
  std::optional<ExportDescription> chosen_;
  std::string error_;
};

}  // namespace uiscsi::initiator::nbd
