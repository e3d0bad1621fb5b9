#include "initiator/daemon/initiator_name.h"

#include <fstream>
#include <iomanip>
#include <random>
#include <sstream>

namespace uiscsi::initiator::daemon {

std::optional<std::string> parse_initiator_name_file(std::string_view text) {
  constexpr std::string_view kKey = "InitiatorName=";
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.starts_with(kKey) && line.size() > kKey.size()) return std::string(line.substr(kKey.size()));
  }
  return std::nullopt;
}

std::optional<std::string> load_or_create_initiator_name(const std::filesystem::path& db, std::string& error) {
  const auto file = db / "initiatorname.iscsi";
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    auto name = parse_initiator_name_file(text.str());
    if (!name) error = file.string() + " has no InitiatorName= line";
    return name;
  }
  std::random_device random;
  std::ostringstream name;
  name << "iqn.2026-11.org.uiscsi:" << std::hex;
  for (int i = 0; i < 3; ++i) name << std::setw(4) << std::setfill('0') << (random() & 0xffffu);
  std::filesystem::create_directories(db, ec);
  std::ofstream out(file);
  out << "## Written by uiscsid on its first start; targets' ACLs name this initiator.\n"
      << "InitiatorName=" << name.str() << "\n";
  if (!out.flush()) {
    error = "cannot write " + file.string();
    return std::nullopt;
  }
  return name.str();
}

}  // namespace uiscsi::initiator::daemon
