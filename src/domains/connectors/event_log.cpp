#include "labctl/domains/connectors/event_log.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

#include "labctl/core/error.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/domains/connectors/connector_table.hpp"
#include "labctl/domains/connectors/sync_results.hpp"

namespace labctl::connectors {
namespace {

using db::iso_utc;

// Every family's SQL ends in a CTE `ev` with these columns; this tail inserts it and counts.
// PostgreSQL text cannot hold NUL, so the key is hashed over bytea with NUL bytes between parts.
std::string insert_tail() {
  const std::string nul = " || decode('00', 'hex') || ";
  return R"SQL(,
ins AS (
  INSERT INTO connector_events (project_id, account_scope_id, event_type, occurred_at, actor, source, source_ref,
                                source_url, source_message_id, source_linear_issue_id, source_attio_record_id,
                                payload_json, dedupe_key)
  SELECT $1::uuid, $2::uuid, ev.event_type, ev.occurred_at, ev.actor, ev.source, ev.source_ref, ev.source_url,
         ev.source_message_id, ev.source_linear_issue_id, ev.source_attio_record_id, ev.payload_json,
         encode(sha256(convert_to(ev.source, 'UTF8'))SQL" +
         nul + "convert_to(ev.event_type, 'UTF8')" + nul + "convert_to(ev.source_ref, 'UTF8')" + nul + "convert_to(" +
         iso_utc("ev.occurred_at") + R"SQL(, 'UTF8')), 'hex')
  FROM ev
  ON CONFLICT (project_id, dedupe_key) DO NOTHING
  RETURNING 1)
SELECT (SELECT count(*) FROM ev), (SELECT count(*) FROM ins))SQL";
}

// Rows of `table` in scope whose COALESCE(updated_at, created_at) is in ($3, $4], oldest first,
// at most $5. The predicate is the expression the *_scope_ts_idx indexes cover.
std::string window_rows(const std::string& table, const std::string& extra_columns) {
  return "SELECT r.*, " + extra_columns + " FROM " + table +
         " r WHERE r.project_id = $1::uuid AND r.account_scope_id = $2::uuid"
         " AND COALESCE(r.updated_at, r.created_at) > $3::timestamptz"
         " AND COALESCE(r.updated_at, r.created_at) <= $4::timestamptz"
         " ORDER BY COALESCE(r.updated_at, r.created_at), r.id LIMIT $5";
}

// client (contact/customer), team (agent/user/team), else system; `sender` is lower-cased.
std::string actor_of(const std::string& sender) {
  return "CASE WHEN " + sender + " ~ '(contact|customer)' THEN 'client' WHEN " + sender +
         " ~ '(agent|user|team)' THEN 'team' ELSE 'system' END";
}

const std::vector<std::string_view> kApprovalWords = {"approve", "approval", "апрув", "подтверд", "согласуйте",
                                                      "согласуем"};
const std::vector<std::string_view> kScopeChangeWords = {"out of scope", "outside scope", "change request",
                                                         "вне скоупа", "дополнительно", "доработк"};

// A case-insensitive regex (for ~*) matching any of the lower-case words. Under a C collation
// ~* and lower() fold ASCII only, so each Cyrillic letter becomes a class of both cases; the
// match must not depend on how the database was initialised. (translate() would fold them too,
// but costs an order of magnitude more on 50k messages.)
std::string any_word_pattern(const std::vector<std::string_view>& words) {
  static const std::string lower = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя";
  static const std::string upper = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ";
  std::string out = "(";
  for (auto word : words) {
    if (out.size() > 1) out += '|';
    for (size_t i = 0; i < word.size();) {
      if ((static_cast<unsigned char>(word[i]) & 0x80) == 0) {
        out += word[i++];
        continue;
      }
      std::string letter(word.substr(i, 2));  // Cyrillic letters are 2 bytes in UTF-8
      i += 2;
      auto at = lower.find(letter);
      out += at == std::string::npos ? letter : "[" + letter + upper.substr(at, 2) + "]";
    }
  }
  return out + ")";
}

// message_sent for each message in the window, plus approval_requested / scope_change_detected
// when the content says so (NULL content says nothing).
std::string chatwoot_messages_sql() {
  return "WITH src AS (" +
         window_rows("cw_messages",
                     "COALESCE(r.created_at, r.updated_at) AS at, " +
                         actor_of("lower(COALESCE(r.sender_type, ''))") + " AS actor") +
         R"SQL(),
ev AS (
  SELECT k.event_type, src.at AS occurred_at, src.actor, 'chatwoot'::text AS source, src.id AS source_ref,
         'chatwoot://accounts/' || src.account_id || '/conversations/' || src.conversation_id
           || '/messages/' || src.message_id AS source_url,
         src.id AS source_message_id, NULL::text AS source_linear_issue_id, NULL::text AS source_attio_record_id,
         jsonb_build_object('conversation_global_id', src.conversation_global_id, 'message_global_id', src.id,
                            'sender_type', src.sender_type, 'private', src.private,
                            'message_type', src.message_type, 'created_at', )SQL" +
         iso_utc("src.created_at") + ", 'updated_at', " + iso_utc("src.updated_at") + R"SQL(,
                            'snippet', left(COALESCE(src.content, ''), 300)) AS payload_json
  FROM src
  CROSS JOIN LATERAL (VALUES ('message_sent', true),
                             ('approval_requested', src.content ~* ')SQL" +
         any_word_pattern(kApprovalWords) + R"SQL('),
                             ('scope_change_detected', src.content ~* ')SQL" +
         any_word_pattern(kScopeChangeWords) + R"SQL(')) AS k(event_type, wanted)
  WHERE k.wanted))SQL" +
         insert_tail();
}

// client_silent_started per conversation whose last non-private team message is newer than its
// last client message (or there is none) and at least 4 days before `until`. Not windowed by
// `since`: silence starts by nothing happening. Parameters: $1 project, $2 scope, $3 until, $4 limit.
std::string chatwoot_silence_sql() {
  return R"SQL(WITH stats AS (
  SELECT conversation_global_id,
         max(created_at) FILTER (WHERE actor = 'client') AS last_client_at,
         max(created_at) FILTER (WHERE actor = 'team') AS last_team_at
  FROM (SELECT conversation_global_id, created_at, )SQL" +
         actor_of("lower(COALESCE(sender_type, ''))") + R"SQL( AS actor
        FROM cw_messages
        WHERE project_id = $1::uuid AND account_scope_id = $2::uuid AND NOT private
          AND conversation_global_id IS NOT NULL) m
  GROUP BY conversation_global_id),
src AS (
  SELECT * FROM stats
  WHERE last_team_at IS NOT NULL
    AND (last_client_at IS NULL OR last_team_at > last_client_at)
    AND last_team_at <= $3::timestamptz - interval '4 days'
  ORDER BY last_team_at DESC, conversation_global_id
  LIMIT least(1000, $4::int)),
ev AS (
  SELECT 'client_silent_started'::text AS event_type, last_team_at AS occurred_at, 'system'::text AS actor,
         'chatwoot'::text AS source, conversation_global_id AS source_ref, NULL::text AS source_url,
         NULL::text AS source_message_id, NULL::text AS source_linear_issue_id, NULL::text AS source_attio_record_id,
         jsonb_build_object('conversation_global_id', conversation_global_id,
                            'last_team_message_at', )SQL" +
         iso_utc("last_team_at") + ", 'last_client_message_at', " + iso_utc("last_client_at") +
         R"SQL() AS payload_json
  FROM src))SQL" +
         insert_tail();
}

