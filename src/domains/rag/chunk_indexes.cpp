#include "labctl/domains/rag/chunk_indexes.hpp"

#include <charconv>
#include <set>
#include <spdlog/spdlog.h>

#include "labctl/core/ids.hpp"
#include "labctl/db/bulk_upsert.hpp"

namespace labctl::rag {
namespace {

constexpr const char* kEmptyWatermark = "-infinity|-infinity";

std::pair<std::string, std::string> split_watermark(const std::string& w) {
  auto bar = w.find('|');
  if (bar == std::string::npos) return {"-infinity", "-infinity"};
  return {w.substr(0, bar), w.substr(bar + 1)};
}

std::string file_name(const IndexKey& key, const std::string& tag) {
  std::string digest = sha256_hex(key.project_id + "|" + key.account_scope_id + "|" + key.model + "|" +
                                  std::to_string(key.dimension) + tag);
  return key.project_id + "-" + digest.substr(0, 16) + ".hnsw";
}

}  // namespace

std::vector<IndexKey> scope_index_keys(pqxx::transaction_base& tx, const std::string& project_id,
                                       const std::string& account_scope_id) {
  std::vector<IndexKey> keys;
  for (const auto& r : tx.exec_params("SELECT embedding_model, embedding_dim FROM rag_scope_models "
                                      "WHERE project_id = $1 AND account_scope_id = $2 ORDER BY 1, 2",
                                      project_id, account_scope_id))
    keys.push_back({project_id, account_scope_id, r[0].as<std::string>(), r[1].as<size_t>()});
  return keys;
}

bool parse_real_array(std::string_view text, std::vector<float>& out) {
  out.clear();
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return false;
  const char* p = text.data() + 1;
  const char* end = text.data() + text.size() - 1;
  while (p < end) {
    float v = 0;
    auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc()) return false;
    out.push_back(v);
    p = next;
    if (p < end) {
      if (*p != ',') return false;
      ++p;
    }
  }
  return true;
}

ChunkIndexes::ChunkIndexes(std::filesystem::path dir, size_t ef_search, std::chrono::milliseconds refresh_interval,
                           std::chrono::milliseconds save_interval)
    : dir_(std::move(dir)), ef_search_(ef_search), refresh_interval_(refresh_interval), save_interval_(save_interval) {}

std::filesystem::path ChunkIndexes::file_of(const IndexKey& key) const {
  // "|text-keys": labels are vector_key (migration 0013); files of per-chunk labels are not reused.
  return dir_ / file_name(key, "|text-keys");
}

void ChunkIndexes::mark_stale() {
  std::lock_guard lock(mu_);
  for (auto& [key, entry] : entries_) {
    std::lock_guard entry_lock(entry->mu);
    entry->refreshed = {};
  }
}

std::shared_ptr<VectorIndex> ChunkIndexes::get(pqxx::connection& conn, const IndexKey& key) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(mu_);
    auto& slot = entries_[key];
    if (!slot) slot = std::make_shared<Entry>();
    entry = slot;
  }
  std::lock_guard lock(entry->mu);
  auto now = std::chrono::steady_clock::now();
  if (!entry->loaded) {
    auto path = file_of(key).string();
    try {
      entry->index = std::make_shared<VectorIndex>(VectorIndex::load(path, key.dimension, ef_search_));
      entry->on_disk = true;
    } catch (const std::exception& e) {
      if (std::filesystem::exists(path + ".meta")) spdlog::warn("rebuilding vector index {}: {}", path, e.what());
      entry->index = std::make_shared<VectorIndex>(key.dimension, ef_search_);
      entry->index->set_watermark(kEmptyWatermark);
      // The file of per-chunk labels this one replaces (before migration 0013) is of no further use.
      std::error_code ignored;
      for (const char* ext : {"", ".meta"}) std::filesystem::remove(dir_ / (file_name(key, "") + ext), ignored);
    }
    entry->loaded = true;
  }
  if (entry->refreshed == std::chrono::steady_clock::time_point{} || now - entry->refreshed >= refresh_interval_) {
    entry->unsaved += catch_up(conn, key, *entry->index);
    entry->refreshed = now;
    if (now - entry->saved >= save_interval_) {
      try {
        if (entry->unsaved > 0 || !entry->on_disk) {
          std::filesystem::create_directories(dir_);
          entry->index->save(file_of(key).string());
        } else {
          // Nothing new: only move the watermark, so the next run does not read the same rows again.
          entry->index->save_watermark(file_of(key).string());
        }
        entry->unsaved = 0;
        entry->on_disk = true;
        entry->saved = now;
      } catch (const std::exception& e) {
        spdlog::warn("cannot save vector index {}: {}", file_of(key).string(), e.what());
      }
    }
  }
  return entry->index;
}

