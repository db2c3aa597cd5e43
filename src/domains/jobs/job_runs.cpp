#include "labctl/domains/jobs/job_runs.hpp"
#include "labctl/db/rows.hpp"

namespace labctl::jobs {

long long start_run(pqxx::connection& conn, const std::string& project_id, const std::string& job_name) {
  pqxx::work tx(conn);
  long long id = tx.exec_params1(
                       "INSERT INTO job_runs (job_name, status, project_id, account_scope_id) "
                       "SELECT $1, 'running', id, account_scope_id FROM projects WHERE id = $2 RETURNING id",
                       job_name, project_id)[0]
                     .as<long long>();
  tx.commit();
  return id;
}

void finish_run(pqxx::connection& conn, long long id, long long processed_count, const nlohmann::json& meta) {
  pqxx::work tx(conn);
  tx.exec_params("UPDATE job_runs SET status = 'ok', finished_at = now(), processed_count = $2, meta = $3::jsonb "
                 "WHERE id = $1",
                 id, processed_count, db::jsonb_text(meta));
  tx.commit();
}

void fail_run(pqxx::connection& conn, long long id, const std::string& error) {
  pqxx::work tx(conn);
  tx.exec_params("UPDATE job_runs SET status = 'failed', finished_at = now(), error = left($2, 2000) WHERE id = $1",
                 id, error);
  tx.commit();
}

}  // namespace labctl::jobs
