#include "labctl/domains/intelligence/digest_document.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>
#include <vector>

namespace labctl::intelligence {
namespace {

using nlohmann::json;

// The document's blocks, built once and written as Markdown or HTML.
struct Block {
  enum Kind { heading1, heading2, paragraph, figures, ordered, bullets } kind;
  std::string text;                                       // headings, paragraphs
  std::vector<std::pair<std::string, std::string>> rows;  // figures: label, value
  std::vector<std::string> items;                         // lists
};

std::string text_of(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "–";
  if (v.is_number_float()) {
    std::ostringstream out;
    double d = v.get<double>();
    if (d == std::floor(d) && std::fabs(d) < 1e15) out << static_cast<long long>(d);
    else out << std::fixed << std::setprecision(2) << d;
    return out.str();
  }
  return v.dump();
}

std::string field(const json& o, const char* key) { return o.is_object() && o.contains(key) ? text_of(o[key]) : "–"; }

void actions(std::vector<Block>& out, const json& top) {
  out.push_back({Block::heading2, "Next best actions"});
  if (!top.is_array() || top.empty()) return out.push_back({Block::paragraph, "No open actions."});
  Block list{Block::ordered};
  for (const auto& a : top)
    list.items.push_back(field(a, "summary") + " (" + field(a, "action_type") + ", priority " + field(a, "priority") +
                         ", " + field(a, "status") + ")");
  out.push_back(list);
}

void evidence(std::vector<Block>& out, const json& refs) {
  out.push_back({Block::heading2, "Evidence"});
  if (!refs.is_array() || refs.empty()) return out.push_back({Block::paragraph, "No evidence."});
  Block list{Block::bullets};
  for (const auto& r : refs) list.items.push_back(text_of(r));
  out.push_back(list);
}

void daily(std::vector<Block>& out, const json& d, const std::string& project) {
  const json& s = d.value("summary", json::object());
  out.push_back({Block::heading1, "Daily digest: " + project + ", " + field(d, "digest_date")});
  out.push_back({Block::paragraph, "Generated " + field(s, "generated_at")});
  if (s.value("is_empty", false))
    out.push_back({Block::paragraph, "Nothing to report: no open signals, overdue issues or pending outbound messages."});
  const json& h = s.value("highlights", json::object());
  out.push_back({Block::heading2, "Highlights"});
  out.push_back({Block::figures, "", {{"Proposed signals", field(h, "proposed_signals")},
                                      {"Overdue issues", field(h, "overdue_issues")},
                                      {"Outbound drafts", field(h, "outbound_draft")},
                                      {"Outbound approved", field(h, "outbound_approved")},
                                      {"Outbound failed", field(h, "outbound_failed")}}});
  actions(out, s.value("top_nba", json::array()));
  evidence(out, d.value("evidence_refs", json::array()));
}

void weekly(std::vector<Block>& out, const json& d, const std::string& project) {
  const json& s = d.value("summary", json::object());
  out.push_back({Block::heading1, "Weekly digest: " + project + ", week of " + field(d, "week_start")});
  out.push_back({Block::paragraph, "Generated " + field(s, "generated_at")});
  const json& p = s.value("portfolio", json::object());
  out.push_back({Block::heading2, "Portfolio"});
  Block figures{Block::figures, "", {{"Open deals", field(p, "open_pipeline")}}};
  const json& revenue = p.value("revenue", json::array());
  if (revenue.is_array() && !revenue.empty())
    figures.rows.insert(figures.rows.end(), {{"Pipeline", field(revenue[0], "pipeline_amount")},
                                             {"Expected revenue", field(revenue[0], "expected_revenue")}});
  const json& delivery = p.value("delivery", json());
  if (delivery.is_object())
    figures.rows.insert(figures.rows.end(), {{"Open issues", field(delivery, "open_issues")},
                                             {"Overdue issues", field(delivery, "overdue_issues")},
                                             {"Completed issues", field(delivery, "completed_issues")}});
  const json& comms = p.value("comms", json());
  if (comms.is_object())
    figures.rows.insert(figures.rows.end(), {{"Messages", field(comms, "inbound_messages")},
                                             {"Average response (minutes)", field(comms, "avg_response_minutes")}});
  out.push_back(figures);
  const json& r = s.value("risk", json::object());
  out.push_back({Block::heading2, "Risk"});
  const json& health = r.value("health", json());
  out.push_back({Block::paragraph, health.is_object() ? "Health score " + field(health, "score") : "No health score yet."});
  Block risks{Block::bullets};
  for (const auto& item : r.value("top_risks", json::array()))
    risks.items.push_back(field(item, "title") + " (severity " + field(item, "severity") + ", " + field(item, "status") + ")");
  for (const auto& item : r.value("patterns", json::array()))
    risks.items.push_back(field(item, "title") + " (weight " + field(item, "weight") + ", " + field(item, "status") + ")");
  if (!risks.items.empty()) out.push_back(risks);
  actions(out, s.value("growth", json::object()).value("top_nba", json::array()));
  evidence(out, d.value("evidence_refs", json::array()));
}

std::vector<Block> blocks(const json& digests) {
  std::vector<Block> out;
  if (!digests.is_array() || digests.empty()) {
    out.push_back({Block::heading1, "Digest"});
    out.push_back({Block::paragraph, "No digest has been generated yet."});
    return out;
  }
  for (const auto& d : digests) {
    std::string project = d.contains("project_name") ? text_of(d["project_name"]) : field(d, "project_id");
    if (d.value("status", "") == "failed") {
      out.push_back({Block::heading1, "Digest: " + project});
      out.push_back({Block::paragraph, "Failed: " + field(d, "error")});
    } else if (d.contains("week_start")) {
      weekly(out, d, project);
    } else {
      daily(out, d, project);
    }
  }
  return out;
}

}  // namespace

std::string markdown_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_[]<>#|!&~").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string html_text(const std::string& s) {
  std::string out;
  for (char c : s) switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  return out;
}

