#include <doctest/doctest.h>

#include <pqxx/pqxx>

#include "labctl/db/bulk_upsert.hpp"
#include "labctl/domains/projects/projects.hpp"
#include "support/test_cluster.hpp"

using namespace labctl;

namespace {

const db::UpsertSpec kMessages{"cw_messages",
                               {"id", "account_id", "message_id", "content", "data", "created_at", "private"},
                               {"id"},
                               {"created_at"}};

db::Row message(const std::string& id, const std::string& content, db::Cell created = std::nullopt) {
  return {id, "1", "7", content, R"({"k":"v"})", created, "f"};
}

}  // namespace

TEST_CASE("bulk_upsert inserts, updates only what changed, keeps the first of duplicate keys") {
  pqxx::connection conn(test::fresh_database());
  auto p = projects::create(conn, {"Upserts", std::nullopt, std::nullopt});

  pqxx::work tx(conn);
  auto first = db::bulk_upsert(tx, kMessages,
                               {message("m1", "hello\ttab\nnewline \\ back", "2026-01-01T00:00:00Z"),
                                message("m2", "second"), message("m1", "duplicate, ignored")},
                               p.id, p.account_scope_id);
  CHECK(first.inserted == 2);
  CHECK(first.updated == 0);
  tx.commit();

  pqxx::work again(conn);
  auto same = db::bulk_upsert(again, kMessages,
                              {message("m1", "hello\ttab\nnewline \\ back", "2026-01-01T00:00:00Z"), message("m2", "second")},
                              p.id, p.account_scope_id);
  CHECK(same.touched() == 0);
  auto changed = db::bulk_upsert(again, kMessages,
                                 {message("m1", "edited", "2026-02-02T00:00:00Z"), message("m3", "third")}, p.id,
                                 p.account_scope_id);
  CHECK(changed.inserted == 1);
  CHECK(changed.updated == 1);
  again.commit();

  pqxx::nontransaction read(conn);
  auto m1 = read.exec1("SELECT content, created_at AT TIME ZONE 'UTC', account_scope_id::text FROM cw_messages WHERE id = 'm1'");
  CHECK(m1[0].as<std::string>() == "edited");
  CHECK(m1[1].as<std::string>() == "2026-01-01 00:00:00");  // an existing created_at is kept
  CHECK(m1[2].as<std::string>() == p.account_scope_id);
  CHECK(read.exec1("SELECT content FROM cw_messages WHERE id = 'm2'")[0].as<std::string>() == "second");
  CHECK(read.exec1("SELECT count(*) FROM cw_messages")[0].as<int>() == 3);
}

TEST_CASE("compare columns decide what is a change; set_on_change runs only then") {
  pqxx::connection conn(test::fresh_database());
  auto p = projects::create(conn, {"Chunks", std::nullopt, std::nullopt});
  const db::UpsertSpec chunks{"rag_chunks",
                              {"message_global_id", "chunk_index", "text", "text_hash", "embedding_model"},
                              {"message_global_id", "chunk_index"},
                              {},
                              {"text_hash"},
                              {"embedding = NULL", "embedding_status = 'pending'"}};
  pqxx::work tx(conn);
  CHECK(db::bulk_upsert(tx, chunks, {{"m1", "0", "hello", "h1", "a"}}, p.id, p.account_scope_id).inserted == 1);
  tx.exec("UPDATE rag_chunks SET embedding_status = 'ready', embedding = '{1,0}', embedding_dim = 2");
  // Same hash, another model: not a change, the vector stays.
  CHECK(db::bulk_upsert(tx, chunks, {{"m1", "0", "hello", "h1", "b"}}, p.id, p.account_scope_id).touched() == 0);
  CHECK(tx.exec1("SELECT embedding_status FROM rag_chunks")[0].as<std::string>() == "ready");
  auto changed = db::bulk_upsert(tx, chunks, {{"m1", "0", "hello again", "h2", "a"}}, p.id, p.account_scope_id);
  CHECK(changed.updated == 1);
  auto row = tx.exec1("SELECT embedding_status, embedding IS NULL, text FROM rag_chunks");
  CHECK(row[0].as<std::string>() == "pending");
  CHECK(row[1].as<bool>());
  CHECK(row[2].as<std::string>() == "hello again");
}

TEST_CASE("pg_text_array quotes and escapes") {
  CHECK(db::pg_text_array({}) == "{}");
  CHECK(db::pg_text_array({"a", "b c", "q\"uote", "back\\slash"}) == R"({"a","b c","q\"uote","back\\slash"})");
}
