#pragma once
// Reading a result field that may be NULL.
#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace labctl::db {

inline std::optional<std::string> optional_text(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<std::string>(f.c_str());
}

}  // namespace labctl::db
