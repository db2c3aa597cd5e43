// Embeddings and LightRAG end to end: labctl-sandbox data synced into a real database, the
// embedding queue, the vector index, hybrid queries through the CLI and `serve`.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "labctl/core/ids.hpp"
#include "labctl/core/iso_time.hpp"
#include "labctl/domains/rag/chunk_search.hpp"
#include "labctl/domains/rag/local_embedding.hpp"
#include "support/sync_fixture.hpp"

using namespace labctl;
using json = nlohmann::json;

namespace {

struct RagFixture : test::SyncFixture {
  RagFixture() {
    env["EMBEDDING_PROVIDERS"] = "local";
    sync("chatwoot", p1);
  }
  json run_json(const std::vector<std::string>& args, int expected_exit = 0) {
    auto r = labctl(args);
    INFO(r.err);
    REQUIRE(r.exit_code == expected_exit);
    return expected_exit == 0 ? test::parse(r) : json();
  }
  json embed(const test::Project& p, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"embeddings", "run", "--project", p.id, "--output", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_json(args);
  }
  json query(const test::Project& p, const std::string& text, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"lightrag", "query", text, "--project", p.id, "--output", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_json(args);
  }
  long long chunks(const test::Project& p, const std::string& status) {
    return db.count("SELECT count(*) FROM rag_chunks WHERE project_id = '" + p.id + "' AND embedding_status = '" +
                    status + "'");
  }
};

}  // namespace

TEST_CASE("embeddings run: every chunk becomes ready with its model and dimension; a rerun is idle") {
  RagFixture f;
  long long total = f.chunks(f.p1, "pending");
  REQUIRE(total > 100);
  json run = f.embed(f.p1);
  CHECK(run["processed"] == total);
  CHECK(run["failed"] == 0);
  CHECK(run["status"] == "ok");
  CHECK(run["providers"]["local"] == total);
  // The index holds each distinct text once (chat data repeats itself: "Thanks!", templates).
  long long texts = f.db.count("SELECT count(DISTINCT text) FROM rag_chunks WHERE project_id = '" + f.p1.id + "'");
  CHECK(texts < total);
  CHECK(run["indexed"]["labctl-local-hash-v1"] == texts);
  CHECK(f.chunks(f.p1, "ready") == total);
  CHECK(f.db.count("SELECT count(*) FROM rag_chunks WHERE embedding_model = 'labctl-local-hash-v1' "
                   "AND embedding_dim = 384 AND array_length(embedding, 1) = 384 AND embedding_attempts = 1 "
                   "AND last_embedded_at IS NOT NULL AND embedding_error IS NULL") == total);
  CHECK(f.db.count("SELECT sum(inputs) FROM provider_usage WHERE provider = 'local' AND operation = 'embed_chunks'") ==
        total);
  json again = f.embed(f.p1);
  CHECK(again["status"] == "idle");
  CHECK(again["processed"] == 0);

  json status = f.run_json({"lightrag", "status", "--project", f.p1.id, "--output", "json"});
  CHECK(status["embeddings"] == json{{"pending", 0}, {"processing", 0}, {"ready", total}, {"failed", 0}});
  CHECK(status["sources"]["messages_total"].get<long long>() > 0);
}

TEST_CASE("embeddings run --limit stops after that many chunks") {
  RagFixture f;
  json run = f.embed(f.p1, {"--limit", "150"});
  CHECK(run["processed"] == 150);
  CHECK(run["batches"] == 2);
  CHECK(f.chunks(f.p1, "ready") == 150);
}

TEST_CASE("two concurrent runs embed each chunk exactly once") {
  RagFixture f;
  long long total = f.chunks(f.p1, "pending");
  auto env = f.env;
  env["EMBED_BATCH_SIZE"] = "20";
  std::vector<std::thread> runs;
  std::vector<test::Run> results(2);
  for (int i = 0; i < 2; ++i)
    runs.emplace_back([&, i] { results[i] = test::labctl({"embeddings", "run", "--project", f.p1.id, "--output", "json"}, env); });
  for (auto& t : runs) t.join();
  long long processed = 0;
  for (const auto& r : results) {
    REQUIRE(r.exit_code == 0);
    processed += test::parse(r)["processed"].get<long long>();
  }
  CHECK(processed == total);
  CHECK(f.db.count("SELECT count(*) FROM rag_chunks WHERE embedding_status = 'ready' AND embedding_attempts = 1") ==
        total);
}

