#include "iscsi/chap.h"

namespace uiscsi::iscsi {

ChapCredentials ChapCredentials::from_text(std::string name, std::string_view secret) {
  const auto* begin = reinterpret_cast<const std::byte*>(secret.data());
  return {std::move(name), std::vector<std::byte>(begin, begin + secret.size())};
}

std::vector<ChapAlgorithm> default_chap_algorithms() {
  return {ChapAlgorithm::sha3_256, ChapAlgorithm::sha256, ChapAlgorithm::sha1, ChapAlgorithm::md5};
}

}  // namespace uiscsi::iscsi
