#include "labctl/domains/rag/keyword_search.hpp"

#include "labctl/db/sql_time.hpp"

namespace labctl::rag {
namespace {

using json = nlohmann::json;

// "(col1 ILIKE $5 OR col2 ILIKE $5 OR col1 ILIKE $6 …)": OR'd so each ILIKE can use its trigram
// index (a GIN index cannot serve ILIKE ANY(array)). Patterns are parameters $5…
std::string match_clause(const std::vector<std::string>& columns, size_t patterns) {
  std::string out = "(";
  for (size_t p = 0; p < patterns; ++p)
    for (const auto& c : columns) {
      if (out.size() > 1) out += " OR ";
      out += c + " ILIKE $" + std::to_string(p + 5);
    }
  return out + ")";
}

pqxx::result run(pqxx::transaction_base& tx, const KeywordQuery& q, const std::string& select,
                 const std::string& table, const std::vector<std::string>& columns, const std::string& date_column,
                 const std::string& extra_filter) {
  std::string sql = "SELECT " + select + " FROM " + table + " WHERE project_id = $1 AND account_scope_id = $2" +
                    " AND ($3::timestamptz IS NULL OR " + date_column + " >= $3::timestamptz)" +
                    " AND ($4::timestamptz IS NULL OR " + date_column + " < $4::timestamptz)" + extra_filter +
                    " AND " + match_clause(columns, q.patterns.size()) + " ORDER BY " + date_column +
                    " DESC NULLS LAST, id LIMIT " + std::to_string(q.limit);
  return tx.exec_params(sql, q.project_id, q.account_scope_id, q.from, q.before,
                        pqxx::prepare::make_dynamic_params(q.patterns));
}

json text_or_null(const pqxx::field& f) { return f.is_null() ? json() : json(f.as<std::string>()); }

}  // namespace

json search_messages(pqxx::transaction_base& tx, const KeywordQuery& q) {
  json out = json::array();
  if (q.patterns.empty() || q.limit == 0) return out;
  auto rows = run(tx, q,
                  "id, message_id, conversation_global_id, contact_global_id, sender_type, left(content, 500), "
                  "private, " + db::iso_utc("created_at"),
                  "cw_messages", {"content"}, "created_at", " AND content IS NOT NULL AND btrim(content) <> ''");
  for (const auto& r : rows)
    out.push_back({{"id", r[0].as<std::string>()},
                   {"message_id", r[1].is_null() ? json() : json(r[1].as<long long>())},
                   {"conversation_global_id", text_or_null(r[2])},
                   {"contact_global_id", text_or_null(r[3])},
                   {"sender_type", text_or_null(r[4])},
                   {"content", text_or_null(r[5])},
                   {"private", r[6].as<bool>()},
                   {"created_at", text_or_null(r[7])}});
  return out;
}

json search_issues(pqxx::transaction_base& tx, const KeywordQuery& q) {
  json out = json::array();
  if (q.patterns.empty() || q.limit == 0) return out;
  auto rows = run(tx, q,
                  "id, external_id, title, state, priority, assignee_name, due_date::text, "
                  "left(data->>'next_step', 320), " + db::iso_utc("updated_at"),
                  "linear_issues_raw", {"title", "(data->>'next_step')"}, "updated_at", "");
  for (const auto& r : rows)
    out.push_back({{"id", r[0].as<std::string>()},
                   {"external_id", r[1].as<std::string>()},
                   {"title", r[2].as<std::string>()},
                   {"state", text_or_null(r[3])},
                   {"priority", r[4].is_null() ? json() : json(r[4].as<int>())},
                   {"assignee_name", text_or_null(r[5])},
                   {"due_date", text_or_null(r[6])},
                   {"next_step", text_or_null(r[7])},
                   {"updated_at", text_or_null(r[8])}});
  return out;
}

json search_opportunities(pqxx::transaction_base& tx, const KeywordQuery& q) {
  json out = json::array();
  if (q.patterns.empty() || q.limit == 0) return out;
  auto rows = run(tx, q,
                  "id, external_id, title, account_external_id, stage, amount::float8, probability::float8, "
                  "expected_close_date::text, left(next_step, 320), " + db::iso_utc("updated_at"),
                  "attio_opportunities_raw", {"title", "next_step", "stage"}, "updated_at", "");
  for (const auto& r : rows)
    out.push_back({{"id", r[0].as<std::string>()},
                   {"external_id", r[1].as<std::string>()},
                   {"title", text_or_null(r[2])},
                   {"account_external_id", text_or_null(r[3])},
                   {"stage", text_or_null(r[4])},
                   {"amount", r[5].as<double>()},
                   {"probability", r[6].as<double>()},
                   {"expected_close_date", text_or_null(r[7])},
                   {"next_step", text_or_null(r[8])},
                   {"updated_at", text_or_null(r[9])}});
  return out;
}

}  // namespace labctl::rag
