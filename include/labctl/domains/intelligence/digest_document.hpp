#pragma once
// A digest as a person reads it, in an e-mail or a chat: Markdown or a standalone HTML page, with
// a heading, a section per block of the summary, its figures, and the evidence it rests on. One
// document for one digest or for several (a portfolio: a part per project). Everything taken
// from the data (project names, ids, summaries) is escaped: a `<script>` or a Markdown control
// character renders as text.
#include <nlohmann/json.hpp>
#include <string>

namespace labctl::intelligence {

// `digests`: stored digests as their JSON (daily or weekly: digest_date or week_start, summary,
// evidence_refs, and project_name where known).
std::string digest_markdown(const nlohmann::json& digests);
std::string digest_html(const nlohmann::json& digests);

// The escapes, for their tests: Markdown's control characters get a backslash, newlines a
// space; HTML's five special characters become entities.
std::string markdown_text(const std::string& s);
std::string html_text(const std::string& s);

}  // namespace labctl::intelligence
