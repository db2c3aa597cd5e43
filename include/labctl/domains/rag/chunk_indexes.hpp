#pragma once
// The vector index of each (project, account scope, model, dimension), kept in a file under
// rag.index_dir and brought up to date from rag_chunks, which stay the source of truth
// (rag.md §6.8). An index holds each distinct chunk text once, labelled by rag_chunks.vector_key
// (chunks with the same text share it; migration 0013): keys of rows changed since the watermark
// are added when a row turned ready, and keys of rows that stopped being ready, were deleted or
// changed text (rag_vector_removals) are removed once no ready chunk of the scope has them.
// A missing or corrupt file is rebuilt.
//
// The watermark trails the last read by 15 s (far longer than any transaction writing chunks), so a transaction that committed after the read
// but stamped updated_at before it is still seen; rows already applied are not fetched again.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/domains/rag/vector_index.hpp"

namespace labctl::rag {

struct IndexKey {
  std::string project_id, account_scope_id, model;
  size_t dimension = 0;
  auto operator<=>(const IndexKey&) const = default;
};

class ChunkIndexes {
 public:
  // refresh_interval: how stale an index may be before get() polls PostgreSQL again (0 = always:
  // the one-shot CLI). save_interval: how often changes are written back to the file (0 = at once).
  ChunkIndexes(std::filesystem::path dir, size_t ef_search, std::chrono::milliseconds refresh_interval,
               std::chrono::milliseconds save_interval);

  // The key's index, caught up with PostgreSQL. The index itself is thread-safe; catch-up of
  // one key is serialised.
  std::shared_ptr<VectorIndex> get(pqxx::connection& conn, const IndexKey& key);

  // The next get() of each key polls PostgreSQL whatever the interval (after an embedding run).
  void mark_stale();

  std::filesystem::path file_of(const IndexKey& key) const;

 private:
  struct Entry {
    std::mutex mu;
    std::shared_ptr<VectorIndex> index;
    std::chrono::steady_clock::time_point refreshed{}, saved{};
    size_t unsaved = 0;    // changes since the file was written
    bool loaded = false;
    bool on_disk = false;  // the file holds these vectors (loaded or saved): the watermark alone may move
  };
  size_t catch_up(pqxx::connection& conn, const IndexKey& key, VectorIndex& index);

  std::filesystem::path dir_;
  size_t ef_search_;
  std::chrono::milliseconds refresh_interval_, save_interval_;
  std::mutex mu_;
  std::map<IndexKey, std::shared_ptr<Entry>> entries_;
};

// The (model, dimension) indexes a scope has vectors for (rag_scope_models), ordered by model.
std::vector<IndexKey> scope_index_keys(pqxx::transaction_base& tx, const std::string& project_id,
                                       const std::string& account_scope_id);

// "{0.25,-1e-05,…}" (real[] text form) → floats; false when malformed.
bool parse_real_array(std::string_view text, std::vector<float>& out);

}  // namespace labctl::rag
