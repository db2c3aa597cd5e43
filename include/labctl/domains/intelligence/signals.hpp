#pragma once
// Signals and next best actions (scheduler-and-intelligence.md §3): extracted from a project's
// recent messages, its overdue Linear issues and its CRM deals without a next step, upserted by
// dedupe key (a re-extraction never lowers severity or confidence and keeps the status a person
// gave), each with its next best action; listed, and moved between statuses.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace labctl::intelligence {

struct Signal {
  std::string id, signal_type;
  int severity;
  double confidence;
  std::string summary, status, source_kind, dedupe_key;
  nlohmann::json evidence_refs;  // plain id strings
  std::optional<std::string> account_id, opportunity_id;
  std::string created_at;
};

struct NextBestAction {
  std::string id;
  std::optional<std::string> signal_id;
  std::string action_type;
  int priority;
  std::string status, summary;
  nlohmann::json evidence_refs;
  std::optional<std::string> due_date, owner_username, dedupe_key;
  std::string created_at, updated_at;
};

void to_json(nlohmann::json& j, const Signal& s);
void to_json(nlohmann::json& j, const NextBestAction& a);

struct Extraction {
  long long generated_candidates = 0;  // before same-key candidates are merged
  long long touched_signals = 0;
  long long touched_nba = 0;
};
void to_json(nlohmann::json& j, const Extraction& e);

// One pass over the scope's sources; five statements whatever the volume.
Extraction extract_signals(pqxx::transaction_base& tx, const std::string& project_id, const std::string& account_scope_id);

struct SignalFilter {
  std::optional<std::string> status;
  int severity_min = 1;
  long long limit = 100;
};
// By severity, confidence, then newest.
std::vector<Signal> list_signals(pqxx::transaction_base& tx, const std::string& project_id,
                                 const std::string& account_scope_id, const SignalFilter& filter);

struct ActionFilter {
  std::optional<std::string> status;
  long long limit = 100;
};
// By priority, then most recently updated.
std::vector<NextBestAction> list_actions(pqxx::transaction_base& tx, const std::string& project_id,
                                         const std::string& account_scope_id, const ActionFilter& filter);
// "Top NBA": proposed and accepted ones, in that order, then by priority and recency.
std::vector<NextBestAction> top_actions(pqxx::transaction_base& tx, const std::string& project_id,
                                        const std::string& account_scope_id, long long limit);

// The row with its new status; a missing or another scope's id is 404 signal_not_found / nba_not_found.
Signal set_signal_status(pqxx::transaction_base& tx, const std::string& project_id, const std::string& account_scope_id,
                         const std::string& id, const std::string& status);
NextBestAction set_action_status(pqxx::transaction_base& tx, const std::string& project_id,
                                 const std::string& account_scope_id, const std::string& id, const std::string& status);

inline const std::vector<std::string> kSignalStatuses = {"proposed", "accepted", "dismissed", "done"};
inline const std::vector<std::string> kActionStatuses = {"proposed", "accepted", "dismissed", "done", "cancelled"};

}  // namespace labctl::intelligence
