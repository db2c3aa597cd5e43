#include <doctest/doctest.h>

#include <pqxx/pqxx>

#include "labctl/core/error.hpp"
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
  db::TableColumns columns;

  pqxx::work tx(conn);
  auto first = db::bulk_upsert(tx, columns, kMessages,
                               {message("m1", "hello\ttab\nnewline \\ back", "2026-01-01T00:00:00Z"),
                                message("m2", "second"), message("m1", "duplicate, ignored")},
                               p.id, p.account_scope_id);
  CHECK(first.inserted == 2);
  CHECK(first.updated == 0);
  tx.commit();

  pqxx::work again(conn);
  auto same = db::bulk_upsert(again, columns, kMessages,
                              {message("m1", "hello\ttab\nnewline \\ back", "2026-01-01T00:00:00Z"), message("m2", "second")},
                              p.id, p.account_scope_id);
  CHECK(same.touched() == 0);
  auto changed = db::bulk_upsert(again, columns, kMessages,
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
  db::TableColumns columns;
  const db::UpsertSpec chunks{"rag_chunks",
                              {"message_global_id", "chunk_index", "text", "text_hash", "embedding_model"},
                              {"message_global_id", "chunk_index"},
                              {},
                              {"text_hash"},
                              {"embedding = NULL", "embedding_status = 'pending'"}};
  pqxx::work tx(conn);
  CHECK(db::bulk_upsert(tx, columns, chunks, {{"m1", "0", "hello", "h1", "a"}}, p.id, p.account_scope_id).inserted == 1);
  tx.exec("UPDATE rag_chunks SET embedding_status = 'ready', embedding = '{1,0}', embedding_dim = 2");
  // Same hash, another model: not a change, the vector stays.
  CHECK(db::bulk_upsert(tx, columns, chunks, {{"m1", "0", "hello", "h1", "b"}}, p.id, p.account_scope_id).touched() == 0);
  CHECK(tx.exec1("SELECT embedding_status FROM rag_chunks")[0].as<std::string>() == "ready");
  auto changed = db::bulk_upsert(tx, columns, chunks, {{"m1", "0", "hello again", "h2", "a"}}, p.id, p.account_scope_id);
  CHECK(changed.updated == 1);
  auto row = tx.exec1("SELECT embedding_status, embedding IS NULL, text FROM rag_chunks");
  CHECK(row[0].as<std::string>() == "pending");
  CHECK(row[1].as<bool>());
  CHECK(row[2].as<std::string>() == "hello again");
}

TEST_CASE("pg_text_array quotes and escapes, and no value can break its framing") {
  CHECK(db::pg_text_array({}) == "{}");
  CHECK(db::pg_text_array({"a", "b c", "q\"uote", "back\\slash"}) == R"({"a","b c","q\"uote","back\\slash"})");
  CHECK(db::pg_text_array({std::string("nul\0inside", 11), "bad \xFF byte", "}\",\"{"}) ==
        "{\"nulinside\",\"bad \xEF\xBF\xBD byte\",\"}\\\",\\\"{\"}");
  CHECK(db::jsonb_text({{std::string("k\0ey", 4), std::string("v\0al", 4)}, {"ok", 1}}) == R"({"key":"val","ok":1})");
  CHECK(db::jsonb_text("bad \xFF") == "\"bad \xEF\xBF\xBD\"");
}

TEST_CASE("bulk_upsert stores NUL-laden and malformed text, and a row PostgreSQL refuses is left out alone") {
  pqxx::connection conn(test::fresh_database());
  auto p = projects::create(conn, {"Hostile", std::nullopt, std::nullopt});
  db::TableColumns columns;
  {
    pqxx::work tx(conn);
    // A constraint some rows break, as bad upstream data breaks a real one.
    tx.exec("ALTER TABLE cw_messages ADD CONSTRAINT no_poison CHECK (content NOT LIKE '%POISON%')");
    tx.commit();
  }
  std::vector<db::Row> rows;
  for (int i = 0; i < 40; ++i) rows.push_back(message("m" + std::to_string(i), "message " + std::to_string(i)));
  rows[3] = message("m3", std::string("before\0after", 12));
  rows[4] = message("m4", "malformed \xC3\x28 UTF-8");
  rows[17] = message("m17", "POISON private text of customer 17");
  rows[31] = message("m31", "POISON private text of customer 31");
  pqxx::work tx(conn);
  auto count = db::bulk_upsert(tx, columns, kMessages, rows, p.id, p.account_scope_id);
  tx.commit();
  CHECK(count.inserted == 38);
  REQUIRE(count.refused.size() == 2);
  CHECK(count.refused[0].key == "m17");
  CHECK(count.refused[0].sqlstate == "23514");
  CHECK(count.refused[1].key == "m31");
  pqxx::nontransaction read(conn);
  CHECK(read.exec1("SELECT content FROM cw_messages WHERE id = 'm3'")[0].as<std::string>() == "beforeafter");
  CHECK(read.exec1("SELECT content FROM cw_messages WHERE id = 'm4'")[0].as<std::string>() ==
        "malformed \xEF\xBF\xBD( UTF-8");
  CHECK(read.exec1("SELECT count(*) FROM cw_messages WHERE content LIKE '%POISON%'")[0].as<int>() == 0);
}

TEST_CASE("a failure that is not the rows' data names the table and the SQLSTATE, never a value") {
  pqxx::connection conn(test::fresh_database());
  auto p = projects::create(conn, {"Faults", std::nullopt, std::nullopt});
  db::TableColumns columns;
  {
    pqxx::work tx(conn);
    tx.exec("CREATE FUNCTION refuse_all() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'refusing %', NEW.content USING ERRCODE = 'P0001'; END $$");
    tx.exec("CREATE TRIGGER refuse BEFORE INSERT ON cw_messages FOR EACH ROW EXECUTE FUNCTION refuse_all()");
    tx.commit();
  }
  pqxx::work tx(conn);
  try {
    db::bulk_upsert(tx, columns, kMessages, {message("m1", "secret customer text")}, p.id, p.account_scope_id);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "writing cw_messages failed (SQLSTATE P0001)");
    CHECK(e.error_class() == ErrorClass::internal);
  }
}
