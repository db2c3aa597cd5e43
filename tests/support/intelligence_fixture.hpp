#pragma once
// Two projects and the rows the intelligence operations read (messages, Linear issues, CRM deals,
// signals, job runs), written straight into a fresh database; and the CLI run in P1.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/two_projects.hpp"

namespace labctl::test {

struct IntelligenceFixture : TwoProjects {
  std::map<std::string, std::string> env;
  IntelligenceFixture();

  // A Chatwoot message of conversation cw:1:10, `age` ago (an interval: "2 hours").
  void message(const projects::Project& p, const std::string& id, const std::string& text, const std::string& age,
               bool is_private = false);
  // A Linear issue of P1 due `due_in_days` from today (negative: overdue).
  void issue(const std::string& id, const std::string& linear_project, int due_in_days, bool done = false);
  // A CRM deal of P1 (account "Acme"); its id.
  std::string deal(const std::string& title, const std::string& stage, const std::string& next_step);
  // A signal of `p`; its id.
  std::string signal(const projects::Project& p, const std::string& key, int severity, double confidence,
                     const std::string& status = "proposed");
  // A job_runs row of P1 with this status, started `age` ago.
  void job_run(const std::string& status, const std::string& age);

  // `labctl ARGS --project P1 -o json`, which must succeed.
  nlohmann::json run(std::vector<std::string> args);
  long long count(const std::string& sql);
};

}  // namespace labctl::test
