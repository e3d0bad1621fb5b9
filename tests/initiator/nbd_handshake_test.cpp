// The NBD handshake state machine (initiator/nbd/handshake.h) driven with byte streams a
// client would send: every option, every error answer the specification prescribes, and
// the same conversation split at every byte boundary (the replies must not change).
#include <catch2/catch.hpp>
#include <algorithm>
#include <cstring>
#include <string>

#include "initiator/nbd/handshake.h"
#include "initiator/nbd/protocol.h"
#include "initiator/nbd/transmission.h"

namespace uiscsi::initiator::nbd {
namespace {

class Catalog final : public ExportCatalog {
 public:
  Catalog() {
    ExportDescription a;
    a.name = "disk";
    a.description = "the disk";
    a.size = 1u << 20;
    a.flags = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA;
    a.minimum_block = 512;
    a.preferred_block = 4096;
    a.maximum_block = 1u << 20;
    exports_.push_back(a);
    ExportDescription b = a;
    b.name = "other";
    b.description.clear();
    b.flags |= NBD_FLAG_READ_ONLY;
    exports_.push_back(b);
  }
  std::optional<ExportDescription> find(std::string_view name) const override {
    for (const auto& e : exports_)
      if (e.name == name || (name.empty() && e.name == "disk")) return e;
    return std::nullopt;
  }
  std::vector<ExportDescription> list() const override { return exports_; }