size_t ChunkIndexes::catch_up(pqxx::connection& conn, const IndexKey& key, VectorIndex& index) {
  auto [floor, applied] = split_watermark(index.watermark());
  pqxx::read_transaction tx(conn);
  std::string read_at = tx.exec1("SELECT (now() - interval '15 seconds')::text")[0].as<std::string>();
  const auto dim = static_cast<long long>(key.dimension);
  // Which rows changed, without their vectors: only keys new to the index need a vector.
  auto changed = tx.exec_params(
      "SELECT vector_key, embedding_status = 'ready' AND embedding_model = $3 AND embedding_dim = $4 "
      "         AND embedding IS NOT NULL, updated_at > $6::timestamptz, updated_at::text "
      "FROM rag_chunks WHERE project_id = $1 AND account_scope_id = $2 AND updated_at > $5::timestamptz",
      key.project_id, key.account_scope_id, key.model, dim, floor, applied);
  std::set<std::int64_t> to_add, to_check;
  std::string newest = applied;
  for (const auto& r : changed) {
    auto k = r[0].as<std::int64_t>();
    bool live = r[1].as<bool>(), fresh = r[2].as<bool>();
    if (fresh && (newest == "-infinity" || r[3].as<std::string>() > newest)) newest = r[3].as<std::string>();
    if (!live) to_check.insert(k);
    else if (!index.contains(k)) to_add.insert(k);
  }
  for (const auto& r : tx.exec_params("SELECT vector_key FROM rag_vector_removals "
                                      "WHERE project_id = $1 AND account_scope_id = $2 AND removed_at > $3::timestamptz",
                                      key.project_id, key.account_scope_id, floor))
    to_check.insert(r[0].as<std::int64_t>());
  // A key leaves the index only when no ready chunk of the scope has it any more.
  std::set<std::int64_t> gone;
  for (auto k : to_check)
    if (!to_add.count(k) && index.contains(k)) gone.insert(k);
  auto array = [](const std::set<std::int64_t>& keys) {
    return db::pg_bigint_array(std::vector<std::int64_t>(keys.begin(), keys.end()));
  };
  if (!gone.empty()) {
    auto still_ready = tx.exec_params(
        "SELECT DISTINCT vector_key FROM rag_chunks "
        "WHERE vector_key = ANY($1::bigint[]) AND project_id = $2 AND account_scope_id = $3 "
        "  AND embedding_status = 'ready' AND embedding_model = $4 AND embedding_dim = $5 AND embedding IS NOT NULL",
        array(gone), key.project_id, key.account_scope_id, key.model, dim);
    for (const auto& r : still_ready) gone.erase(r[0].as<std::int64_t>());
  }
  size_t changes = 0;
  for (auto k : gone) changes += index.remove(k);
  if (!to_add.empty()) {
    auto rows = tx.exec_params(
        "SELECT DISTINCT ON (vector_key) vector_key, embedding::text FROM rag_chunks "
        "WHERE vector_key = ANY($1::bigint[]) AND project_id = $2 AND account_scope_id = $3 "
        "  AND embedding_status = 'ready' AND embedding_model = $4 AND embedding_dim = $5 AND embedding IS NOT NULL "
        "ORDER BY vector_key, id",
        array(to_add), key.project_id, key.account_scope_id, key.model, dim);
    std::vector<float> v;
    for (const auto& r : rows) {
      if (!parse_real_array(r[1].c_str(), v) || v.size() != key.dimension) continue;
      try {
        index.add(r[0].as<std::int64_t>(), v);
        ++changes;
      } catch (const std::invalid_argument& e) {
        spdlog::warn("chunk vector {} not indexed: {}", r[0].c_str(), e.what());
      }
    }
  }
  // Comparing text timestamps is only sound within one session TimeZone; the floor and the
  // newest applied row both come from this connection, so they are.
  index.set_watermark(read_at + "|" + newest);
  return changes;
}

}  // namespace labctl::rag
