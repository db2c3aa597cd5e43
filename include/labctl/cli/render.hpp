#pragma once
// Writes an operation's result to stdout as table, json, ndjson or csv.
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "labctl/ops/operation.hpp"

namespace labctl::cli {

// `color`: the table format may use ANSI colours (stdout is a terminal).
void render(const ops::Operation& op, const nlohmann::json& result, const std::string& format,
            std::ostream& out, bool color = false);

// RFC 4180 field quoting.
std::string csv_field(const std::string& value);

}  // namespace labctl::cli