TEST_CASE("a run killed mid-batch leaves nothing stuck once the recovery window has passed") {
  RagFixture f;
  f.env["EMBEDDING_PROVIDERS"] = "openai";  // the sandbox's fake, slowed down so the kill lands mid-call
  f.env["EMBEDDING_DIM"] = "1536";
  f.sandbox.set_faults("openai.embeddings:every,delay_ms=30000");
  pid_t pid = test::start_labctl({"embeddings", "run", "--project", f.p1.id}, f.env);
  for (int i = 0; i < 200 && f.chunks(f.p1, "processing") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  kill(pid, SIGKILL);
  test::wait_exit(pid);
  long long stuck = f.chunks(f.p1, "processing");
  REQUIRE(stuck == 100);
  // One of them has used up its attempts: recovery fails it instead of retrying it forever.
  f.db.exec("UPDATE rag_chunks SET embedding_attempts = 5 WHERE id = (SELECT id FROM rag_chunks "
            "WHERE embedding_status = 'processing' ORDER BY id LIMIT 1)");
  f.sandbox.set_faults("");
  f.env["EMBEDDING_PROVIDERS"] = "local";

  // Inside the window nothing is taken from the (possibly live) run.
  json early = f.embed(f.p1);
  CHECK(early["recovered"] == 0);
  CHECK(early["still_processing"] == stuck);  // said, not hidden behind "ok"
  CHECK(f.chunks(f.p1, "processing") == stuck);

  f.db.exec("UPDATE rag_chunks SET updated_at = now() - interval '31 minutes' WHERE embedding_status = 'processing'");
  json late = f.embed(f.p1);
  CHECK(late["recovered"] == stuck - 1);
  CHECK(late["stale_failed"] == 1);
  CHECK(late["still_processing"] == 0);
  CHECK(f.chunks(f.p1, "processing") == 0);
  CHECK(f.chunks(f.p1, "pending") == 0);
  CHECK(f.db.count("SELECT count(*) FROM rag_chunks WHERE embedding_status = 'failed' "
                   "AND embedding_error = 'max_attempts_exceeded'") == 1);
}

TEST_CASE("a failing provider fails over to the next; the breaker opens; usage reports both providers") {
  RagFixture f;
  f.env["EMBEDDING_PROVIDERS"] = "openai,local";
  f.env["EMBEDDING_DIM"] = "1536";
  json first = f.embed(f.p1, {"--limit", "100"});
  CHECK(first["providers"]["openai"] == 100);
  // What a call cost is committed when it returns, before its vectors are written: a process
  // killed in between still has the call on its bill.
  CHECK(f.db.count("SELECT count(*) FROM provider_usage u WHERE u.provider = 'openai' AND u.created_at < "
                   "(SELECT min(last_embedded_at) FROM rag_chunks WHERE embedding_status = 'ready')") == 1);
  f.sandbox.set_faults("openai.embeddings:every,status=503");
  json second = f.embed(f.p1);
  CHECK(second["status"] == "ok");
  CHECK(second["providers"]["local"] == second["processed"]);
  CHECK(f.chunks(f.p1, "pending") == 0);
  CHECK(f.db.count("SELECT count(*) FROM rag_chunks WHERE embedding_model = 'text-embedding-3-small' "
                   "AND embedding_dim = 1536") == 100);
  // 5 failed attempts open the breaker: later batches never reach the fake.
  auto failing = f.sandbox.requests("openai.embeddings").size();
  CHECK(failing < 100 + 10);

  json usage = f.run_json({"usage", "--group-by", "provider", "--output", "json"});
  std::set<std::string> providers;
  for (const auto& r : usage["rows"]) providers.insert(r["provider"].get<std::string>());
  CHECK(providers == std::set<std::string>{"local", "openai"});
  for (const auto& r : usage["rows"])
    if (r["provider"] == "openai") CHECK(r["cost_usd"].get<double>() > 0);

  // Both models are searched; the openai query embedding fails (warning), local hits remain.
  json q = f.query(f.p1, "invoice payment received");
  CHECK(q["chunks"].size() == 10);
  CHECK(q.contains("warnings"));
}

TEST_CASE("a poison input is failed after EMBED_MAX_ATTEMPTS counted attempts; the other rows keep flowing") {
  RagFixture f;
  f.env["EMBEDDING_PROVIDERS"] = "openai";
  f.env["EMBEDDING_DIM"] = "1536";
  f.env["EMBED_MAX_ATTEMPTS"] = "3";
  f.env["EMBED_BATCH_SIZE"] = "20";
  // The oldest chunk, so every claim takes it first; the fake rejects any request carrying it.
  std::string poison = f.db.text("SELECT id FROM rag_chunks WHERE project_id = '" + f.p1.id + "' ORDER BY id LIMIT 1");
  f.db.exec("UPDATE rag_chunks SET text = 'POISON ' || text, created_at = '2000-01-01' WHERE id = '" + poison + "'");
  f.sandbox.set_faults("openai.embeddings:match=POISON,every,status=400");
  json run = f.embed(f.p1);
  CHECK(run["status"] == "partial");
  CHECK(f.db.text("SELECT concat_ws('|', embedding_status, embedding_attempts, embedding_error LIKE "
                  "'max_attempts_exceeded: %400%') FROM rag_chunks WHERE id = '" + poison + "'") == "failed|3|t");
  CHECK(f.chunks(f.p1, "ready") == f.db.count("SELECT count(*) FROM rag_chunks WHERE project_id = '" + f.p1.id + "'") - 1);
  CHECK(f.chunks(f.p1, "pending") == 0);
  CHECK(f.embed(f.p1)["status"] == "idle");  // a failed row is not claimed again
}

TEST_CASE("429 waits for Retry-After; 5xx to the end leaves rows pending; budget-skipped rows keep their attempts") {
  RagFixture f;
  f.env["EMBEDDING_PROVIDERS"] = "openai";
  f.env["EMBEDDING_DIM"] = "1536";
  f.sandbox.set_faults("openai.embeddings:nth=1,status=429,retry_after=2");
  json first = f.embed(f.p1, {"--limit", "10"});
  CHECK(first["processed"] == 10);
  auto log = f.sandbox.requests("openai.embeddings");
  REQUIRE(log.size() == 2);
  CHECK(log[0]["status"] == 429);
  long long waited = parse_iso_ms(log[1]["time"].get<std::string>()).value() -
                     parse_iso_ms(log[0]["time"].get<std::string>()).value();
  CHECK(waited >= 1900);  // Retry-After: 2 (seconds)

  // Every attempt answers 503: the batch and each chunk alone fail (then the breaker opens);
  // the error is kept on the rows, and nothing is counted or lost.
  // The run fails as the upstream failure it is: exit 6, one line naming what happened.
  f.sandbox.set_faults("openai.embeddings:every,status=503");
  auto down = f.labctl({"embeddings", "run", "--limit", "10", "--project", f.p1.id});
  CHECK(down.exit_code == 6);
  CHECK(down.err.find("labctl: no embedding provider answered") != std::string::npos);
  CHECK(down.err.find("0 chunks embedded before, the rest stay pending") != std::string::npos);
  std::string pending = "SELECT count(*) FROM rag_chunks WHERE project_id = '" + f.p1.id +
                        "' AND embedding_status = 'pending' AND embedding_attempts = 0 AND ";
  CHECK(f.db.count(pending + "embedding_error LIKE '%503%'") >= 1);
  CHECK(f.db.count(pending + "(embedding_error LIKE '%503%' OR embedding_error LIKE 'circuit open%')") == 10);
  // As a job: 500 embeddings_job_failed, its job_runs row failed.
  {
    test::Server server(f.env);
    auto r = server.session(f.p1.id).Post("/jobs/embeddings/run", "", "application/json");
    REQUIRE(r);
    CHECK(r->status == 500);
    CHECK(json::parse(r->body)["error"] == "embeddings_job_failed");
    CHECK(f.db.text("SELECT status FROM job_runs WHERE job_name = 'embeddings_run' ORDER BY id DESC LIMIT 1") == "failed");
  }

  // A token budget smaller than the batch: the rows after it return to pending, attempts unchanged.
  f.sandbox.set_faults("");
  f.env["OPENAI_TOKEN_BUDGET_PER_RUN"] = "1000";
  f.env["OPENAI_EMBED_MAX_INPUTS"] = "10";
  json partial = f.embed(f.p1, {"--limit", "100"});
  long long done = partial["processed"];
  CHECK(done > 0);
  CHECK(done < 100);
  CHECK(f.db.count("SELECT count(*) FROM rag_chunks WHERE project_id = '" + f.p1.id + "' AND embedding_status = "
                   "'pending' AND embedding_attempts = 0 AND embedding_error = 'token_budget_exhausted_will_retry'") ==
        100 - done);
}

TEST_CASE("lightrag query: hybrid evidence, ranking, the answer, and one run row per query") {
  RagFixture f;
  f.embed(f.p1);
  json q = f.query(f.p1, "invoice payment", {"-k", "5", "-l", "3"});
  REQUIRE(q["chunks"].size() == 5);
  CHECK(q["topK"] == 5);
  CHECK(q["embedding_model"] == "labctl-local-hash-v1");
  CHECK(q["search_config"] == json{{"ivfflat_probes", 10}, {"hnsw_ef_search", 400}});
  CHECK(q["entities"]["messages"].size() == 3);
  double previous = -1;
  for (const auto& c : q["chunks"]) {
    CHECK(c["distance"].get<double>() >= previous);
    previous = c["distance"].get<double>();
  }
  const auto& ev = q["evidence"];
  CHECK(q["ranking_stats"]["count"] == ev.size());
  for (size_t i = 1; i < ev.size(); ++i) CHECK(ev[i - 1]["_score"].get<double>() >= ev[i]["_score"].get<double>());
  CHECK(q["answer"].get<std::string>().starts_with("Запрос: \"invoice payment\". Найдено chunk-фрагментов: 5."));

  std::string id = q["query_run_id"];
  CHECK(f.db.count("SELECT count(*) FROM lightrag_query_runs") == 1);
  CHECK(f.db.text("SELECT concat_ws('|', chunk_hits, source_hits, jsonb_array_length(evidence), answer) "
                  "FROM lightrag_query_runs WHERE id = " + id) ==
        "5|" + std::to_string(q["stats"]["messages"].get<int>() + q["stats"]["issues"].get<int>() +
                              q["stats"]["opportunities"].get<int>()) +
            "|" + std::to_string(ev.size()) + "|" + q["answer"].get<std::string>());
  CHECK(f.db.count("SELECT count(*) FROM search_analytics WHERE event_type = 'search'") == 1);

  // Source filter: messages only → no chunks, no model, no search config.
  json m = f.query(f.p1, "invoice", {"--source", "MESSAGES"});
  CHECK(m["chunks"].empty());
  CHECK(m["embedding_model"].is_null());
  CHECK(m["search_config"].is_null());
  CHECK(m["stats"]["messages"].get<int>() > 0);

  // Feedback: -1/0/1 accepted; an unknown run is not found.
  json fb = f.run_json({"lightrag", "feedback", id, "--rating", "-1", "--project", f.p1.id, "--output", "json"});
  CHECK(fb["query_run_id"] == id);
  CHECK(fb["rating"] == -1);
  CHECK(fb["comment"].is_null());
  f.run_json({"lightrag", "feedback", "999999", "--rating", "1", "--project", f.p1.id}, 3);
  f.run_json({"lightrag", "feedback", id, "--rating", "2", "--project", f.p1.id}, 2);
}

TEST_CASE("the index file: queries read it, any damage is rebuilt, a deleted chunk never comes back") {
  RagFixture f;
  auto dir = test::temp_dir("rag-index");
  f.env["LABCTL_INDEX_DIR"] = dir.string();
  f.env["LABCTL_EXACT_SEARCH_MAX"] = "10";  // the hnsw path, not the exact scan of a small scope
  f.embed(f.p1);
  std::vector<std::filesystem::path> metas;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".meta") metas.push_back(e.path());
  REQUIRE(metas.size() == 1);
  // The body file the meta file names (it changes with every save).
  auto body = [&] {
    std::ifstream in(metas.front());
    return dir / json::parse(in)["file"].get<std::string>();
  };
  const auto size = std::filesystem::file_size(body());
  auto chunk_ids = [&](const json& q) {
    std::vector<std::string> ids;
    for (const auto& c : q["chunks"]) ids.push_back(c["id"]);
    return ids;
  };
  json first = f.query(f.p1, "invoice payment", {"-k", "5", "--source", "chunks"});
  REQUIRE(first["chunks"].size() == 5);
  CHECK(chunk_ids(f.query(f.p1, "invoice payment", {"-k", "5", "--source", "chunks"})) == chunk_ids(first));

  auto query_rebuilds = [&] {
    auto rebuilt = f.labctl({"lightrag", "query", "invoice payment", "-k", "5", "--source", "chunks", "--project",
                             f.p1.id, "--output", "json"});
    REQUIRE(rebuilt.exit_code == 0);
    CHECK(rebuilt.err.find("rebuilding vector index") != std::string::npos);
    CHECK(chunk_ids(test::parse(rebuilt)) == chunk_ids(first));
    CHECK(std::filesystem::file_size(body()) == size);
  };
  std::filesystem::resize_file(body(), size / 2);  // torn
  query_rebuilds();
  {
    // A few 4-byte words flipped in the middle of the body, its header intact (this crashed
    // hnswlib's search before the file had a checksum).
    std::fstream io(body(), std::ios::in | std::ios::out | std::ios::binary);
    for (size_t at : {size / 3, size / 2, size * 2 / 3}) {
      io.seekp(std::streamoff(at));
      std::uint32_t word = 0xdeadbeef;
      io.write(reinterpret_cast<const char*>(&word), sizeof word);
    }
  }
  query_rebuilds();
  {
    std::ofstream(metas.front(), std::ios::trunc) << "{\"format\": 2, \"file\": 17";  // a damaged meta file
  }
  query_rebuilds();
  // serve loads a damaged file too, and answers.
  std::filesystem::resize_file(body(), size - 1);
  {
    test::Server server(f.env);
    auto r = server.session(f.p1.id).Post("/lightrag/query", R"({"query":"invoice payment","topK":5,"sourceFilter":["chunks"]})",
                                  "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(chunk_ids(json::parse(r->body)) == chunk_ids(first));
  }

  std::string gone = first["chunks"][0]["id"];
  f.db.exec("DELETE FROM rag_chunks WHERE id = '" + gone + "'");
  json after = f.query(f.p1, "invoice payment", {"-k", "5", "--source", "chunks"});
  REQUIRE(after["chunks"].size() == 5);
  for (const auto& id : chunk_ids(after)) CHECK(id != gone);
  CHECK(after["chunks"][0]["id"] == first["chunks"][1]["id"]);
}

TEST_CASE("chunks with the same text share one index entry until the last of them is gone") {
  RagFixture f;
  auto dir = test::temp_dir("rag-index-keys");
  f.env["LABCTL_INDEX_DIR"] = dir.string();
  f.env["LABCTL_EXACT_SEARCH_MAX"] = "10";  // the hnsw path
  // A file of the per-chunk-label era (before migration 0013) goes when its successor is built.
  auto legacy = dir / (f.p1.id + "-" +
                       sha256_hex(f.p1.id + "|" + f.p1.scope + "|labctl-local-hash-v1|384").substr(0, 16) + ".hnsw");
  std::ofstream(legacy) << "stale";
  std::ofstream(legacy.string() + ".meta") << "{}";
  f.embed(f.p1);
  CHECK_FALSE(std::filesystem::exists(legacy));
  CHECK_FALSE(std::filesystem::exists(legacy.string() + ".meta"));
  std::string scope = "project_id = '" + f.p1.id + "'";
  const std::string text = "Quartz zebras juggle seventeen harmonicas before breakfast.";
  auto retext = [&](const std::string& where, const std::string& new_text) {
    f.db.exec("UPDATE rag_chunks SET text = '" + new_text + "', embedding = NULL, embedding_status = 'pending' WHERE " +
              scope + " AND " + where);
  };
  auto ids_with_text = [&] {
    std::vector<std::string> ids;
    std::string where = " FROM rag_chunks WHERE " + scope + " AND text = '" + text + "'";
    for (long long i = 0, n = f.db.count("SELECT count(*)" + where); i < n; ++i)
      ids.push_back(f.db.text("SELECT id" + where + " ORDER BY id OFFSET " + std::to_string(i) + " LIMIT 1"));
    return ids;
  };
  auto hits_with_text = [&] {
    std::vector<std::string> ids;
    json q = f.query(f.p1, text, {"-k", "10", "--source", "chunks"});
    for (const auto& c : q["chunks"])
      if (c["text"] == text) ids.push_back(c["id"]);
    return ids;
  };
  retext("id IN (SELECT id FROM rag_chunks WHERE " + scope + " ORDER BY id LIMIT 3)", text);
  json run = f.embed(f.p1);
  CHECK(run["processed"] == 3);
  const long long indexed = run["indexed"]["labctl-local-hash-v1"];
  auto sharing = ids_with_text();
  REQUIRE(sharing.size() == 3);
  CHECK(hits_with_text() == sharing);  // every chunk of the text, at the same distance, by id

  // One deleted: the others keep the entry.
  f.db.exec("DELETE FROM rag_chunks WHERE id = '" + sharing[0] + "'");
  sharing.erase(sharing.begin());
  CHECK(hits_with_text() == sharing);
  CHECK(f.embed(f.p1)["indexed"]["labctl-local-hash-v1"] == indexed);

  // One more deleted and the last edited: the entry goes, and the new text is indexed once embedded.
  f.db.exec("DELETE FROM rag_chunks WHERE id = '" + sharing[0] + "'");
  retext("id = '" + sharing[1] + "'", "An edited message that nobody wrote before.");
  CHECK(ids_with_text().empty());
  CHECK(hits_with_text().empty());
  json rerun = f.embed(f.p1);
  CHECK(rerun["processed"] == 1);
  CHECK(rerun["indexed"]["labctl-local-hash-v1"] == indexed);  // the old text out, the new one in
}

TEST_CASE("a hit whose chunks are gone since the index caught up does not cut the next hit short") {
  RagFixture f;
  f.embed(f.p1);
  std::string scope = "project_id = '" + f.p1.id + "'";
  const std::string a = "Quartz zebras juggle seventeen harmonicas before breakfast.";
  const std::string b = "Quartz zebras juggle seventeen harmonicas before breakfast again.";
  auto retext = [&](const std::string& text, const std::string& offset, int n) {
    f.db.exec("UPDATE rag_chunks SET text = '" + text + "', embedding = NULL, embedding_status = 'pending' WHERE id IN "
              "(SELECT id FROM rag_chunks WHERE " + scope + " ORDER BY id OFFSET " + offset + " LIMIT " +
              std::to_string(n) + ")");
  };
  retext(a, "0", 3);
  retext(b, "3", 6);
  f.embed(f.p1);

  // An index that is not refreshed for an hour, like serve's between polls.
  auto dir = test::temp_dir("rag-index-stale");
  rag::ChunkIndexes indexes(dir, 100, std::chrono::hours(1), std::chrono::hours(1));
  std::vector<std::unique_ptr<rag::EmbeddingProvider>> local;
  local.push_back(std::make_unique<rag::LocalEmbeddings>(rag::kLocalEmbeddingDimension));
  rag::ProviderChain providers(std::move(local));
  pqxx::connection conn(f.env.at("DATABASE_URL"));
  rag::ChunkQuery q{.project_id = f.p1.id, .account_scope_id = f.p1.scope, .text = a, .top_k = 5};
  auto texts = [](const rag::ChunkSearchResult& r) {
    std::vector<std::string> out;
    for (const auto& c : r.chunks) out.push_back(c["text"]);
    return out;
  };
  auto first = rag::search_chunks(conn, providers, indexes, q);
  CHECK(texts(first) == std::vector<std::string>{a, a, a, b, b});

  // a's chunks go; the stale index still answers a first, which now has no chunks: b must fill all five.
  f.db.exec("DELETE FROM rag_chunks WHERE " + scope + " AND text = '" + a + "'");
  auto after = rag::search_chunks(conn, providers, indexes, q);
  CHECK(texts(after) == std::vector<std::string>(5, b));
  std::vector<std::string> ids;
  for (const auto& c : after.chunks) ids.push_back(c["id"]);
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(ids.front() == f.db.text("SELECT min(id::text) FROM rag_chunks WHERE " + scope + " AND text = '" + b + "'"));
}

TEST_CASE("keyword search: issue and deal rows carry their fields, typed, as the reference shapes them") {
  RagFixture f;
  f.sync("linear", f.p1);
  f.sync("attio", f.p1);
  std::string scope = "project_id = '" + f.p1.id + "'";
  std::string issue = f.db.text("SELECT id FROM linear_issues_raw WHERE " + scope + " ORDER BY updated_at DESC, id LIMIT 1");
  std::string deal = f.db.text("SELECT id FROM attio_opportunities_raw WHERE " + scope +
                               " AND title IS NOT NULL ORDER BY updated_at DESC, id LIMIT 1");
  REQUIRE_FALSE(issue.empty());
  REQUIRE_FALSE(deal.empty());
  auto find = [](const json& rows, const std::string& id) {
    for (const auto& r : rows)
      if (r["id"] == id) return r;
    return json();
  };

  json qi = f.query(f.p1, f.db.text("SELECT title FROM linear_issues_raw WHERE id = '" + issue + "'"),
                    {"--source", "issues", "-l", "25"});
  json i = find(qi["entities"]["issues"], issue);
  REQUIRE(i.is_object());
  CHECK(i.size() == 9);
  CHECK(i["external_id"] == f.db.text("SELECT external_id FROM linear_issues_raw WHERE id = '" + issue + "'"));
  CHECK(i["title"].is_string());
  CHECK((i["priority"].is_null() || i["priority"].is_number_integer()));
  CHECK(i["updated_at"].get<std::string>().ends_with("Z"));

  json qd = f.query(f.p1, f.db.text("SELECT title FROM attio_opportunities_raw WHERE id = '" + deal + "'"),
                    {"--source", "deals", "-l", "25"});
  json d = find(qd["entities"]["opportunities"], deal);
  REQUIRE(d.is_object());
  CHECK(d.size() == 10);
  CHECK(d["amount"].get<double>() ==
        std::stod(f.db.text("SELECT amount::float8 FROM attio_opportunities_raw WHERE id = '" + deal + "'")));
  CHECK(d["probability"].is_number());
  CHECK(d["stage"] == f.db.text("SELECT stage FROM attio_opportunities_raw WHERE id = '" + deal + "'"));
  CHECK(qd["entities"]["issues"].empty());
  CHECK(qd["entities"]["messages"].empty());
}

TEST_CASE("lightrag query: no other project's rows, ever, and its runs cannot be rated") {
  RagFixture f;
  auto p2 = f.create_project("Baltika", 1);
  f.sync("chatwoot", p2);
  f.embed(f.p1);
  f.embed(p2);
  // The tenants share phrase templates, so both projects have rows matching these queries.
  for (const std::string text : {"invoice payment", "счёт оплата", "договор"}) {
    CAPTURE(text);
    json q1 = f.query(f.p1, text, {"-k", "50", "-l", "25"});
    json q2 = f.query(p2, text, {"-k", "50", "-l", "25"});
    REQUIRE(q1["evidence"].size() > 0);
    REQUIRE(q2["evidence"].size() > 0);
    for (const auto& e : q1["evidence"]) {
      std::string pk = e["source_pk"];
      if (e["source_type"] == "rag_chunk")
        CHECK(f.db.text("SELECT project_id FROM rag_chunks WHERE id = '" + pk + "'") == f.p1.id);
      else if (e["source_type"] == "chatwoot_message")
        CHECK(f.db.text("SELECT project_id FROM cw_messages WHERE id = '" + pk + "'") == f.p1.id);
    }
    for (const auto& e : q2["evidence"])
      if (e["source_type"] == "rag_chunk")
        CHECK(f.db.text("SELECT project_id FROM rag_chunks WHERE id = '" + e["source_pk"].get<std::string>() + "'") ==
              p2.id);
  }
  json status = f.run_json({"lightrag", "status", "--project", f.p1.id, "--output", "json"});
  CHECK(status["embeddings"]["ready"] == f.chunks(f.p1, "ready"));
  json q2 = f.query(p2, "invoice");
  f.run_json({"lightrag", "feedback", q2["query_run_id"], "--rating", "1", "--project", f.p1.id}, 3);
  CHECK(f.db.count("SELECT count(*) FROM lightrag_feedback") == 0);
}

TEST_CASE("keyword search: literal LIKE metacharacters, Cyrillic case, the date window") {
  RagFixture f;
  std::string p = "'" + f.p1.id + "'";
  auto message = [&](const std::string& id, const std::string& content, const std::string& at) {
    f.db.exec("INSERT INTO cw_messages (id, account_id, message_id, conversation_id, content, data, created_at, "
              "project_id) VALUES ('t-" + id + "', 1, " + id + ", 1, '" + content + "', '{}', '" + at + "', " + p + ")");
  };
  message("1", "zz hello_world zz", "2026-01-15T10:00:00Z");
  message("2", "zz helloXworld zz", "2026-01-15T10:00:00Z");
  message("3", "скидка 100% на ПРЕМИУМ", "2026-01-31T23:59:00Z");
  message("4", "премиум без скидки", "2026-02-01T00:00:00Z");
  auto ids = [&](const std::string& text, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--source", "messages", "-l", "25"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::set<std::string> out;
    json q = f.query(f.p1, text, args);
    for (const auto& m : q["entities"]["messages"])
      if (m["id"].get<std::string>().starts_with("t-")) out.insert(m["id"]);
    return out;
  };
  CHECK(ids("hello_world") == std::set<std::string>{"t-1"});
  CHECK(ids("премиум", {"--from", "2026-01-01"}) == std::set<std::string>{"t-3", "t-4"});
  CHECK(ids("ПРЕМИУМ", {"--from", "2026-01-01", "--to", "2026-01-31"}) == std::set<std::string>{"t-3"});
  for (const std::string meta : {"%", "_", "%_", "\\"}) {
    CAPTURE(meta);
    json q = f.query(f.p1, meta, {"--source", "messages"});
    CHECK(q["entities"]["messages"].empty());
  }
  f.run_json({"lightrag", "query", "x", "--from", "2026-02-02", "--to", "2026-02-01", "--project", f.p1.id}, 2);
  f.run_json({"lightrag", "query", "x", "--from", "2026-02-30", "--project", f.p1.id}, 2);
  f.run_json({"usage", "--since", "2026-02-30"}, 2);
  f.run_json({"lightrag", "query", "   ", "--project", f.p1.id}, 2);
  f.run_json({"lightrag", "query", "x", "-k", "51", "--project", f.p1.id}, 2);
  CHECK(f.db.count("SELECT count(*) FROM lightrag_query_runs WHERE query_text = 'x'") == 0);
}

TEST_CASE("serve: /lightrag/* and /search validate like the chapter, cache answers, never 500") {
  RagFixture f;
  f.embed(f.p1);
  test::Server server(f.env);
  auto client = server.session(f.p1.id);
  auto post = [&](const std::string& path, const std::string& body) {
    auto r = client.Post(path.c_str(), body, "application/json");
    REQUIRE(r);
    return std::pair{r->status, json::parse(r->body, nullptr, false)};
  };
  auto runs = [&] { return f.db.count("SELECT count(*) FROM lightrag_query_runs"); };

  for (const std::string bad : {R"({"query":""})", R"({"query":"   "})", R"({"query":"x","topK":0})",
                                R"({"query":"x","topK":51})", R"({"query":"x","topK":2.5})",
                                R"({"query":"x","topK":"abc"})", R"({"query":"x","topK":null})",
                                R"({"query":"x","sourceLimit":0})", R"({"query":"x","sourceLimit":26})",
                                R"({"query":"x","date_from":"2026-13-01"})", R"({"query":"x\u0000y"})",
                                "{\"query\":\"\xff\xfe\"}", R"({"query":"x","sourceFilter":7})"}) {
    CAPTURE(bad);
    auto [status, body] = post("/lightrag/query", bad);
    CHECK(status == 400);
    CHECK(body["ok"] == false);
  }
  CHECK(post("/lightrag/query", json{{"query", std::string(4001, 'a')}}.dump()).first == 400);
  auto [malformed_status, malformed] = post("/lightrag/query", R"({"query": "unterminated)");  // §8 scenario 13
  CHECK(malformed_status == 400);
  CHECK(malformed["error"] == "invalid_json");
  auto [range_status, range] = post("/lightrag/query", R"({"query":"x","date_from":"2026-02-02","date_to":"2026-02-01"})");
  CHECK(range_status == 400);
  CHECK(range["error"] == "invalid_date_range");
  auto [empty_status, empty] = post("/lightrag/query", R"({"query":""})");
  CHECK(empty["details"][0]["path"] == "query");
  CHECK(runs() == 0);

  std::string cyrillic;
  for (int i = 0; i < 4000; ++i) cyrillic += "я";
  CHECK(post("/lightrag/query", json{{"query", cyrillic}}.dump()).first == 200);
  auto [seven_status, seven] = post("/lightrag/query", R"({"query":"invoice","topK":"7","date_from":1767225600000})");
  CHECK(seven_status == 200);
  CHECK(seven["topK"] == 7);
  CHECK(seven["chunks"].size() <= 7);

  // The cache: the same request is answered from memory, a different sourceLimit is not.
  auto [s1, a1] = post("/lightrag/query", R"({"query":"invoice payment"})");
  auto [s2, a2] = post("/lightrag/query", R"({"query":"invoice payment"})");
  REQUIRE(s1 == 200);
  CHECK_FALSE(a1.contains("cached"));
  CHECK(a2["cached"] == true);
  CHECK(a2["query_run_id"] == a1["query_run_id"]);
  auto [s3, a3] = post("/lightrag/query", R"({"query":"invoice payment","sourceLimit":3})");
  CHECK_FALSE(a3.contains("cached"));
  long long before = runs();
  CHECK(post("/jobs/embeddings/run", "{}").first == 200);
  auto [s4, a4] = post("/lightrag/query", R"({"query":"invoice payment"})");
  CHECK_FALSE(a4.contains("cached"));
  CHECK(runs() == before + 1);

  // Source filters.
  auto [none_status, none] = post("/lightrag/query", R"({"query":"invoice","sourceFilter":[]})");
  CHECK(none["evidence"].empty());
  CHECK(none["quality_score"] == 0);
  CHECK(none["query_run_id"].is_string());
  auto [deals_status, deals] = post("/lightrag/query", R"({"query":"договор","sourceFilter":["DEALS"]})");
  CHECK(deals["chunks"].empty());
  CHECK(deals["entities"]["messages"].empty());

  // Legacy /search: every source, results = chunks, no ranking.
  auto [legacy_status, legacy] = post("/search", R"({"query":"invoice payment"})");
  CHECK(legacy_status == 200);
  CHECK(legacy["mode"] == "lightrag");
  CHECK(legacy["results"] == legacy["chunks"]);
  CHECK_FALSE(legacy.contains("ranking_stats"));
  for (const auto& e : legacy["evidence"]) CHECK_FALSE(e.contains("_score"));

  // Feedback over HTTP: a string or a number id; bad ratings and long comments rejected.
  std::string run_id = a1["query_run_id"];
  auto [fb_status, fb] = post("/lightrag/feedback", json{{"query_run_id", run_id}, {"rating", 1}, {"comment", ""}}.dump());
  CHECK(fb_status == 200);
  CHECK(fb["comment"].is_null());
  CHECK(post("/lightrag/feedback", json{{"query_run_id", std::stoll(run_id)}, {"rating", "x"}}.dump()).first == 400);
  CHECK(post("/lightrag/feedback", json{{"query_run_id", run_id}, {"rating", 0}, {"comment", std::string(2001, 'c')}}.dump()).first == 400);
  CHECK(post("/lightrag/feedback", R"({"query_run_id":"123456789","rating":1})").first == 404);

  // Status and refresh.
  auto st = client.Get("/lightrag/status");
  REQUIRE(st);
  json status = json::parse(st->body);
  CHECK(status["embeddings"].size() == 4);
  CHECK(status["sources"].size() == 3);
  auto [refresh_status, refresh] = post("/lightrag/refresh", "{}");
  CHECK(refresh_status == 200);
  CHECK(refresh["result"]["embeddings"]["status"] == "idle");
  CHECK(f.db.count("SELECT count(*) FROM audit_events WHERE action = 'lightrag.refresh'") == 1);
  CHECK(server.stop() == 0);
}

TEST_CASE("serve: without an active project the RAG routes answer 409 and read nothing") {
  RagFixture f;
  // A pm assigned to no project: no project can be hydrated into its session.
  REQUIRE(test::labctl({"users", "create", "lonely", "--role", "pm", "--password-stdin"}, f.env, "lonely-password\n")
              .exit_code == 0);
  test::Server server(f.env);
  auto client = server.session(std::nullopt, "lonely", "lonely-password");
  auto r = client.Post("/lightrag/query", R"({"query":"invoice"})", "application/json");
  REQUIRE(r);
  CHECK(r->status == 409);
  CHECK(json::parse(r->body)["error"] == "active_project_required");
  CHECK(f.db.count("SELECT count(*) FROM lightrag_query_runs") == 0);
}
