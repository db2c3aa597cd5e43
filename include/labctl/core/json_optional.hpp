#pragma once
// An absent value is JSON null: std::optional<T> converts to nlohmann::json as T's value or null
// (nlohmann 3.11 has no std::optional support of its own).
#include <nlohmann/json.hpp>
#include <optional>

namespace nlohmann {

template <typename T>
struct adl_serializer<std::optional<T>> {
  template <typename BasicJson>
  static void to_json(BasicJson& j, const std::optional<T>& value) {
    if (value) j = *value;
    else j = nullptr;
  }
};

}  // namespace nlohmann
