#include "labctl/domains/rag/embedding_run.hpp"

#include <charconv>
#include <cmath>
#include <spdlog/spdlog.h>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/db/bulk_upsert.hpp"
#include "labctl/domains/rag/provider_usage.hpp"

namespace labctl::rag {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxErrorChars = 400;

struct Claimed {
  std::string id, text, text_hash;
  int attempts = 0;  // after the claim's +1
};

// What happens to one claimed row.
struct Outcome {
  enum Kind { ready, transient, permanent, budget } kind = transient;
  std::vector<float> vector;
  const EmbeddingProvider* provider = nullptr;
  std::string error;
};


bool usable(const std::vector<float>& v, size_t dimension) {
  if (v.size() != dimension) return false;
  double sum = 0;
  for (float x : v) sum += double(x) * x;
  return std::isfinite(sum) && sum > 0;
}

bool permanent(const std::exception& e) {
  auto* err = dynamic_cast<const Error*>(&e);
  return err && err->code() == "embedding_rejected";
}

std::string vector_literal(const std::vector<float>& v) {
  std::string out = "{";
  char buf[32];
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v[i]);
    out.append(buf, end);
  }
  out += '}';
  return out;
}

std::vector<Claimed> claim(pqxx::connection& conn, const std::string& project_id, const std::string& scope_id,
                           int limit) {
  pqxx::work tx(conn);
  auto rows = tx.exec_params(
      "WITH picked AS ("
      "  SELECT id FROM rag_chunks WHERE project_id = $1 AND account_scope_id = $2 AND embedding_status = 'pending'"
      "  ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) "
      "UPDATE rag_chunks c SET embedding_status = 'processing', embedding_attempts = c.embedding_attempts + 1, "
      "  updated_at = now() "
      "FROM picked WHERE c.id = picked.id "
      "RETURNING c.id::text, c.text, coalesce(c.text_hash, ''), c.embedding_attempts",
      project_id, scope_id, limit);
  tx.commit();
  std::vector<Claimed> out;
  for (const auto& r : rows)
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<int>()});
  return out;
}

// Writes every outcome and the scope's models in one transaction.
void write_outcomes(pqxx::connection& conn, const std::string& project_id, const std::string& scope_id,
                    const std::vector<Claimed>& rows, const std::vector<Outcome>& outcomes,
                    const EmbeddingRunSettings& settings) {
  std::vector<std::string> ids, statuses, vectors, dims, models, errors, deltas, hashes;
  std::map<std::pair<std::string, size_t>, bool> scope_models;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& o = outcomes[i];
    std::string status = "pending", error = o.error;
    int delta = 0;  // on top of the claim's +1
    switch (o.kind) {
      case Outcome::ready: status = "ready"; break;
      case Outcome::transient:
      case Outcome::budget: delta = -1; break;
      case Outcome::permanent:
        if (rows[i].attempts >= settings.max_attempts) {
          status = "failed";
          error = "max_attempts_exceeded: " + error;
        }
        break;
    }
    ids.push_back(rows[i].id);
    hashes.push_back(rows[i].text_hash);
    statuses.push_back(status);
    vectors.push_back(o.kind == Outcome::ready ? vector_literal(o.vector) : "");
    dims.push_back(std::to_string(o.kind == Outcome::ready ? o.vector.size() : 0));
    models.push_back(o.kind == Outcome::ready ? o.provider->model() : "");
    errors.push_back(utf8_prefix(error, kMaxErrorChars));
    deltas.push_back(std::to_string(delta));
    if (o.kind == Outcome::ready) scope_models[{o.provider->model(), o.vector.size()}] = true;
  }
  pqxx::work tx(conn);
  tx.exec_params(
      "UPDATE rag_chunks c SET embedding_status = u.status, "
      "  embedding = NULLIF(u.vec, '')::real[], "
      "  embedding_dim = CASE WHEN u.status = 'ready' THEN u.dim END, "
      "  embedding_model = CASE WHEN u.status = 'ready' THEN u.model ELSE c.embedding_model END, "
      "  embedding_error = NULLIF(u.error, ''), "
      "  embedding_attempts = greatest(0, c.embedding_attempts + u.delta), "
      "  last_embedded_at = CASE WHEN u.status = 'ready' THEN now() ELSE c.last_embedded_at END, "
      "  updated_at = now() "
      "FROM unnest($3::uuid[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::int[], $10::text[]) "
      "  AS u(id, status, vec, dim, model, error, delta, hash) "
      // A chunk whose text changed meanwhile went back to pending: its old vector is not written.
      "WHERE c.id = u.id AND c.project_id = $1 AND c.account_scope_id = $2 "
      "  AND c.embedding_status = 'processing' AND coalesce(c.text_hash, '') = u.hash",
      project_id, scope_id, db::pg_text_array(ids), db::pg_text_array(statuses), db::pg_text_array(vectors),
      db::pg_text_array(dims), db::pg_text_array(models), db::pg_text_array(errors), db::pg_text_array(deltas),
      db::pg_text_array(hashes));
  for (const auto& [key, _] : scope_models)
    tx.exec_params(
        "INSERT INTO rag_scope_models (project_id, account_scope_id, embedding_model, embedding_dim) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (project_id, account_scope_id, embedding_model, embedding_dim) "
        "DO UPDATE SET updated_at = now()",
        project_id, scope_id, key.first, static_cast<long long>(key.second));
  tx.commit();
}

