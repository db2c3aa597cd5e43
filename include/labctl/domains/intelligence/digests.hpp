#pragma once
// Daily and weekly digests (scheduler-and-intelligence.md §2.5–2.6): one row per project and
// date (or week, named by its Monday), regenerated in place; the summary is the stored document
// the UI and the renderings read, and every figure in it lists the rows it counted.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace labctl::intelligence {

enum class DigestKind { daily, weekly };

struct Digest {
  DigestKind kind;
  std::string id, project_id;
  std::string period;             // digest_date, or week_start (a Monday): YYYY-MM-DD
  nlohmann::json summary;         // the stored document
  nlohmann::json evidence_refs;   // plain id strings
  std::string created_at;
};

void to_json(nlohmann::json& j, const Digest& d);

// `date`: the day it names (YYYY-MM-DD, not in the future); the figures are the current ones.
Digest generate_daily_digest(pqxx::transaction_base& tx, const std::string& project_id, const std::string& account_scope_id,
                             const std::string& date);
// `date`: any day of the week it names; the row is keyed by that week's Monday.
Digest generate_weekly_digest(pqxx::transaction_base& tx, const std::string& project_id,
                              const std::string& account_scope_id, const std::string& date);

// Newest first; with `date`, only the digest of that day (daily) or of that day's week (weekly).
std::vector<Digest> list_digests(pqxx::transaction_base& tx, DigestKind kind, const std::string& project_id,
                                 const std::string& account_scope_id, const std::optional<std::string>& date,
                                 long long limit);

}  // namespace labctl::intelligence
