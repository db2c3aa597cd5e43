#pragma once
// A statement each connection parses and plans once, for the lookups every request makes (the
// session, the caller's projects, an API key): without it PostgreSQL spends most of such a
// request parsing and planning. The name is the statement's; the definition must never change
// under it (libpqxx throws on an inconsistent redefinition). A connection that reconnects
// prepares again on first use.
#include <pqxx/pqxx>
#include <string>
#include <utility>

namespace labctl::db {

template <typename... Args>
pqxx::result exec_prepared(pqxx::transaction_base& tx, const std::string& name, const std::string& sql,
                           Args&&... args) {
  tx.conn().prepare(name, sql);  // a no-op once defined
  return tx.exec_prepared(name, std::forward<Args>(args)...);
}

}  // namespace labctl::db
