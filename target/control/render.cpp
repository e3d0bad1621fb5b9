#include "target/control/render.h"

#include <boost/json/serialize.hpp>
#include <vector>

namespace uiscsi::target::control {
namespace {

struct Cell {
  std::string text;
  bool number = false;
};

Cell cell_of(const boost::json::value* value) {
  if (!value || value->is_null()) return {"-"};
  switch (value->kind()) {
    case boost::json::kind::string: {
      const auto& s = value->as_string();
      return {s.empty() ? std::string("-") : std::string(s)};
    }
    case boost::json::kind::bool_: return {value->as_bool() ? "yes" : "no"};
    case boost::json::kind::int64: return {std::to_string(value->as_int64()), true};
    case boost::json::kind::uint64: return {std::to_string(value->as_uint64()), true};
    default: return {boost::json::serialize(*value)};
  }
}

void pretty(const boost::json::value& value, std::string& out, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  const std::string inner(static_cast<std::size_t>(indent + 1) * 2, ' ');
  if (value.is_object() && !value.as_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, member] : value.as_object()) {
      if (!first) out += ",\n";
      first = false;
      out += inner + boost::json::serialize(boost::json::value(key)) + ": ";
      pretty(member, out, indent + 1);
    }
    out += "\n" + pad + "}";
  } else if (value.is_array() && !value.as_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& element : value.as_array()) {
      if (!first) out += ",\n";
      first = false;
      out += inner;
      pretty(element, out, indent + 1);
    }
    out += "\n" + pad + "]";
  } else {
    out += boost::json::serialize(value);
  }
}

bool is_table(const boost::json::value& result) {
  const auto* object = result.if_object();
  return object && object->contains("columns") && object->at("columns").is_array() &&
         object->contains("items") && object->at("items").is_array();
}

}  // namespace

std::string render_text(const boost::json::value& result) {
  if (const auto* object = result.if_object()) {
    if (const auto* message = object->if_contains("message"); message && message->is_string()) {
      return std::string(message->as_string()) + "\n";
    }
  }
  if (!is_table(result)) return render_json(result);

  const auto& columns = result.at("columns").as_array();
  const auto& items = result.at("items").as_array();
  std::vector<std::string> titles;
  std::vector<std::string> pointers;
  for (const auto& column : columns) {
    const auto* c = column.if_object();
    const auto* title = c ? c->if_contains("title") : nullptr;
    const auto* pointer = c ? c->if_contains("pointer") : nullptr;
    titles.emplace_back(title && title->is_string() ? std::string(title->as_string()) : "?");
    pointers.emplace_back(pointer && pointer->is_string() ? std::string(pointer->as_string()) : "");
  }

  std::vector<std::vector<Cell>> rows;
  std::vector<std::size_t> width;
  std::vector<bool> numeric(titles.size(), true);
  for (const auto& title : titles) width.push_back(title.size());
  for (const auto& item : items) {
    std::vector<Cell> row;
    for (std::size_t c = 0; c < titles.size(); ++c) {
      boost::system::error_code ec;
      const boost::json::value* value = item.find_pointer(pointers[c], ec);
      row.push_back(cell_of(ec ? nullptr : value));
      width[c] = std::max(width[c], row.back().text.size());
      if (!row.back().number && row.back().text != "-") numeric[c] = false;
    }
    rows.push_back(std::move(row));
  }

  std::string out;
  const auto put_row = [&](const std::vector<std::string>& texts) {
    std::string line;
    for (std::size_t c = 0; c < texts.size(); ++c) {
      const std::string fill(width[c] - texts[c].size(), ' ');
      const bool last = c + 1 == texts.size();
      if (numeric[c]) line += fill + texts[c];
      else line += texts[c] + (last ? std::string() : fill);
      if (!last) line += "  ";
    }
    out += line + "\n";
  };
  put_row(titles);
  for (const auto& row : rows) {
    std::vector<std::string> texts;
    for (const Cell& cell : row) texts.push_back(cell.text);
    put_row(texts);
  }
  if (rows.empty()) out += "(none)\n";
  return out;
}

std::string render_json(const boost::json::value& result) {
  std::string out;
  pretty(is_table(result) ? result.at("items") : result, out, 0);
  return out + "\n";
}

}  // namespace uiscsi::target::control
