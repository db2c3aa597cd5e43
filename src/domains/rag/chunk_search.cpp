#include "labctl/domains/rag/chunk_search.hpp"

#include <algorithm>
#include <unordered_set>

#include "labctl/core/error.hpp"
#include "labctl/db/bulk_upsert.hpp"
#include "labctl/db/sql_time.hpp"

namespace labctl::rag {
namespace {

using json = nlohmann::json;

// The keys (distinct texts) of the scope's ready chunks within the date window.
std::vector<std::int64_t> eligible_keys(pqxx::transaction_base& tx, const ChunkQuery& q, const IndexKey& key) {
  auto rows = tx.exec_params(
      "SELECT DISTINCT vector_key FROM rag_chunks "
      "WHERE project_id = $1 AND account_scope_id = $2 AND embedding_status = 'ready' "
      "  AND embedding_model = $3 AND embedding_dim = $4 AND embedding IS NOT NULL "
      "  AND ($5::timestamptz IS NULL OR coalesce(source_created_at, created_at) >= $5::timestamptz) "
      "  AND ($6::timestamptz IS NULL OR coalesce(source_created_at, created_at) < $6::timestamptz)",
      q.project_id, q.account_scope_id, key.model, static_cast<long long>(key.dimension), q.from, q.before);
  std::vector<std::int64_t> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(r[0].as<std::int64_t>());
  return out;
}

// The chunks behind `hits` that are still ready in scope (and in the window), nearest first: each
// hit is a distinct text, shared by chunks at the same distance (taken in id order). Only the first
// top_k rows matter, and each earlier hit normally has at least one chunk, so hit i is asked for
// top_k − i chunks; when an earlier hit had none and hit i may have been cut short, it is asked again
// for top_k.
json hydrate(pqxx::transaction_base& tx, const ChunkQuery& q, const IndexKey& key, const std::vector<Neighbor>& hits) {
  std::vector<std::int64_t> keys, limits;
  for (size_t i = 0; i < hits.size(); ++i) {
    keys.push_back(hits[i].id);
    limits.push_back(static_cast<std::int64_t>(i < q.top_k ? q.top_k - i : 0));
  }
  auto fetch = [&] {
    return tx.exec_params(
        "SELECT k.key, c.id::text, c.conversation_global_id, c.message_global_id, c.chunk_index, left(c.text, 500), " +
            db::iso_utc("c.created_at") + ", " + db::iso_utc("c.source_created_at") +
            " FROM unnest($1::bigint[], $8::bigint[]) AS k(key, lim) CROSS JOIN LATERAL ("
            "  SELECT * FROM rag_chunks WHERE vector_key = k.key AND project_id = $2 AND account_scope_id = $3 "
            "    AND embedding_status = 'ready' AND embedding_model = $4 AND embedding_dim = $5 "
            "    AND ($6::timestamptz IS NULL OR coalesce(source_created_at, created_at) >= $6::timestamptz) "
            "    AND ($7::timestamptz IS NULL OR coalesce(source_created_at, created_at) < $7::timestamptz) "
            "  ORDER BY id LIMIT k.lim) c",
        db::pg_bigint_array(keys), q.project_id, q.account_scope_id, key.model, static_cast<long long>(key.dimension), q.from,
        q.before, db::pg_bigint_array(limits));
  };
  std::unordered_map<std::int64_t, std::vector<json>> by_key;
  auto collect = [&](const pqxx::result& rows) {
    by_key.clear();
    for (const auto& r : rows) {
      auto opt = [&](int i) { return r[i].is_null() ? json() : json(r[i].as<std::string>()); };
      by_key[r[0].as<std::int64_t>()].push_back({{"id", r[1].as<std::string>()},
                                                 {"conversation_global_id", opt(2)},
                                                 {"message_global_id", opt(3)},
                                                 {"chunk_index", r[4].is_null() ? json() : json(r[4].as<int>())},
                                                 {"text", r[5].as<std::string>()},
                                                 {"created_at", opt(6)},
                                                 {"source_created_at", opt(7)},
                                                 {"embedding_model", key.model}});
    }
  };
  collect(fetch());
  size_t before = 0;  // rows of the hits before hit i
  for (size_t i = 0; i < hits.size() && before < q.top_k; ++i) {
    auto it = by_key.find(hits[i].id);
    size_t n = it == by_key.end() ? 0 : it->second.size();
    if (n == static_cast<size_t>(limits[i]) && n < q.top_k - before) {
      std::fill(limits.begin(), limits.end(), static_cast<std::int64_t>(q.top_k));
      collect(fetch());
      break;
    }
    before += n;
  }
  json out = json::array();
  for (const auto& h : hits) {
    auto it = by_key.find(h.id);
    if (it == by_key.end()) continue;
    for (auto& row : it->second) {
      row["distance"] = h.distance;
      out.push_back(std::move(row));
    }
  }
  return out;
}

json search_model(pqxx::connection& conn, ChunkIndexes& indexes, const ChunkQuery& q, const IndexKey& key,
                  const std::vector<float>& vector) {
  auto index = indexes.get(conn, key);
  // Reads in autocommit: each statement has its own snapshot under READ COMMITTED anyway, and a
  // query saves the BEGIN/ROLLBACK round trips (rag_bench: ~8 per query).
  pqxx::nontransaction tx(conn);
  bool dated = q.from || q.before;
  std::vector<std::int64_t> eligible;
  std::unordered_set<std::int64_t> eligible_set;
  if (dated) eligible = eligible_keys(tx, q, key);
  if (dated && eligible.empty()) return json::array();
  bool exact = dated ? eligible.size() <= q.exact_max : index->size() <= q.exact_max;
  if (dated && !exact) eligible_set.insert(eligible.begin(), eligible.end());
  // Over-fetch a little: a hit may have left the scope since the index caught up.
  for (size_t fetch = q.top_k + 8;; fetch *= 4) {
    std::vector<Neighbor> hits =
        exact ? index->search_exact(vector, fetch, eligible)
              : index->search(vector, fetch, dated ? IdFilter([&](std::int64_t id) { return eligible_set.count(id) > 0; })
                                                   : IdFilter());
    json rows = hydrate(tx, q, key, hits);
    if (rows.size() >= q.top_k || hits.size() < fetch) return rows;
  }
}

}  // namespace

ChunkSearchResult search_chunks(pqxx::connection& conn, ProviderChain& providers, ChunkIndexes& indexes,
                                const ChunkQuery& q) {
  ChunkSearchResult result;
  std::vector<IndexKey> keys;
  {
    pqxx::nontransaction tx(conn);
    keys = scope_index_keys(tx, q.project_id, q.account_scope_id);
  }
  std::vector<json> hits;
  std::string last_error;
  size_t embedded = 0;
  for (const auto& key : keys) {
    EmbeddingProvider* provider = providers.for_model(key.model);
    if (!provider || provider->dimension() != key.dimension) {
      result.warnings.push_back("no configured provider makes " + key.model + " vectors of dimension " +
                                std::to_string(key.dimension) + "; those chunks were not searched");
      continue;
    }
    std::vector<float> vector;
    try {
      auto e = provider->embed({q.text});
      if (e.vectors.empty()) throw Error(ErrorClass::upstream_failed, "upstream_failed", "no query embedding returned");
      vector = std::move(e.vectors[0]);
      if (provider->name() != "local")
        result.usage.push_back({provider->name(), provider->model(), "embed_query", 1, e.total_tokens});
    } catch (const std::exception& e) {
      last_error = provider->name() + ": " + e.what();
      result.warnings.push_back("query embedding failed for " + key.model + ": " + e.what());
      continue;
    }
    ++embedded;
    result.models.push_back(key.model);
    for (auto& row : search_model(conn, indexes, q, key, vector)) hits.push_back(std::move(row));
  }
  if (embedded == 0 && !last_error.empty())
    throw Error(ErrorClass::upstream_failed, "upstream_failed", "query embedding failed: " + last_error);
  std::stable_sort(hits.begin(), hits.end(), [](const json& a, const json& b) {
    double da = a["distance"].get<double>(), db = b["distance"].get<double>();
    return da != db ? da < db : a["id"].get<std::string>() < b["id"].get<std::string>();
  });
  if (hits.size() > q.top_k) hits.resize(q.top_k);
  for (auto& h : hits) result.chunks.push_back(std::move(h));
  return result;
}

}  // namespace labctl::rag
