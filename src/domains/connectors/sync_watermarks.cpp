#include "labctl/domains/connectors/sync_watermarks.hpp"

#include "labctl/core/json_optional.hpp"
#include "labctl/db/field_values.hpp"
#include "labctl/db/sql_time.hpp"

namespace labctl::connectors {

void to_json(nlohmann::json& j, const SourceWatermark& w) {
  j = {{"source", w.source}, {"cursor_ts", w.cursor_ts}, {"cursor_id", w.cursor_id}, {"updated_at", w.updated_at}};
}

std::vector<SourceWatermark> list_watermarks(pqxx::transaction_base& tx, const std::string& project,
                                             const std::string& scope) {
  std::vector<SourceWatermark> out;
  for (const auto& r : tx.exec_params("SELECT source, " + db::iso_utc("cursor_ts") + ", cursor_id, " +
                                          db::iso_utc("updated_at") +
                                          " FROM sync_watermarks WHERE project_id = $1::uuid AND account_scope_id = "
                                          "$2::uuid ORDER BY updated_at DESC, source",
                                      project, scope))
    out.push_back({r[0].c_str(), db::optional_text(r[1]), db::optional_text(r[2]), r[3].c_str()});
  return out;
}

}  // namespace labctl::connectors
