#include <doctest/doctest.h>

#include "labctl/core/error.hpp"
#include "labctl/domains/connectors/linear_mapper.hpp"

using namespace labctl::connectors;
using json = nlohmann::json;

namespace {

// connectors.md §11 fixture.
const json kIssuesPage = json::parse(R"({"data":{"issues":{"nodes":[{"id":"i1","title":"Build hero block",
 "updatedAt":"2026-01-05T08:00:00.000Z","project":{"id":"p1"},"state":{"id":"s1","name":"In Progress","type":"started"},
 "cycle":{"id":"c1","number":12},"labels":{"nodes":[{"id":"l1","name":"frontend"}]},
 "blockedByIssues":{"nodes":[{"id":"i9"}]}}],"pageInfo":{"hasNextPage":true,"endCursor":"cur-2"}}}})");

const json kCatalog = json::parse(R"({"data":{
 "projects":{"nodes":[
   {"id":"p1","name":"Website","state":"started","updatedAt":"2026-01-04T10:00:00Z","lead":{"name":"Lea"}},
   {"id":"p2","name":"  ","createdAt":"2026-01-01T00:00:00+02:00"},
   {"name":"no id"},
   {"id":"p1","name":"duplicate, dropped"}]},
 "workflowStates":{"nodes":[
   {"id":"s1","name":"In Progress","type":"started","position":2.5,"team":{"id":"t1"},"updatedAt":"2026-01-02T00:00:00Z"},
   {"id":"s2","name":"Todo","type":"unstarted","position":"1.49"},
   {"id":"s3","position":null}]},
 "cycles":{"nodes":[
   {"id":"c1","number":12,"startsAt":"2026-01-01T00:00:00.000Z","endsAt":"2026-01-14T00:00:00.000Z",
    "completedAt":null,"progress":0.375,"team":{"id":"t1"},"updatedAt":"2026-01-05T00:00:00Z"},
   {"id":"","number":13}]}}})");

}  // namespace

TEST_CASE("linear: the issue fixture maps every column") {
  auto page = map_linear_issues_page(kIssuesPage, "ws1");
  CHECK(page.has_next_page);
  CHECK(page.end_cursor == "cur-2");
  REQUIRE(page.issues.size() == 1);
  const auto& i = page.issues[0];
  CHECK(i.id == "linissue:ws1:i1");
  CHECK(i.workspace_id == "ws1");
  CHECK(i.external_id == "i1");
  CHECK(i.title == "Build hero block");
  CHECK(i.linear_project_external_id == "p1");
  CHECK(i.state == "In Progress");
  CHECK(i.state_external_id == "s1");
  CHECK(i.state_type == "started");
  CHECK(i.cycle_external_id == "c1");
  CHECK(i.cycle_name == "Cycle 12");
  CHECK(i.labels == std::vector<std::string>{"frontend"});
  CHECK(i.blocked);
  CHECK(i.blocked_by_count == 1);
  CHECK(i.priority == std::nullopt);
  CHECK(i.due_date == std::nullopt);
  CHECK(i.updated_at == "2026-01-05T08:00:00.000Z");
  CHECK(i.data == kIssuesPage["data"]["issues"]["nodes"][0]);
}

TEST_CASE("linear: issue defaults, drops and de-duplication") {
  auto data = json::parse(R"({"issues":{"nodes":[
    {"id":"i2","priority":2,"dueDate":"2026-02-01","completedAt":"2026-01-20T10:00:00+01:00",
     "cycle":{"id":"c2","name":"Sprint A","number":3},"assignee":{"name":"Max"},
     "labels":{"nodes":[{"name":"a"},{"id":"x"},{"name":"b"}]},"blockedByIssues":{"nodes":[]}},
    {"title":"no id"},
    {"id":"i2","title":"duplicate, dropped"},
    {"id":"i3","title":"   ","cycle":{"id":"c3"}}],
    "pageInfo":{"hasNextPage":false,"endCursor":null}}})");
  auto page = map_linear_issues_page(data, "ws1");  // `data` itself, not the whole response
  CHECK_FALSE(page.has_next_page);
  CHECK(page.end_cursor == std::nullopt);
  REQUIRE(page.issues.size() == 2);
  const auto& a = page.issues[0];
  CHECK(a.title == "Issue i2");
  CHECK(a.priority == 2);
  CHECK(a.due_date == "2026-02-01");
  CHECK(a.completed_at == "2026-01-20T09:00:00.000Z");
  CHECK(a.cycle_name == "Sprint A");
  CHECK(a.assignee_name == "Max");
  CHECK(a.labels == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(a.blocked);
  CHECK(a.blocked_by_count == 0);
  CHECK(a.updated_at == std::nullopt);
  CHECK(page.issues[1].title == "Issue i3");
  CHECK(page.issues[1].cycle_name == std::nullopt);  // no name, no number
  CHECK(page.issues[1].state == std::nullopt);

  for (const char* wrong : {R"({})", R"({"data":null})", R"({"data":{"issues":{"nodes":[]}}})"}) {
    CAPTURE(wrong);
    CHECK_THROWS_AS(map_linear_issues_page(json::parse(wrong), "ws1"), labctl::Error);
  }
  CHECK(map_linear_issues_page(json::parse(R"({"data":{"issues":{"nodes":[],"pageInfo":{"hasNextPage":false}}}})"), "ws1")
            .issues.empty());
}

