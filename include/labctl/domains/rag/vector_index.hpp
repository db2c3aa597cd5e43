#pragma once
// Nearest-neighbour search over chunk embeddings without pgvector (rag.md §6).
//
// PostgreSQL stays the source of truth: embeddings live there as real[]; this index is a
// rebuildable cache. Keep one index per (project, account scope, embedding model), saved to a
// file. `watermark()` is an opaque text the caller stores with the index (e.g. the last
// "updated_at|row id" it has applied), so a loaded index catches up incrementally: read the rows
// changed after the watermark, `add` the ready ones, `remove` the others, set the new watermark,
// `save`. Both `add` and `remove` are idempotent, so replaying changes is always safe.
//
// Labels are int64 row ids (e.g. a bigserial per chunk): the caller maps its uuid primary keys
// to them and back. Metric: cosine, distance = 1 − cosine similarity in [0, 2]. Vectors are
// normalised on insert and query; a zero-length or non-finite vector is rejected.
//
// For small scopes, filtered sets (rag.md §6.7: up to ~20,000 vectors) and one-shot CLI runs use
// `exact_search`, which is also the recall reference for the index.
//
// Thread safety: one VectorIndex may be shared by threads. `search`, `size`, `contains`,
// `watermark` and `save` take a shared lock and run concurrently (hnswlib allows concurrent
// searches); `add`, `remove`, `set_ef_search` and `set_watermark` take an exclusive lock, so
// writes are serialised and never overlap a search (growing the index reallocates its memory).
// A waiting writer holds back new searches, so steady search traffic cannot starve catch-up.
//
// The hnswlib header defines non-inline functions, so it is included by vector_index.cpp only;
// nothing else in the project may include it.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace labctl::rag {

struct Neighbor {
  std::int64_t id = 0;
  double distance = 0;  // 1 − cosine similarity, 0..2
};

struct IdVector {
  std::int64_t id = 0;
  std::span<const float> vector;
};

// True when a row id may be returned (scope, status, date window…).
using IdFilter = std::function<bool(std::int64_t id)>;

// Brute-force cosine in double precision: the k nearest, ordered by distance then id.
// Throws std::invalid_argument when a vector's dimension differs from the query's or a vector
// has zero length.
std::vector<Neighbor> exact_search(std::span<const IdVector> vectors, std::span<const float> query, size_t k);

class VectorIndex {
 public:
  // Links per element. On chat data (templated messages: dense clusters of near-identical
  // vectors) pgvector's 16 leaves whole clusters hard to reach: over ten samples of 100 queries
  // recall@10 was 0.91 at worst (0.98 median) at ef 200 and 400; 24 gives 0.96 / 0.98 at worst at
  // ef 200 / 400 (rag_bench, RAG_BENCH_GRAPHS=1), for 64 more bytes an element.
  static constexpr size_t kM = 24;
  // Build effort. pgvector's default (64) builds a graph that reaches recall@10 0.75 at ef 40 on chat
  // data (feature-hashed vectors, many near-ties); 400 reaches 0.97 there at 4× the build time.
  static constexpr size_t kEfConstruction = 400;
  // SEARCH_HNSW_EF_SEARCH default. The reference's 40 suits pgvector's graph; on this one, over chat
  // data, the worst of ten samples of 100 queries finds the exact top 10 98% of the time at 400
  // (96% at 200), which costs about 0.5 ms a query (rag_bench).
  static constexpr size_t kDefaultEfSearch = 400;

  // An empty index; capacity grows by itself.
  explicit VectorIndex(size_t dimension, size_t ef_search = kDefaultEfSearch, size_t initial_capacity = 1024,
                       size_t m = kM, size_t ef_construction = kEfConstruction);
  ~VectorIndex();
  VectorIndex(VectorIndex&&) noexcept;
  VectorIndex& operator=(VectorIndex&&) noexcept;

  // An index on disk is two files: `path.meta` (dimension, live count, watermark, and the name, size
  // and CRC-32 of the body) and the body it names (`path.<writer token>`, hnswlib's format). A writer
  // writes a body of its own and renames the meta file over the old one, so concurrent writers never
  // share a file and a reader never sees a meta file and a body from different saves.
  //
  // load: throws std::invalid_argument when the file holds another dimension, std::runtime_error when
  // a file is missing, of another format, not its checksum, or its graph does not hold together
  // (a link or level out of range, a label twice): the caller then rebuilds from PostgreSQL. No
  // damage of the files can make a search read out of bounds.
  // The body is memory-mapped, not copied: searches read the mapping (the checksum has paged it
  // in). The first call that needs the id lookup or writable memory (`contains`, `add`, `remove`,
  // `search_exact` with ids) copies the index into memory once. A save may replace the files while
  // they are mapped.
  static VectorIndex load(const std::string& path, size_t dimension, size_t ef_search = kDefaultEfSearch);
  // Writes a new body and meta file as above, then removes the body the old meta file named (and
  // bodies of writers that lost a race over a minute ago). Throws std::runtime_error.
  void save(const std::string& path) const;
  // Rewrites only path.meta (the watermark): for an index unchanged since it was saved or loaded.
  void save_watermark(const std::string& path) const;

  size_t dimension() const;
  size_t size() const;  // live vectors (removed ones excluded)
  bool contains(std::int64_t id) const;

  // Candidates explored per search; the effective value is max(ef_search, k).
  size_t ef_search() const;
  void set_ef_search(size_t ef_search);

  std::string watermark() const;
  void set_watermark(std::string watermark);

  // Inserts `vector` under `id`; an id already present (even removed) is replaced.
  // Throws std::invalid_argument on a dimension mismatch or a zero-length/non-finite vector.
  void add(std::int64_t id, std::span<const float> vector);
  // Hides `id` from searches. Returns false when it was absent or already removed.
  bool remove(std::int64_t id);

  // The k nearest live ids that pass `filter` (all when empty), ordered by distance then id;
  // distances are recomputed in double precision. With a filter, candidates are over-fetched,
  // growing until k pass or the index is exhausted, so filtering never starves the result (but a
  // very selective filter costs a scan: prefer exact_search over the eligible rows then).
  // Throws std::invalid_argument on a dimension mismatch or a zero-length query.
  std::vector<Neighbor> search(std::span<const float> query, size_t k, const IdFilter& filter = {}) const;

  // Brute force over the stored vectors: the k nearest of `ids` (ids not in the index are
  // skipped), or of every live vector when `ids` is empty. Same order and distances as search.
  std::vector<Neighbor> search_exact(std::span<const float> query, size_t k,
                                     std::span<const std::int64_t> ids = {}) const;

 private:
  struct State;
  static void write_meta(const State& state, const std::string& path);
  explicit VectorIndex(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace labctl::rag