// issue_created plus issue_blocked or issue_unblocked for every issue updated in the window.
std::string linear_issues_sql() {
  return "WITH src AS (" + window_rows("linear_issues_raw", "COALESCE(r.updated_at, r.created_at) AS at") +
         R"SQL(),
ev AS (
  SELECT k.event_type, src.at AS occurred_at, 'system'::text AS actor, 'linear'::text AS source,
         src.external_id AS source_ref, 'linear://issues/' || src.external_id AS source_url,
         NULL::text AS source_message_id, src.external_id AS source_linear_issue_id,
         NULL::text AS source_attio_record_id,
         jsonb_build_object('issue_id', src.external_id, 'title', src.title, 'state', src.state,
                            'blocked', src.blocked, 'blocked_by_count', src.blocked_by_count,
                            'due_date', to_char(src.due_date, 'YYYY-MM-DD'),
                            'completed_at', )SQL" +
         iso_utc("src.completed_at") + R"SQL() AS payload_json
  FROM src
  CROSS JOIN LATERAL (VALUES ('issue_created'),
                             (CASE WHEN src.blocked THEN 'issue_blocked' ELSE 'issue_unblocked' END))
    AS k(event_type)))SQL" +
         insert_tail();
}

std::string attio_deals_sql() {
  return "WITH src AS (" + window_rows("attio_opportunities_raw", "COALESCE(r.updated_at, r.created_at) AS at") +
         R"SQL(),
ev AS (
  SELECT 'deal_stage_changed'::text AS event_type, src.at AS occurred_at, 'system'::text AS actor,
         'attio'::text AS source, src.external_id AS source_ref, 'attio://deals/' || src.external_id AS source_url,
         NULL::text AS source_message_id, NULL::text AS source_linear_issue_id,
         src.external_id AS source_attio_record_id,
         jsonb_build_object('deal_id', src.external_id, 'stage', src.stage, 'amount', src.amount,
                            'probability', src.probability,
                            'expected_close_date', to_char(src.expected_close_date, 'YYYY-MM-DD')) AS payload_json
  FROM src))SQL" +
         insert_tail();
}