 private:
  std::vector<ExportDescription> exports_;
};

using Bytes = std::vector<std::byte>;

void text(Bytes& out, std::string_view s) {
  for (char c : s) out.push_back(static_cast<std::byte>(c));
}

Bytes option(std::uint32_t code, const Bytes& data = {}) {
  Bytes out;
  put64(out, IHAVEOPT);
  put32(out, code);
  put32(out, static_cast<std::uint32_t>(data.size()));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes go_data(std::string_view name, std::vector<std::uint16_t> infos) {
  Bytes d;
  put32(d, static_cast<std::uint32_t>(name.size()));
  text(d, name);
  put16(d, static_cast<std::uint16_t>(infos.size()));
  for (auto i : infos) put16(d, i);
  return d;
}

Bytes meta_data(std::string_view name, std::vector<std::string_view> queries) {
  Bytes d;
  put32(d, static_cast<std::uint32_t>(name.size()));
  text(d, name);
  put32(d, static_cast<std::uint32_t>(queries.size()));
  for (auto q : queries) {
    put32(d, static_cast<std::uint32_t>(q.size()));
    text(d, q);
  }
  return d;
}

Bytes flags(std::uint32_t f) {
  Bytes out;
  put32(out, f);
  return out;
}

Bytes join(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

struct OptionReply {
  std::uint32_t option = 0, type = 0;
  Bytes data;
};

// Splits the server's output into option replies; `rest` gets what follows them.
std::vector<OptionReply> replies(std::span<const std::byte> out) {
  std::vector<OptionReply> r;
  while (out.size() >= 20 && load64(out) == NBD_REP_MAGIC) {
    OptionReply x;
    x.option = load32(out.subspan(8));
    x.type = load32(out.subspan(12));
    const std::uint32_t n = load32(out.subspan(16));
    REQUIRE(out.size() >= 20 + n);
    x.data.assign(out.begin() + 20, out.begin() + 20 + n);
    r.push_back(std::move(x));
    out = out.subspan(20 + n);
  }
  REQUIRE(out.empty());
  return r;
}

struct Run {
  Handshake::Status status = Handshake::Status::need_more;
  std::size_t consumed = 0;
  Bytes out;
};

// Feeds `input` in pieces cut at `cuts` (sorted offsets).
Run feed(Handshake& hs, const Bytes& input, const std::vector<std::size_t>& cuts) {
  Run run;
  std::size_t at = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(input.size());
  for (std::size_t end : ends) {
    while (at < end) {
      const auto r = hs.put(std::span(input).subspan(at, end - at), run.out);
      run.consumed += r.consumed;
      at += r.consumed;
      run.status = r.status;
      if (r.status != Handshake::Status::need_more) return run;
      if (r.consumed == 0) break;
    }
  }
  return run;
}

}  // namespace

TEST_CASE("nbd handshake: greeting is NBDMAGIC, IHAVEOPT and the fixed newstyle flags", "[nbd]") {
  const Bytes g = Handshake::greeting();
  REQUIRE(g.size() == 18);
  CHECK(load64(g) == NBDMAGIC);
  CHECK(load64(std::span(g).subspan(8)) == IHAVEOPT);
  CHECK(load16(std::span(g).subspan(16)) == (NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES));
}

TEST_CASE("nbd handshake: a full negotiation gives the same answer split at every byte", "[nbd]") {
  Catalog catalog;
  // What libnbd sends for nbdinfo: flags, STRUCTURED_REPLY, LIST, LIST/SET_META_CONTEXT,
  // INFO, GO, and the first transmission request right behind GO.
  const Bytes conversation = join({flags(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES),
                                   option(NBD_OPT_STRUCTURED_REPLY), option(NBD_OPT_LIST),
                                   option(NBD_OPT_LIST_META_CONTEXT, meta_data("disk", {})),
                                   option(NBD_OPT_SET_META_CONTEXT, meta_data("disk", {"base:allocation"})),
                                   option(NBD_OPT_INFO, go_data("other", {NBD_INFO_NAME, NBD_INFO_DESCRIPTION})),
                                   option(NBD_OPT_GO, go_data("disk", {NBD_INFO_BLOCK_SIZE, NBD_INFO_DESCRIPTION}))});
  Bytes with_request = conversation;
  Request first;
  first.type = NBD_CMD_READ;
  first.length = 512;
  const Bytes request = encode_request(first);
  with_request.insert(with_request.end(), request.begin(), request.end());

  Handshake whole_hs(catalog);
  const Run whole = feed(whole_hs, with_request, {});
  REQUIRE(whole.status == Handshake::Status::transmission);
  CHECK(whole.consumed == conversation.size());
  CHECK(whole_hs.chosen().name == "disk");
  CHECK(whole_hs.structured_replies());
  CHECK(whole_hs.base_allocation());
  CHECK(whole_hs.transmission_flags() == (NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA |
                                          NBD_FLAG_SEND_DF));

  const auto r = replies(whole.out);
  // STRUCTURED_REPLY ack; LIST: two servers + ack; LIST_META: one context + ack; SET_META:
  // one + ack; INFO: export, name, block size (no description for "other") + ack; GO:
  // export, description, block size + ack.
  REQUIRE(r.size() == 16);
  CHECK(r[0].option == NBD_OPT_STRUCTURED_REPLY);
  CHECK(r[0].type == NBD_REP_ACK);
  CHECK(r[1].type == NBD_REP_SERVER);
  CHECK(load32(r[1].data) == 4);
  CHECK(std::string(reinterpret_cast<const char*>(r[1].data.data()) + 4, r[1].data.size() - 4) == "diskthe disk");
  CHECK(r[3].type == NBD_REP_ACK);
  CHECK(r[4].type == NBD_REP_META_CONTEXT);
  CHECK(load32(r[4].data) == 0);  // LIST: the id is reserved
  CHECK(r[6].type == NBD_REP_META_CONTEXT);
  CHECK(load32(r[6].data) == kBaseAllocationId);
  CHECK(r[8].option == NBD_OPT_INFO);
  CHECK(load16(r[8].data) == NBD_INFO_EXPORT);
  CHECK((load16(std::span(r[8].data).subspan(10)) & NBD_FLAG_READ_ONLY) != 0);
  CHECK(load16(r[9].data) == NBD_INFO_NAME);
  CHECK(load16(r[10].data) == NBD_INFO_BLOCK_SIZE);
  CHECK(r[11].type == NBD_REP_ACK);
  CHECK(r[12].option == NBD_OPT_GO);
  CHECK(load64(std::span(r[12].data).subspan(2)) == (1u << 20));
  CHECK(load16(r[13].data) == NBD_INFO_DESCRIPTION);
  CHECK(load16(r[14].data) == NBD_INFO_BLOCK_SIZE);
  CHECK(load32(std::span(r[14].data).subspan(2)) == 512);
  CHECK(load32(std::span(r[14].data).subspan(6)) == 4096);
  CHECK(load32(std::span(r[14].data).subspan(10)) == (1u << 20));
  CHECK(r[15].type == NBD_REP_ACK);

  // Two pieces cut at every offset, and one byte at a time: the same replies, the same end.
  for (std::size_t cut = 0; cut <= with_request.size(); ++cut) {
    Handshake hs(catalog);
    const Run split = feed(hs, with_request, {cut});
    INFO("cut at " << cut);
    REQUIRE(split.status == Handshake::Status::transmission);
    CHECK(split.consumed == conversation.size());
    CHECK(split.out == whole.out);
    CHECK(hs.base_allocation());
  }
  std::vector<std::size_t> every(with_request.size());
  for (std::size_t i = 0; i < every.size(); ++i) every[i] = i;
  Handshake bytewise_hs(catalog);
  const Run bytewise = feed(bytewise_hs, with_request, every);
  CHECK(bytewise.status == Handshake::Status::transmission);
  CHECK(bytewise.out == whole.out);
}

namespace {

// One option after the client flags; the replies to it.
std::vector<OptionReply> answer(const Bytes& opt, Handshake::Status expected = Handshake::Status::need_more) {
  Catalog catalog;
  Handshake hs(catalog);
  const Run run = feed(hs, join({flags(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES), opt}), {});
  CHECK(run.status == expected);
  return replies(run.out);
}

}  // namespace

TEST_CASE("nbd handshake: bad options get the error replies of the specification", "[nbd]") {
  SECTION("an unknown option: NBD_REP_ERR_UNSUP, and the handshake goes on") {
    const auto r = answer(option(99));
    REQUIRE(r.size() == 1);
    CHECK(r[0].option == 99);
    CHECK(r[0].type == NBD_REP_ERR_UNSUP);
  }
  SECTION("NBD_OPT_GO of an unknown export: NBD_REP_ERR_UNKNOWN") {
    const auto r = answer(option(NBD_OPT_GO, go_data("nope", {})));
    REQUIRE(r.size() == 1);
    CHECK(r[0].type == NBD_REP_ERR_UNKNOWN);
  }
  SECTION("NBD_OPT_GO whose lengths do not add up: NBD_REP_ERR_INVALID") {
    Bytes d = go_data("disk", {NBD_INFO_NAME});
    d.pop_back();
    CHECK(answer(option(NBD_OPT_GO, d)).at(0).type == NBD_REP_ERR_INVALID);
    d = go_data("disk", {});
    d.push_back(std::byte{0});
    CHECK(answer(option(NBD_OPT_INFO, d)).at(0).type == NBD_REP_ERR_INVALID);
  }
  SECTION("NBD_OPT_LIST with data: NBD_REP_ERR_INVALID") {
    CHECK(answer(option(NBD_OPT_LIST, flags(0))).at(0).type == NBD_REP_ERR_INVALID);
  }
  SECTION("metadata contexts before structured replies: NBD_REP_ERR_INVALID") {
    CHECK(answer(option(NBD_OPT_SET_META_CONTEXT, meta_data("disk", {"base:allocation"}))).at(0).type ==
          NBD_REP_ERR_INVALID);
  }
  SECTION("NBD_OPT_STARTTLS on a server without TLS: NBD_REP_ERR_UNSUP") {
    CHECK(answer(option(NBD_OPT_STARTTLS)).at(0).type == NBD_REP_ERR_UNSUP);
  }
  SECTION("option data over 64 KiB is skipped and answered NBD_REP_ERR_TOO_BIG") {
    const Bytes big = option(NBD_OPT_GO, Bytes(100000));
    const auto r = answer(join({big, option(NBD_OPT_ABORT)}), Handshake::Status::closed);
    REQUIRE(r.size() == 2);
    CHECK(r[0].type == NBD_REP_ERR_TOO_BIG);
    CHECK(r[1].option == NBD_OPT_ABORT);
    CHECK(r[1].type == NBD_REP_ACK);
  }
  SECTION("NBD_OPT_ABORT is acknowledged and ends the handshake") {
    const auto r = answer(option(NBD_OPT_ABORT), Handshake::Status::closed);
    REQUIRE(r.size() == 1);
    CHECK(r[0].type == NBD_REP_ACK);
  }
}

TEST_CASE("nbd handshake: what cannot be answered ends the connection", "[nbd]") {
  Catalog catalog;
  SECTION("unknown client flags") {
    Handshake hs(catalog);
    CHECK(feed(hs, flags(1u << 7), {}).status == Handshake::Status::error);
  }
  SECTION("a wrong option magic") {
    Handshake hs(catalog);
    Bytes opt = option(NBD_OPT_LIST);
    opt[0] = std::byte{0};
    CHECK(feed(hs, join({flags(NBD_FLAG_C_FIXED_NEWSTYLE), opt}), {}).status == Handshake::Status::error);
    CHECK_FALSE(hs.error().empty());
  }
  SECTION("NBD_OPT_EXPORT_NAME of an unknown export") {
    Handshake hs(catalog);
    Bytes name;
    text(name, "nope");
    CHECK(feed(hs, join({flags(NBD_FLAG_C_FIXED_NEWSTYLE), option(NBD_OPT_EXPORT_NAME, name)}), {}).status ==
          Handshake::Status::error);
  }
}

TEST_CASE("nbd handshake: NBD_OPT_EXPORT_NAME sends size, flags and 124 zeroes unless NO_ZEROES", "[nbd]") {
  Catalog catalog;
  for (const bool no_zeroes : {false, true}) {
    Handshake hs(catalog);
    const std::uint32_t f = NBD_FLAG_C_FIXED_NEWSTYLE | (no_zeroes ? NBD_FLAG_C_NO_ZEROES : 0);
    const Run run = feed(hs, join({flags(f), option(NBD_OPT_EXPORT_NAME)}), {});
    REQUIRE(run.status == Handshake::Status::transmission);
    CHECK(hs.chosen().name == "disk");  // "" is the default export
    REQUIRE(run.out.size() == (no_zeroes ? 10u : 134u));
    CHECK(load64(run.out) == (1u << 20));
    CHECK(load16(std::span(run.out).subspan(8)) == (NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA));
    CHECK(std::all_of(run.out.begin() + 10, run.out.end(), [](std::byte b) { return b == std::byte{0}; }));
  }
}

TEST_CASE("nbd handshake: metadata contexts chosen for another export do not carry over to GO", "[nbd]") {
  Catalog catalog;
  Handshake hs(catalog);
  const Run run = feed(hs, join({flags(NBD_FLAG_C_FIXED_NEWSTYLE), option(NBD_OPT_STRUCTURED_REPLY),
                                 option(NBD_OPT_SET_META_CONTEXT, meta_data("other", {"base:allocation"})),
                                 option(NBD_OPT_GO, go_data("disk", {}))}),
                       {});
  REQUIRE(run.status == Handshake::Status::transmission);
  CHECK_FALSE(hs.base_allocation());
}

TEST_CASE("nbd handshake: a server that requires TLS answers NBD_REP_ERR_TLS_REQD until STARTTLS", "[nbd]") {
  Catalog catalog;
  Handshake hs(catalog, /*tls_available=*/true);
  const Bytes before = join({flags(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES), option(NBD_OPT_LIST),
                             option(NBD_OPT_GO, go_data("disk", {})), option(NBD_OPT_STARTTLS)});
  Run run = feed(hs, before, {});
  REQUIRE(run.status == Handshake::Status::start_tls);
  CHECK(run.consumed == before.size());
  auto r = replies(run.out);
  REQUIRE(r.size() == 3);
  CHECK(r[0].type == NBD_REP_ERR_TLS_REQD);
  CHECK(r[1].type == NBD_REP_ERR_TLS_REQD);
  CHECK(r[2].option == NBD_OPT_STARTTLS);
  CHECK(r[2].type == NBD_REP_ACK);
  hs.tls_started();
  run = feed(hs, join({option(NBD_OPT_STARTTLS), option(NBD_OPT_GO, go_data("disk", {}))}), {});
  CHECK(run.status == Handshake::Status::transmission);
  r = replies(run.out);
  REQUIRE(r.size() == 4);
  CHECK(r[0].type == NBD_REP_ERR_INVALID);  // TLS is already running
  CHECK(r[1].type == NBD_REP_INFO);

  // NBD_OPT_EXPORT_NAME cannot be refused with an error: before TLS it ends the connection.
  Handshake plain(catalog, true);
  CHECK(feed(plain, join({flags(NBD_FLAG_C_FIXED_NEWSTYLE), option(NBD_OPT_EXPORT_NAME)}), {}).status ==
        Handshake::Status::error);
}

TEST_CASE("nbd transmission: request header round trip and a wrong magic", "[nbd]") {
  Request r;
  r.flags = NBD_CMD_FLAG_FUA;
  r.type = NBD_CMD_WRITE;
  r.handle = 0x0102030405060708ull;
  r.offset = 1ull << 40;
  r.length = 4096;
  Bytes wire = encode_request(r);
  REQUIRE(wire.size() == kRequestSize);
  const auto back = parse_request(wire);
  REQUIRE(back);
  CHECK(back->flags == r.flags);
  CHECK(back->type == r.type);
  CHECK(back->handle == r.handle);
  CHECK(back->offset == r.offset);
  CHECK(back->length == r.length);
  wire[3] = std::byte{0};
  CHECK_FALSE(parse_request(wire));
}

}  // namespace uiscsi::initiator::nbd