// Every claimed row back to pending with its attempt given back, when the write itself failed.
void release(pqxx::connection& conn, const std::string& project_id, const std::string& scope_id,
             const std::vector<Claimed>& rows, const std::string& error) {
  std::vector<std::string> ids;
  for (const auto& r : rows) ids.push_back(r.id);
  pqxx::work tx(conn);
  tx.exec_params(
      "UPDATE rag_chunks SET embedding_status = 'pending', embedding_attempts = greatest(0, embedding_attempts - 1), "
      "  embedding_error = $4, updated_at = now() "
      "WHERE id = ANY($3::uuid[]) AND project_id = $1 AND account_scope_id = $2 AND embedding_status = 'processing'",
      project_id, scope_id, db::pg_text_array(ids), storable_text(utf8_prefix(error, kMaxErrorChars)));
  tx.commit();
}

// A provider call's usage, committed as soon as the call returns: what was spent stays
// recorded even if the process dies before the vectors are written.
void record_call(pqxx::connection& conn, const std::string& project_id, const std::string& scope_id,
                 const EmbeddingProvider* p, long long inputs, long long tokens, const EmbeddingRunSettings& settings) {
  pqxx::work tx(conn);
  record_usage(tx, project_id, scope_id, {p->name(), p->model(), "embed_chunks", inputs, tokens}, settings.prices);
  tx.commit();
}

}  // namespace

EmbeddingRunSettings embedding_run_settings(const Config& config) {
  return {.batch_size = config.get_int("rag.embed_batch_size"),
          .max_attempts = config.get_int("rag.embed_max_attempts"),
          .stale_minutes = config.get_int("rag.stale_recovery_minutes"),
          .prices = embedding_prices(config)};
}

json recover_stale(pqxx::connection& conn, const std::string& project_id, const std::string& account_scope_id,
                   const EmbeddingRunSettings& settings) {
  pqxx::work tx(conn);
  auto r = tx.exec_params(
      "WITH moved AS ("
      "  UPDATE rag_chunks SET "
      "    embedding_status = CASE WHEN embedding_attempts >= $3 THEN 'failed' ELSE 'pending' END, "
      "    embedding_error = CASE WHEN embedding_attempts >= $3 THEN 'max_attempts_exceeded' "
      "                           ELSE coalesce(embedding_error, 'recovered_from_stale_processing') END, "
      "    updated_at = now() "
      "  WHERE project_id = $1 AND account_scope_id = $2 AND embedding_status = 'processing' "
      "    AND updated_at < now() - make_interval(mins => $4) "
      "  RETURNING embedding_status) "
      "SELECT count(*) FILTER (WHERE embedding_status = 'pending'), count(*) FILTER (WHERE embedding_status = 'failed') "
      "FROM moved",
      project_id, account_scope_id, settings.max_attempts, settings.stale_minutes);
  tx.commit();
  return {{"recovered", r[0][0].as<long long>()}, {"failed", r[0][1].as<long long>()}};
}

