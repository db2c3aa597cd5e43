#pragma once
// Scriptable faults: an ordered list of rules, each saying which requests of which endpoint it
// hits and what happens to them. Text form (also accepted as JSON, see --help):
//   chatwoot.messages:nth=3,count=2,status=503;linear.PullLinearIssues:status=429,retry_after=1
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace labctl::sandbox {

// Every fault target, i.e. every API endpoint the sandbox serves.
const std::vector<std::string>& fault_targets();

class FaultSpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class FaultAction {
  none,
  status,
  malformed,
  close,
  graphql_error,
  duplicate_across_pages,
  mutate_after,
  wrong_count,      // openai.embeddings: one vector fewer than inputs
  wrong_dimension,  // openai.embeddings: one vector one element short
};

struct FaultRule {
  std::string text;    // the rule as written, for messages and the request log
  std::string target;  // a fault_targets() entry or "*"
  std::string match;   // non-empty: only requests whose body contains this text
  int nth = 1;         // first matching request it hits (1-based)
  int count = 1;       // how many consecutive matching requests
  bool every = false;  // hits every matching request
  int delay_ms = 0;    // sleep first, then do the action (or serve normally)
  FaultAction action = FaultAction::none;
  int status = 0;
  std::string retry_after;  // Retry-After header value, verbatim
  int retry_after_date = -1;  // >= 0: Retry-After as an HTTP date this many seconds from now
  std::optional<std::string> body;
  std::string graphql_error;

  int seen = 0;  // matching requests so far
  int hits = 0;

  bool matches(std::string_view request_target, std::string_view body) const {
    return (target == "*" || target == request_target) && (match.empty() || body.find(match) != std::string_view::npos);
  }
};

class FaultScript {
 public:
  // Text or JSON (an array of rule objects, or {"rules":[…]}). Empty = no faults.
  // Throws FaultSpecError naming the bad rule and field.
  static FaultScript parse(std::string_view spec);

  // Counts the request against every rule it matches (target, and body for match= rules) and
  // returns the first rule that fires for it, if any.
  std::optional<FaultRule> next(std::string_view target, std::string_view body);

  const std::vector<FaultRule>& rules() const { return rules_; }
  nlohmann::json to_json() const;

 private:
  std::vector<FaultRule> rules_;
};

}  // namespace labctl::sandbox
