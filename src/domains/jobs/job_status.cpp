#include "labctl/domains/jobs/job_status.hpp"

#include <cmath>

#include "labctl/core/json_optional.hpp"
#include "labctl/db/field_values.hpp"
#include "labctl/db/sql_time.hpp"

namespace labctl::jobs {

using nlohmann::json;

void to_json(json& j, const JobsStatus& s) {
  json jobs = json::array();
  for (const auto& r : s.jobs)
    jobs.push_back({{"job_name", r.job_name}, {"status", r.status}, {"started_at", r.started_at},
                    {"finished_at", r.finished_at}, {"processed_count", r.processed_count}, {"error", r.error}});
  j = {{"jobs", std::move(jobs)},
       {"rag_counts", s.rag_counts},
       {"entities", s.entities},
       {"storage",
        {{"database_bytes", s.database_bytes},
         {"scoped_logical_bytes", s.scoped_logical_bytes},
         {"budget_bytes", s.budget_bytes},
         {"usage_percent", s.usage_percent},
         {"table_bytes", s.table_bytes}}},
       {"watermarks", s.watermarks}};
}

JobsStatus jobs_status(pqxx::transaction_base& tx, const std::string& project, const std::string& scope,
                       long long budget_bytes) {
  JobsStatus s{{}, {{"pending", 0}, {"processing", 0}, {"ready", 0}, {"failed", 0}}, {}, 0, 0, budget_bytes, 0, {}, {}};
  for (const auto& r : tx.exec_params(
           "SELECT DISTINCT ON (job_name) job_name, status, " + db::iso_utc("started_at") + ", " +
               db::iso_utc("finished_at") + ", error, processed_count FROM job_runs "
               "WHERE project_id = $1::uuid AND account_scope_id = $2::uuid ORDER BY job_name, started_at DESC, id DESC",
           project, scope))
    s.jobs.push_back({r[0].c_str(), r[1].c_str(), r[2].c_str(), db::optional_text(r[3]), db::optional_text(r[4]),
                      r[5].as<long long>()});
  for (const auto& r : tx.exec_params("SELECT embedding_status, count(*) FROM rag_chunks WHERE project_id = $1::uuid "
                                      "AND account_scope_id = $2::uuid GROUP BY 1",
                                      project, scope))
    s.rag_counts[r[0].c_str()] = r[1].as<long long>();
  // Each table's rows of the project: how many, and their logical bytes (pg_column_size of the row).
  const char* tables[] = {"cw_contacts", "cw_conversations", "cw_messages", "rag_chunks"};
  const char* names[] = {"contacts", "conversations", "messages", "rag_chunks"};
  std::string sql;
  for (int i = 0; i < 4; ++i)
    sql += std::string(i ? " UNION ALL " : "") + "SELECT " + std::to_string(i) + ", count(*), coalesce(sum(pg_column_size(t.*)), 0), "
           "pg_total_relation_size('" + tables[i] + "') FROM " + tables[i] + " t WHERE project_id = $1::uuid AND "
           "account_scope_id = $2::uuid";
  for (const auto& r : tx.exec_params(sql, project, scope)) {
    const int i = r[0].as<int>();
    s.entities[names[i]] = r[1].as<long long>();
    s.scoped_logical_bytes += r[2].as<long long>();
    s.table_bytes[tables[i]] = r[3].as<long long>();
  }
  s.database_bytes = tx.exec1("SELECT pg_database_size(current_database())")[0].as<long long>();
  s.usage_percent = std::round(10000.0 * double(s.database_bytes) / double(budget_bytes)) / 100.0;
  s.watermarks = connectors::list_watermarks(tx, project, scope);
  if (s.watermarks.size() > 5) s.watermarks.resize(5);
  return s;
}

}  // namespace labctl::jobs
