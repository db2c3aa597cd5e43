#include "labctl/db/rows.hpp"

#include <cstring>

#include "labctl/core/utf8.hpp"

namespace labctl::db {

void append_array_element(std::string& out, const Cell& cell) {
  if (!cell) {
    out += "NULL";
    return;
  }
  const std::string* value = &*cell;
  std::string cleaned;
  if (std::memchr(value->data(), '\0', value->size()) || !valid_utf8(*value)) {
    cleaned = storable_text(*value);
    value = &cleaned;
  }
  out += '"';
  for (char c : *value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out += '"';
}

std::string pg_text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    append_array_element(out, items[i]);
  }
  return out + "}";
}

std::string pg_bigint_array(const std::vector<std::int64_t>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(items[i]);
  }
  return out + "}";
}

}  // namespace labctl::db
