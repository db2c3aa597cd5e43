#include "fault_script.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace labctl::sandbox {
namespace {

using json = nlohmann::json;

struct Field {
  std::string key;
  std::optional<std::string> value;
};

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Splits on `sep` outside double quotes.
std::vector<std::string> split_unquoted(std::string_view s, char sep) {
  std::vector<std::string> parts(1);
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && quoted && i + 1 < s.size()) {
      parts.back() += c;
      parts.back() += s[++i];
    } else if (c == '"') {
      quoted = !quoted;
      parts.back() += c;
    } else if (c == sep && !quoted) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

std::string unquote(const std::string& v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return v;
  std::string out;
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 2 < v.size()) ++i;
    out += v[i];
  }
  return out;
}

class RuleBuilder {
 public:
  RuleBuilder(size_t number, std::string text) : number_(number) { rule_.text = std::move(text); }

  [[noreturn]] void fail(const std::string& why) const {
    throw FaultSpecError("fault rule " + std::to_string(number_) + " (\"" + rule_.text + "\"): " + why);
  }

  void target(const std::string& t) {
    const auto& known = fault_targets();
    if (t != "*" && std::find(known.begin(), known.end(), t) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      fail("unknown target \"" + t + "\" (expected *, " + list + ")");
    }
    rule_.target = t;
  }