std::string digest_markdown(const json& digests) {
  std::ostringstream out;
  bool first = true;
  for (const auto& b : blocks(digests)) {
    if (!first) out << '\n';
    first = false;
    switch (b.kind) {
      case Block::heading1: out << "# " << markdown_text(b.text) << '\n'; break;
      case Block::heading2: out << "## " << markdown_text(b.text) << '\n'; break;
      case Block::paragraph: out << markdown_text(b.text) << '\n'; break;
      case Block::figures:
        out << "| Figure | Value |\n|---|---:|\n";
        for (const auto& [label, value] : b.rows) out << "| " << markdown_text(label) << " | " << markdown_text(value) << " |\n";
        break;
      case Block::ordered:
        for (size_t i = 0; i < b.items.size(); ++i) out << i + 1 << ". " << markdown_text(b.items[i]) << '\n';
        break;
      case Block::bullets:
        for (const auto& item : b.items) out << "- " << markdown_text(item) << '\n';
        break;
    }
  }
  return out.str();
}

std::string digest_html(const json& digests) {
  auto parts = blocks(digests);
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
      << html_text(parts.front().text) << "</title>\n</head>\n<body>\n";
  for (const auto& b : parts) switch (b.kind) {
      case Block::heading1: out << "<h1>" << html_text(b.text) << "</h1>\n"; break;
      case Block::heading2: out << "<h2>" << html_text(b.text) << "</h2>\n"; break;
      case Block::paragraph: out << "<p>" << html_text(b.text) << "</p>\n"; break;
      case Block::figures:
        out << "<table>\n<tr><th>Figure</th><th>Value</th></tr>\n";
        for (const auto& [label, value] : b.rows)
          out << "<tr><td>" << html_text(label) << "</td><td>" << html_text(value) << "</td></tr>\n";
        out << "</table>\n";
        break;
      case Block::ordered:
      case Block::bullets: {
        const char* tag = b.kind == Block::ordered ? "ol" : "ul";
        out << '<' << tag << ">\n";
        for (const auto& item : b.items) out << "<li>" << html_text(item) << "</li>\n";
        out << "</" << tag << ">\n";
        break;
      }
    }
  out << "</body>\n</html>\n";
  return out.str();
}

}  // namespace labctl::intelligence
