#include "labctl/domains/connectors/sync_results.hpp"

namespace labctl::connectors {
namespace {

using json = nlohmann::json;

json optional_text(const std::optional<std::string>& s) { return s ? json(*s) : json(); }

void put_summary(json& j, const PullSummary& s) {
  j["source"] = s.source;
  j["full"] = s.full;
  j["since"] = optional_text(s.since);
  j["pages"] = s.pages;
  j["requests"] = s.requests;
  j["refused_records"] = s.refused_records;
  j["cursor_ts"] = optional_text(s.cursor.ts);
  j["cursor_id"] = optional_text(s.cursor.id);
}

}  // namespace

long long changed_rows(const PullResult& result) {
  struct {
    long long operator()(const ChatwootPullResult& r) const {
      return r.touched_conversations + r.touched_messages + r.touched_contacts + r.touched_inboxes +
             r.touched_attachments + r.inserted_chunks + r.reembedded_chunks + r.deleted_chunks;
    }
    long long operator()(const LinearPullResult& r) const {
      return r.touched_projects + r.touched_states + r.touched_cycles + r.touched_issues;
    }
    long long operator()(const AttioPullResult& r) const {
      return r.touched_accounts + r.touched_opportunities + r.touched_people + r.touched_activities +
             r.mirrored_crm_accounts + r.mirrored_crm_opportunities;
    }
  } changed;
  return std::visit(changed, result);
}

long long processed_records(const PullResult& result) {
  struct {
    long long operator()(const ChatwootPullResult& r) const { return r.processed_messages; }
    long long operator()(const LinearPullResult& r) const { return r.touched_projects + r.touched_issues; }
    long long operator()(const AttioPullResult& r) const { return r.touched_accounts + r.touched_opportunities; }
  } processed;
  return std::visit(processed, result);
}

const PullSummary& summary(const PullResult& result) {
  return std::visit([](const auto& r) -> const PullSummary& { return r; }, result);
}

size_t SyncCycle::ok() const {
  size_t n = 0;
  for (const auto& r : results) n += r.ok();
  return n;
}

void to_json(json& j, const ChatwootPullResult& r) {
  j = json::object();
  put_summary(j, r);
  j.update({{"account_id", r.account_id},
            {"processed_conversations", r.processed_conversations},
            {"processed_messages", r.processed_messages},
            {"touched_conversations", r.touched_conversations},
            {"touched_messages", r.touched_messages},
            {"inserted_chunks", r.inserted_chunks},
            {"reembedded_chunks", r.reembedded_chunks},
            {"deleted_chunks", r.deleted_chunks},
            {"touched_contacts", r.touched_contacts},
            {"touched_inboxes", r.touched_inboxes},
            {"touched_attachments", r.touched_attachments}});
}

void to_json(json& j, const LinearPullResult& r) {
  j = {{"mode", "api"}, {"workspace_id", r.workspace_id}};
  put_summary(j, r);
  j.update({{"processed_issues", r.processed_issues},
            {"touched_projects", r.touched_projects},
            {"touched_states", r.touched_states},
            {"touched_cycles", r.touched_cycles},
            {"touched_issues", r.touched_issues}});
}

void to_json(json& j, const CrmCoverage& c) {
  j = {{"total_attio_accounts", c.total_attio_accounts},
       {"mirrored_accounts", c.mirrored_accounts},
       {"total_attio_opportunities", c.total_attio_opportunities},
       {"mirrored_opportunities", c.mirrored_opportunities},
       {"opportunities_without_account_ref", c.opportunities_without_account_ref},
       {"opportunities_unmapped_to_crm_account", c.opportunities_unmapped_to_crm_account}};
}

void to_json(json& j, const AttioPullResult& r) {
  j = {{"mode", "api"}, {"workspace_id", r.workspace_id}};
  put_summary(j, r);
  j.update({{"soft_failures", r.soft_failures},
            {"touched_accounts", r.touched_accounts},
            {"touched_opportunities", r.touched_opportunities},
            {"touched_people", r.touched_people},
            {"touched_activities", r.touched_activities},
            {"mirrored_crm_accounts", r.mirrored_crm_accounts},
            {"mirrored_crm_opportunities", r.mirrored_crm_opportunities},
            {"coverage", r.coverage}});
}

void to_json(json& j, const PullResult& r) {
  std::visit([&j](const auto& typed) { j = typed; }, r);
}

void to_json(json& j, const EventLogRun& e) {
  j = {{"connector", e.connector},
       {"generated", e.generated},
       {"inserted", e.inserted},
       {"since_ts", e.since_ts},
       {"until_ts", e.until_ts}};
}

void to_json(json& j, const ConnectorRun& r) {
  j = {{"connector", r.connector},
       {"mode", r.mode},
       {"result", r.result},
       {"event_log", r.event_log ? json(*r.event_log) : json()},
       {"resolved_errors", r.resolved_errors},
       {"duration_ms", r.duration_ms},
       {"changed", changed_rows(r.result)},
       {"processed", processed_records(r.result)}};
}

void to_json(json& j, const ConnectorOutcome& o) {
  if (o.run) {
    j = *o.run;
    j["status"] = "ok";
    return;
  }
  j = {{"connector", o.connector}, {"status", "failed"}, {"error", o.error}};
  if (!o.error_code.empty()) j["error_code"] = o.error_code;
  if (!o.error_class.empty()) j["error_class"] = o.error_class;
  if (o.retry_after_ms) j["retry_after_ms"] = *o.retry_after_ms;
}

void to_json(json& j, const SyncCycle& c) {
  j = {{"total", c.results.size()},
       {"ok", c.ok()},
       {"failed", c.failed()},
       {"results", c.results},
       {"reconciliation", c.reconciliation}};
}

}  // namespace labctl::connectors
