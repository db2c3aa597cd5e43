#pragma once
// One failed Linear sync registered in the connector error queue, as the sync path records it.
#include <pqxx/pqxx>
#include <string>

#include "labctl/domains/connectors/error_queue.hpp"

namespace labctl::test {

inline connectors::Registered fail_linear_once(pqxx::connection& conn, const std::string& project_id) {
  pqxx::work tx(conn);
  auto r = connectors::register_error(tx, project_id,
                                      {.connector = "linear", .source_ref = "linear", .error_kind = "sync_failed",
                                       .message = "Linear GraphQL failed (503)",
                                       .payload = {{"connector", "linear"}}},
                                      {});
  tx.commit();
  return r;
}

}  // namespace labctl::test
