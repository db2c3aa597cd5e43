#include "labctl/cli/render.hpp"

#include <algorithm>

#include "labctl/core/utf8.hpp"

namespace labctl::cli {
namespace {

using json = nlohmann::json;

std::string cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_string(); })) {
    std::string out;
    for (const auto& e : v) out += (out.empty() ? "" : ", ") + e.get<std::string>();
    return out;
  }
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The rows to print: the `rows` field (array, or one object) or the whole result as key/value pairs.
json rows_of(const ops::Operation& op, const json& result, std::vector<std::string>& columns) {
  std::string pointer = "/" + op.rows;
  std::replace(pointer.begin(), pointer.end(), '.', '/');
  if (!op.rows.empty() && result.contains(json::json_pointer(pointer))) {
    json rows = result.at(json::json_pointer(pointer));
    if (rows.is_object()) rows = json::array({rows});
    columns = op.columns;
    if (columns.empty() && !rows.empty())
      for (const auto& [k, _] : rows[0].items()) columns.push_back(k);
    return rows;
  }
  columns = {"key", "value"};
  json rows = json::array();
  for (const auto& [k, v] : result.items()) rows.push_back({{"key", k}, {"value", v}});
  return rows;
}

void table(const std::vector<std::string>& columns, const json& rows, std::ostream& out) {
  std::vector<size_t> width;
  for (const auto& c : columns) width.push_back(utf8_length(c));
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    std::vector<std::string> line;
    for (size_t i = 0; i < columns.size(); ++i) {
      // Synced text is hostile: no control character reaches the terminal.
      std::string v = printable(r.contains(columns[i]) ? cell(r.at(columns[i])) : "");
      width[i] = std::max(width[i], utf8_length(v));
      line.push_back(std::move(v));
    }
    cells.push_back(std::move(line));
  }
  auto print = [&](const std::vector<std::string>& line, bool upper) {
    for (size_t i = 0; i < line.size(); ++i) {
      std::string v = upper ? ascii_upper(line[i]) : line[i];
      out << v;
      if (i + 1 < line.size()) out << std::string(width[i] - utf8_length(v) + 2, ' ');
    }
    out << '\n';
  };
  print(columns, true);
  for (const auto& line : cells) print(line, false);
}

// The result with every string (keys too) made safe for a terminal.
json printable_strings(const json& v) {
  if (v.is_string()) return printable(v.get_ref<const std::string&>());
  if (v.is_array()) {
    json out = json::array();
    for (const auto& e : v) out.push_back(printable_strings(e));
    return out;
  }
  if (v.is_object()) {
    json out = json::object();
    for (const auto& [k, e] : v.items()) out[printable(k)] = printable_strings(e);
    return out;
  }
  return v;
}

}  // namespace

std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

void render(const ops::Operation& op, const json& result, const std::string& format, std::ostream& out,
            bool color) {
  if (!op.text.empty() && result.contains(op.text)) {
    out << result.at(op.text).get<std::string>();
    return;
  }
  auto dump = [](const json& j, int indent) { return j.dump(indent, ' ', false, json::error_handler_t::replace); };
  if (auto document = op.documents.find(format); document != op.documents.end()) {
    out << document->second(result);
    return;
  }
  if (format == "json") {
    out << dump(result, 2) << '\n';
    return;
  }
  std::vector<std::string> columns;
  json rows = rows_of(op, result, columns);
  if (format == "ndjson") {
    if (op.rows.empty()) {
      out << dump(result, -1) << '\n';
      return;
    }
    for (const auto& r : rows) out << dump(r, -1) << '\n';
  } else if (format == "csv") {
    for (size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << csv_field(columns[i]);
    out << "\r\n";
    for (const auto& r : rows) {
      for (size_t i = 0; i < columns.size(); ++i)
        out << (i ? "," : "") << csv_field(r.contains(columns[i]) ? cell(r.at(columns[i])) : "");
      out << "\r\n";
    }
  } else if (op.human) {
    op.human(printable_strings(result), out, color);  // synced text is hostile: see printable()
  } else {
    table(columns, rows, out);
  }
}

}  // namespace labctl::cli
