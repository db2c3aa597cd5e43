// The digest documents (Markdown, HTML): structure and escaping of hostile text.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "labctl/domains/intelligence/digest_document.hpp"

using namespace labctl::intelligence;
using json = nlohmann::json;

TEST_CASE("digest documents: a section per block, and hostile text rendered inert") {
  json digests = json::array({{{"project_name", "<script>alert(1)</script> *Acme*"},
                               {"digest_date", "2026-02-11"},
                               {"summary", {{"generated_at", "2026-02-11T08:00:00.000Z"},
                                            {"highlights", {{"proposed_signals", 2}, {"overdue_issues", 1}}},
                                            {"top_nba", json::array({{{"summary", "Call [them](http://x) `now`"},
                                                                      {"action_type", "triage_signal"},
                                                                      {"priority", 3},
                                                                      {"status", "proposed"}}})}}},
                               {"evidence_refs", json::array({"cwmsg:1:2"})}}});
  std::string md = digest_markdown(digests);
  CHECK(md.find("# Daily digest: \\<script\\>alert(1)\\</script\\> \\*Acme\\*, 2026-02-11\n") == 0);
  CHECK(md.find("## Highlights\n") != std::string::npos);
  CHECK(md.find("| Proposed signals | 2 |") != std::string::npos);
  CHECK(md.find("1. Call \\[them\\](http://x) \\`now\\` (triage\\_signal, priority 3, proposed)") != std::string::npos);
  CHECK(md.find("## Evidence\n\n- cwmsg:1:2\n") != std::string::npos);
  CHECK(md.find("<script>") == std::string::npos);

  std::string html = digest_html(digests);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<h1>Daily digest: &lt;script&gt;alert(1)&lt;/script&gt; *Acme*, 2026-02-11</h1>") != std::string::npos);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("<ol>\n<li>Call [them](http://x) `now` (triage_signal, priority 3, proposed)</li>\n</ol>") !=
        std::string::npos);
  CHECK(html_text("a&b\"'") == "a&amp;b&quot;&#39;");
  CHECK(markdown_text("line\nbreak") == "line break");
  CHECK(digest_markdown(json::array()).find("No digest has been generated yet.") != std::string::npos);
}