  void field(const Field& f) {
    const std::string& k = f.key;
    auto value = [&]() -> const std::string& {
      if (!f.value) fail(k + " needs a value (" + k + "=…)");
      return *f.value;
    };
    auto flag = [&] {
      if (f.value && *f.value != "true" && *f.value != "1") fail(k + " takes no value");
    };
    auto number = [&](int lo, int hi) {
      const std::string& v = value();
      int n = 0;
      auto r = std::from_chars(v.data(), v.data() + v.size(), n);
      if (r.ec != std::errc() || r.ptr != v.data() + v.size() || n < lo || n > hi)
        fail(k + "=" + v + " is not an integer in [" + std::to_string(lo) + ".." + std::to_string(hi) + "]");
      return n;
    };
    if (!seen_.insert(k).second) fail(k + " is given twice");
    if (k == "nth") {
      rule_.nth = number(1, 1'000'000);
    } else if (k == "count") {
      rule_.count = number(1, 1'000'000);
    } else if (k == "every") {
      flag();
      rule_.every = true;
    } else if (k == "match") {
      rule_.match = value();
      if (rule_.match.empty()) fail("match needs a non-empty text");
    } else if (k == "delay_ms") {
      rule_.delay_ms = number(0, 600'000);
    } else if (k == "status") {
      action(FaultAction::status);
      rule_.status = number(100, 599);
    } else if (k == "retry_after") {
      rule_.retry_after = value();
    } else if (k == "retry_after_date") {
      rule_.retry_after_date = number(0, 86'400);
    } else if (k == "body") {
      rule_.body = value();
    } else if (k == "malformed") {
      flag();
      action(FaultAction::malformed);
    } else if (k == "close") {
      flag();
      action(FaultAction::close);
    } else if (k == "graphql_error") {
      action(FaultAction::graphql_error);
      rule_.graphql_error = value();
    } else if (k == "duplicate_across_pages") {
      flag();
      action(FaultAction::duplicate_across_pages);
    } else if (k == "mutate_after") {
      flag();
      action(FaultAction::mutate_after);
    } else if (k == "wrong_count") {
      flag();
      action(FaultAction::wrong_count);
    } else if (k == "wrong_dimension") {
      flag();
      action(FaultAction::wrong_dimension);
    } else {
      fail("unknown field \"" + k +
           "\" (expected nth, count, every, match, delay_ms, status, retry_after, retry_after_date, body, malformed, close, "
           "graphql_error, duplicate_across_pages, mutate_after, wrong_count, wrong_dimension)");
    }
  }

  FaultRule finish() {
    if (rule_.target.empty()) fail("missing target");
    if (rule_.every && (seen_.count("nth") || seen_.count("count"))) fail("every cannot be combined with nth or count");
    if (rule_.action == FaultAction::none && rule_.delay_ms == 0)
      fail("no action (status=, delay_ms=, malformed, close, graphql_error=, duplicate_across_pages, mutate_after, "
           "wrong_count, wrong_dimension)");
    if ((!rule_.retry_after.empty() || rule_.retry_after_date >= 0 || rule_.body) && rule_.action != FaultAction::status)
      fail("retry_after, retry_after_date and body need status=");
    if (!rule_.retry_after.empty() && rule_.retry_after_date >= 0) fail("give retry_after or retry_after_date, not both");
    const std::string& t = rule_.target;
    if (rule_.action == FaultAction::graphql_error && t != "*" && t.rfind("linear.", 0) != 0)
      fail("graphql_error applies to linear.* targets only");
    if ((rule_.action == FaultAction::duplicate_across_pages || rule_.action == FaultAction::mutate_after) &&
        (t == "chatwoot.inboxes" || t == "linear.PullLinear" || t == "openai.embeddings"))
      fail(t + " is not paged, so duplicate_across_pages and mutate_after do not apply");
    if ((rule_.action == FaultAction::wrong_count || rule_.action == FaultAction::wrong_dimension) && t != "*" &&
        t != "openai.embeddings")
      fail("wrong_count and wrong_dimension apply to openai.embeddings only");
    return rule_;
  }

 private:
  void action(FaultAction a) {
    if (rule_.action != FaultAction::none) fail("more than one action");
    rule_.action = a;
  }

  size_t number_;
  FaultRule rule_;
  std::set<std::string> seen_;
};

FaultRule parse_text_rule(size_t number, const std::string& text) {
  RuleBuilder b(number, text);
  auto colon = text.find(':');
  b.target(trim(text.substr(0, colon)));
  if (colon == std::string::npos) b.finish();  // reports the missing action
  for (const auto& part : split_unquoted(std::string_view(text).substr(colon + 1), ',')) {
    std::string field = trim(part);
    if (field.empty()) b.fail("empty field");
    auto eq = field.find('=');
    if (eq == std::string::npos)
      b.field({field, std::nullopt});
    else
      b.field({trim(field.substr(0, eq)), unquote(trim(field.substr(eq + 1)))});
  }
  return b.finish();
}

FaultRule parse_json_rule(size_t number, const json& j) {
  RuleBuilder b(number, j.dump());
  if (!j.is_object()) b.fail("a rule must be a JSON object");
  if (!j.contains("target") || !j["target"].is_string()) b.fail("missing \"target\"");
  b.target(j["target"].get<std::string>());
  for (const auto& [k, v] : j.items()) {
    if (k == "target") continue;
    if (v.is_boolean()) {
      if (v.get<bool>()) b.field({k, std::nullopt});
    } else if (v.is_string()) {
      b.field({k, v.get<std::string>()});
    } else if (v.is_number_integer()) {
      b.field({k, std::to_string(v.get<int64_t>())});
    } else {
      b.fail(k + " must be a string, an integer or true");
    }
  }
  return b.finish();
}

}  // namespace

const std::vector<std::string>& fault_targets() {
  static const std::vector<std::string> targets = {
      "chatwoot.conversations", "chatwoot.messages", "chatwoot.inboxes", "linear.PullLinear",
      "linear.PullLinearIssues", "attio.companies",  "attio.deals",      "attio.people",
      "attio.activities",       "openai.embeddings"};
  return targets;
}

FaultScript FaultScript::parse(std::string_view spec) {
  FaultScript script;
  std::string text = trim(spec);
  if (text.empty()) return script;
  if (text.front() == '[' || text.front() == '{') {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) throw FaultSpecError("fault script is not valid JSON");
    if (j.is_object()) j = j.value("rules", json::array());
    if (!j.is_array()) throw FaultSpecError("fault script JSON must be an array of rules or {\"rules\":[…]}");
    for (size_t i = 0; i < j.size(); ++i) script.rules_.push_back(parse_json_rule(i + 1, j[i]));
    return script;
  }
  auto parts = split_unquoted(text, ';');
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string rule = trim(parts[i]);
    if (rule.empty()) {
      if (i + 1 == parts.size()) continue;  // a trailing ';'
      throw FaultSpecError("fault rule " + std::to_string(i + 1) + " is empty");
    }
    script.rules_.push_back(parse_text_rule(i + 1, rule));
  }
  return script;
}

std::optional<FaultRule> FaultScript::next(std::string_view target, std::string_view body) {
  std::optional<FaultRule> fired;
  for (auto& r : rules_) {
    if (!r.matches(target, body)) continue;
    int n = ++r.seen;
    bool hit = r.every || (n >= r.nth && n < r.nth + r.count);
    if (hit && !fired) {
      ++r.hits;
      fired = r;
    }
  }
  return fired;
}

json FaultScript::to_json() const {
  json out = json::array();
  for (const auto& r : rules_)
    out.push_back({{"rule", r.text}, {"target", r.target}, {"seen", r.seen}, {"hits", r.hits}});
  return out;
}

}  // namespace labctl::sandbox