json embed_batch(pqxx::connection& conn, const std::string& project_id, const std::string& account_scope_id,
                 ProviderChain& chain, const EmbeddingRunSettings& settings, int limit) {
  auto rows = claim(conn, project_id, account_scope_id, std::min(settings.batch_size, std::max(limit, 0)));
  if (rows.empty()) return {{"processed", 0}, {"failed", 0}, {"status", "idle"}};

  std::vector<std::string> texts;
  for (const auto& r : rows) texts.push_back(r.text);
  std::vector<Outcome> outcomes(rows.size());
  std::string status = "ok";
  long long tokens = 0;
  std::vector<std::string> failovers;
  const EmbeddingProvider* batch_provider = nullptr;
  auto take = [&](Outcome& o, std::vector<float>&& v, const EmbeddingProvider* p) {
    if (usable(v, p->dimension())) {
      o = {Outcome::ready, std::move(v), p, ""};
    } else {
      o = {Outcome::permanent, {}, p, "embedding_missing_from_provider"};
    }
  };
  try {
    auto result = chain.embed(texts);
    batch_provider = result.provider;
    failovers = result.failovers;
    auto& e = result.embeddings;
    tokens = e.total_tokens;
    record_call(conn, project_id, account_scope_id, result.provider,
                static_cast<long long>(std::min(e.vectors.size(), rows.size())), tokens, settings);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i < e.vectors.size())
        take(outcomes[i], std::move(e.vectors[i]), result.provider);
      else if (e.budget_exhausted)
        outcomes[i] = {Outcome::budget, {}, nullptr, "token_budget_exhausted_will_retry"};
      else
        outcomes[i] = {Outcome::permanent, {}, nullptr, "embedding_missing_from_provider"};
    }
  } catch (const std::exception& batch_error) {
    // Each text alone, so one bad input does not hold back the others.
    status = "partial";
    spdlog::warn("embedding batch of {} failed, embedding each chunk alone: {}", rows.size(), batch_error.what());
    for (size_t i = 0; i < rows.size(); ++i) {
      try {
        auto result = chain.embed({texts[i]});
        tokens += result.embeddings.total_tokens;
        record_call(conn, project_id, account_scope_id, result.provider, 1, result.embeddings.total_tokens, settings);
        if (result.embeddings.vectors.empty())
          outcomes[i] = {Outcome::permanent, {}, nullptr, "embedding_missing_from_provider"};
        else
          take(outcomes[i], std::move(result.embeddings.vectors[0]), result.provider);
      } catch (const std::exception& e) {
        outcomes[i] = {permanent(e) ? Outcome::permanent : Outcome::transient, {}, nullptr, e.what()};
      }
    }
  }
  try {
    write_outcomes(conn, project_id, account_scope_id, rows, outcomes, settings);
  } catch (const std::exception& e) {
    release(conn, project_id, account_scope_id, rows, e.what());
    throw;
  }
  long long processed = 0, failed = 0, unanswered = 0;
  std::map<std::string, long long> models;
  std::string provider_error;
  for (const auto& o : outcomes) {
    if (o.kind == Outcome::ready) {
      ++processed;
      ++models[o.provider->model()];
    } else if (o.kind != Outcome::budget) {
      ++failed;
    }
    if (o.kind == Outcome::transient) {
      ++unanswered;
      provider_error = o.error;
    }
  }
  // No provider answered for any row: an outage, not bad input (the rows stay pending).
  if (processed == 0 && unanswered == static_cast<long long>(rows.size())) status = "providers_failed";
  json out = {{"processed", processed}, {"failed", failed}, {"status", status}, {"totalTokens", tokens},
              {"claimed", rows.size()}, {"models", models}};
  if (batch_provider) {
    out["provider"] = batch_provider->name();
    out["model"] = batch_provider->model();
  }
  if (!failovers.empty()) out["failovers"] = failovers;
  if (status == "providers_failed") out["error"] = utf8_prefix(provider_error, kMaxErrorChars);
  return out;
}

json run_embeddings(pqxx::connection& conn, const std::string& project_id, const std::string& account_scope_id,
                    ProviderChain& chain, const EmbeddingRunSettings& settings, std::optional<long long> limit,
                    const std::function<void(const json&)>& on_batch) {
  json stale = recover_stale(conn, project_id, account_scope_id, settings);
  long long processed = 0, failed = 0, claimed = 0, batches = 0, tokens = 0;
  bool partial = false;
  json models = json::object(), providers = json::object();
  while (!limit || claimed < *limit) {
    long long room = limit ? *limit - claimed : settings.batch_size;
    json batch = embed_batch(conn, project_id, account_scope_id, chain, settings,
                             static_cast<int>(std::min<long long>(room, settings.batch_size)));
    if (batch["status"] == "idle") break;
    ++batches;
    claimed += batch["claimed"].get<long long>();
    processed += batch["processed"].get<long long>();
    failed += batch["failed"].get<long long>();
    tokens += batch["totalTokens"].get<long long>();
    partial = partial || batch["status"] == "partial";
    if (batch["status"] == "providers_failed")
      throw Error(ErrorClass::upstream_failed, "embedding_providers_failed",
                  "no embedding provider answered (" + batch.value("error", std::string()) + "); " +
                      std::to_string(processed) + " chunks embedded before, the rest stay pending",
                  json{{"processed", processed}, {"failed", failed}, {"batches", batches}});
    for (const auto& [model, n] : batch["models"].items()) models[model] = models.value(model, 0LL) + n.get<long long>();
    if (batch.contains("provider"))
      providers[batch["provider"].get<std::string>()] =
          providers.value(batch["provider"].get<std::string>(), 0LL) + batch["processed"].get<long long>();
    if (on_batch) on_batch(batch);
    if (batch["processed"].get<long long>() == 0) break;  // the provider is down: stop, retry next run
  }
  // Rows another run holds: one still working, or one that died (they are recovered once
  // rag.stale_recovery_minutes have passed since their claim).
  long long still_processing = 0;
  {
    pqxx::read_transaction tx(conn);
    still_processing = tx.exec_params1("SELECT count(*) FROM rag_chunks WHERE project_id = $1 AND account_scope_id = $2 "
                                       "AND embedding_status = 'processing'",
                                       project_id, account_scope_id)[0]
                           .as<long long>();
  }
  if (still_processing > 0)
    spdlog::warn("{} chunks are held by another embedding run, or by one that died: they are retried {} minutes after "
                 "their claim",
                 still_processing, settings.stale_minutes);
  return {{"processed", processed},
          {"failed", failed},
          {"still_processing", still_processing},
          {"batches", batches},
          {"status", batches == 0 ? "idle" : partial ? "partial" : "ok"},
          {"totalTokens", tokens},
          {"recovered", stale["recovered"]},
          {"stale_failed", stale["failed"]},
          {"models", models},
          {"providers", providers}};
}

}  // namespace labctl::rag
