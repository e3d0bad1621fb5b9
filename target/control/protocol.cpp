#include "target/control/protocol.h"

namespace uiscsi::target::control {

boost::json::value make_table(std::span<const Column> columns, boost::json::array items) {
  boost::json::array heads;
  for (const Column& column : columns) {
    heads.push_back(boost::json::object{{"title", column.title}, {"pointer", column.pointer}});
  }
  return boost::json::object{{"columns", std::move(heads)}, {"items", std::move(items)}};
}

boost::json::value make_message(std::string_view message) {
  return boost::json::object{{"message", message}};
}

}  // namespace uiscsi::target::control
