#include "labctl/db/rows.hpp"

#include <cstring>

#include "labctl/core/utf8.hpp"

namespace labctl::db {
namespace {

void strip_nul(nlohmann::json& v) {
  if (v.is_string()) {
    std::erase(v.get_ref<std::string&>(), '\0');
  } else if (v.is_array()) {
    for (auto& e : v) strip_nul(e);
  } else if (v.is_object()) {
    nlohmann::json clean = nlohmann::json::object();
    for (auto& [k, e] : v.items()) {
      std::string key = k;
      std::erase(key, '\0');
      strip_nul(e);
      clean[key] = std::move(e);
    }
    v = std::move(clean);
  }
}

std::string compact(const nlohmann::json& v) { return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

std::string jsonb_text(const nlohmann::json& value) {
  std::string out = compact(value);
  if (out.find("\\u0000") == std::string::npos) return out;
  nlohmann::json clean = value;
  strip_nul(clean);
  return compact(clean);
}

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
