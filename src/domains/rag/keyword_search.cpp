#include "labctl/domains/rag/keyword_search.hpp"

#include "labctl/db/sql_time.hpp"

namespace labctl::rag {
namespace {

using json = nlohmann::json;

// How a selected value becomes JSON.
enum class Kind { text, optional_text, optional_integer, real, boolean };

struct Field {
  const char* name;  // the JSON key
  std::string sql;   // the selected expression
  Kind kind = Kind::optional_text;
};

// One searchable table: what it selects, which columns the patterns match, its date column.
struct Source {
  std::string table;
  std::vector<Field> fields;
  std::vector<std::string> matched;
  std::string date_column;
  std::string extra_filter;
};

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

json value_of(const pqxx::field& f, Kind kind) {
  if (kind == Kind::text) return f.as<std::string>();
  if (kind == Kind::real) return f.as<double>();
  if (kind == Kind::boolean) return f.as<bool>();
  if (f.is_null()) return nullptr;
  return kind == Kind::optional_integer ? json(f.as<long long>()) : json(f.as<std::string>());
}

json search(pqxx::transaction_base& tx, const KeywordQuery& q, const Source& s) {
  json out = json::array();
  if (q.patterns.empty() || q.limit == 0) return out;
  std::string select;
  for (const auto& f : s.fields) select += (select.empty() ? "" : ", ") + f.sql;
  std::string sql = "SELECT " + select + " FROM " + s.table + " WHERE project_id = $1 AND account_scope_id = $2" +
                    " AND ($3::timestamptz IS NULL OR " + s.date_column + " >= $3::timestamptz)" +
                    " AND ($4::timestamptz IS NULL OR " + s.date_column + " < $4::timestamptz)" + s.extra_filter +
                    " AND " + match_clause(s.matched, q.patterns.size()) + " ORDER BY " + s.date_column +
                    " DESC NULLS LAST, id LIMIT " + std::to_string(q.limit);
  for (const auto& r : tx.exec_params(sql, q.project_id, q.account_scope_id, q.from, q.before,
                                      pqxx::prepare::make_dynamic_params(q.patterns))) {
    json row = json::object();
    for (size_t i = 0; i < s.fields.size(); ++i) row[s.fields[i].name] = value_of(r[static_cast<int>(i)], s.fields[i].kind);
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

json search_messages(pqxx::transaction_base& tx, const KeywordQuery& q) {
  static const Source messages{"cw_messages",
                               {{"id", "id", Kind::text},
                                {"message_id", "message_id", Kind::optional_integer},
                                {"conversation_global_id", "conversation_global_id"},
                                {"contact_global_id", "contact_global_id"},
                                {"sender_type", "sender_type"},
                                {"content", "left(content, 500)"},
                                {"private", "private", Kind::boolean},
                                {"created_at", db::iso_utc("created_at")}},
                               {"content"},
                               "created_at",
                               " AND content IS NOT NULL AND btrim(content) <> ''"};
  return search(tx, q, messages);
}

json search_issues(pqxx::transaction_base& tx, const KeywordQuery& q) {
  static const Source issues{"linear_issues_raw",
                             {{"id", "id", Kind::text},
                              {"external_id", "external_id", Kind::text},
                              {"title", "title", Kind::text},
                              {"state", "state"},
                              {"priority", "priority", Kind::optional_integer},
                              {"assignee_name", "assignee_name"},
                              {"due_date", "due_date::text"},
                              {"next_step", "left(data->>'next_step', 320)"},
                              {"updated_at", db::iso_utc("updated_at")}},
                             {"title", "(data->>'next_step')"},
                             "updated_at",
                             ""};
  return search(tx, q, issues);
}

json search_opportunities(pqxx::transaction_base& tx, const KeywordQuery& q) {
  static const Source opportunities{"attio_opportunities_raw",
                                    {{"id", "id", Kind::text},
                                     {"external_id", "external_id", Kind::text},
                                     {"title", "title"},
                                     {"account_external_id", "account_external_id"},
                                     {"stage", "stage"},
                                     {"amount", "amount::float8", Kind::real},
                                     {"probability", "probability::float8", Kind::real},
                                     {"expected_close_date", "expected_close_date::text"},
                                     {"next_step", "left(next_step, 320)"},
                                     {"updated_at", db::iso_utc("updated_at")}},
                                    {"title", "next_step", "stage"},
                                    "updated_at",
                                    ""};
  return search(tx, q, opportunities);
}

}  // namespace labctl::rag