TEST_CASE("linear: catalog projects, states (position rounded) and cycles") {
  auto cat = map_linear_catalog(kCatalog, "ws1");
  REQUIRE(cat.projects.size() == 2);
  CHECK(cat.projects[0].id == "linproj:ws1:p1");
  CHECK(cat.projects[0].name == "Website");
  CHECK(cat.projects[0].state == "started");
  CHECK(cat.projects[0].lead_name == "Lea");
  CHECK(cat.projects[0].updated_at == "2026-01-04T10:00:00.000Z");
  CHECK(cat.projects[1].name == "Project p2");
  CHECK(cat.projects[1].updated_at == "2025-12-31T22:00:00.000Z");  // ← createdAt

  REQUIRE(cat.states.size() == 3);
  CHECK(cat.states[0].id == "linstate:ws1:s1");
  CHECK(cat.states[0].position == 3);  // D3: 2.5 rounded
  CHECK(cat.states[0].team_external_id == "t1");
  CHECK(cat.states[0].type == "started");
  CHECK(cat.states[1].position == 1);
  CHECK(cat.states[2].position == std::nullopt);
  CHECK(cat.states[2].name == "State s3");

  REQUIRE(cat.cycles.size() == 1);
  const auto& c = cat.cycles[0];
  CHECK(c.id == "lincycle:ws1:c1");
  CHECK(c.number == 12);
  CHECK(c.starts_at == "2026-01-01T00:00:00.000Z");
  CHECK(c.ends_at == "2026-01-14T00:00:00.000Z");
  CHECK(c.completed_at == std::nullopt);
  CHECK(c.progress == 0.375);
  CHECK(c.team_external_id == "t1");

  CHECK_THROWS_WITH_AS(map_linear_catalog(json::parse(R"({"data":{"projects":null}})"), "ws1"),
                       "Linear's GraphQL data has no projects.nodes array (not the API's answer)", labctl::Error);
  auto empty = map_linear_catalog(
      json::parse(R"({"data":{"projects":{"nodes":[]},"workflowStates":{"nodes":[]},"cycles":{"nodes":[]}}})"), "ws1");
  CHECK(empty.projects.empty());
  CHECK(empty.states.empty());
  CHECK(empty.cycles.empty());
}

TEST_CASE("linear: rows and specs line up with the tables") {
  auto issue = map_linear_issues_page(kIssuesPage, "ws1").issues.at(0);
  const auto& spec = LinearIssue::spec();
  CHECK(spec.table == "linear_issues_raw");
  auto cells = issue.cells();
  REQUIRE(cells.size() == spec.columns.size());
  auto cell = [&](const std::string& col) {
    for (size_t i = 0; i < spec.columns.size(); ++i)
      if (spec.columns[i] == col) return cells[i];
    FAIL("no column " << col);
    return labctl::db::Cell();
  };
  CHECK(cell("labels") == R"({"frontend"})");
  CHECK(cell("blocked") == "t");
  CHECK(cell("blocked_by_count") == "1");
  CHECK(cell("priority") == std::nullopt);
  CHECK(cell("title") == "Build hero block");

  auto cat = map_linear_catalog(kCatalog, "ws1");
  CHECK(LinearProject::spec().columns.size() == cat.projects[0].cells().size());
  CHECK(LinearState::spec().columns.size() == cat.states[0].cells().size());
  CHECK(LinearCycle::spec().columns.size() == cat.cycles[0].cells().size());
  CHECK(cat.states[0].cells()[6] == "3");
  CHECK(LinearState::spec().columns[6] == "position");
  CHECK(cat.cycles[0].cells()[8] == "0.375");
  for (const auto* s : {&LinearProject::spec(), &LinearState::spec(), &LinearCycle::spec(), &spec}) {
    CHECK(s->conflict_key == std::vector<std::string>{"id"});
    CHECK(s->columns[0] == "id");
  }
}
