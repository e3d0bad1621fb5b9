// uiscsiadm: iscsiadm's commands against uiscsid (initiator/adm/uiscsiadm.h).
#include <iostream>
#include <span>

#include "initiator/adm/uiscsiadm.h"

int main(int argc, char** argv) {
  return uiscsi::initiator::adm::run_uiscsiadm(std::span<char*>(argv, static_cast<std::size_t>(argc)), UISCSI_VERSION,
                                               std::cout, std::cerr);
}