// The activity type is checked against note, invoice_sent, invoice_paid in that order and the
// last match wins, i.e. the checks below run in reverse. strpos, not LIKE: `_` is a wildcard there.
std::string attio_activities_sql() {
  return "WITH src AS (" + window_rows("attio_activities_raw", "lower(COALESCE(r.activity_type, '')) AS kind") +
         R"SQL(),
ev AS (
  SELECT CASE WHEN strpos(src.kind, 'invoice_paid') > 0 THEN 'invoice_paid'
              WHEN strpos(src.kind, 'invoice_sent') > 0 THEN 'invoice_sent'
              WHEN strpos(src.kind, 'note') > 0 THEN 'note_logged'
              ELSE 'activity_logged' END AS event_type,
         COALESCE(src.occurred_at, src.updated_at, now()) AS occurred_at, 'team'::text AS actor,
         'attio'::text AS source, src.external_id AS source_ref,
         'attio://activities/' || src.external_id AS source_url,
         NULL::text AS source_message_id, NULL::text AS source_linear_issue_id,
         COALESCE(NULLIF(btrim(src.record_external_id), ''), src.external_id) AS source_attio_record_id,
         jsonb_build_object('activity_type', src.activity_type, 'note', src.note, 'actor_name', src.actor_name,
                            'record_external_id', src.record_external_id) AS payload_json
  FROM src))SQL" +
         insert_tail();
}

EventCounts counts_of(const pqxx::row& r) { return {r[0].as<long long>(), r[1].as<long long>()}; }

EventCounts run_family(pqxx::transaction_base& tx, const EventWindow& w, const std::string& sql) {
  return counts_of(tx.exec_params1(sql, w.project_id, w.account_scope_id, w.since, w.until, w.limit));
}

EventCounts operator+(EventCounts a, EventCounts b) { return {a.generated + b.generated, a.inserted + b.inserted}; }

}  // namespace

EventCounts derive_chatwoot_events(pqxx::transaction_base& tx, const EventWindow& w) {
  EventCounts messages = run_family(tx, w, chatwoot_messages_sql());
  return messages +
         counts_of(tx.exec_params1(chatwoot_silence_sql(), w.project_id, w.account_scope_id, w.until, w.limit));
}

EventCounts derive_linear_events(pqxx::transaction_base& tx, const EventWindow& w) {
  return run_family(tx, w, linear_issues_sql());
}

EventCounts derive_attio_events(pqxx::transaction_base& tx, const EventWindow& w) {
  EventCounts deals = run_family(tx, w, attio_deals_sql());
  return deals + run_family(tx, w, attio_activities_sql());
}

EventLogRun derive_event_log(pqxx::transaction_base& tx, const std::string& project_id,
                             const std::string& account_scope_id, const std::string& connector,
                             std::optional<std::string> since_iso, std::optional<std::string> until_iso, int limit,
                             int lookback_days) {
  const Connector& source = connector_named(connector);
  limit = std::clamp(limit, 10, 50000);
  lookback_days = std::clamp(lookback_days, 1, 90);
  if (since_iso && since_iso->empty()) since_iso.reset();
  if (until_iso && until_iso->empty()) until_iso.reset();

  // The window is fixed once, in the form it is reported, and every family uses that form.
  auto window = tx.exec_params1("SELECT " + iso_utc("COALESCE($1::timestamptz, now() - make_interval(days => $3::int))") +
                                    ", " + iso_utc("COALESCE($2::timestamptz, now())"),
                                since_iso, until_iso, lookback_days);
  EventWindow w{project_id, account_scope_id, window[0].c_str(), window[1].c_str(), limit};
  EventCounts counts = source.derive_events(tx, w);
  return {source.name, counts.generated, counts.inserted, w.since, w.until};
}

}  // namespace labctl::connectors
