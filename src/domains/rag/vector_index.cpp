#include "labctl/domains/rag/vector_index.hpp"

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>

#include <hnswlib/hnswlib.h>
#include <nlohmann/json.hpp>

namespace labctl::rag {
namespace {

using Hnsw = hnswlib::HierarchicalNSW<float>;
constexpr int kMetaFormat = 1;

void check_dimension(size_t expected, size_t got, const char* what) {
  if (got != expected)
    throw std::invalid_argument(std::string(what) + " has dimension " + std::to_string(got) + ", expected " +
                                std::to_string(expected));
}

// The Euclidean length in double; rejects zero-length and non-finite vectors.
double norm_of(std::span<const float> v, const char* what) {
  double sum = 0;
  for (float x : v) sum += double(x) * double(x);
  if (!std::isfinite(sum)) throw std::invalid_argument(std::string(what) + " is not finite");
  if (sum == 0) throw std::invalid_argument(std::string(what) + " has zero length");
  return std::sqrt(sum);
}

std::vector<float> normalised(std::span<const float> v, double norm) {
  std::vector<float> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = float(double(v[i]) / norm);
  return out;
}

double dot(std::span<const float> a, const float* b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += double(a[i]) * double(b[i]);
  return sum;
}

double cosine_distance(double dot, double norms) { return std::clamp(1.0 - dot / norms, 0.0, 2.0); }

bool closer(const Neighbor& a, const Neighbor& b) {
  return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
}

void keep_nearest(std::vector<Neighbor>& out, size_t k) {
  if (out.size() > k) {
    std::partial_sort(out.begin(), out.begin() + std::ptrdiff_t(k), out.end(), closer);
    out.resize(k);
  } else {
    std::sort(out.begin(), out.end(), closer);
  }
}

void replace_file(const std::string& from, const std::string& to) {
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  if (ec) throw std::runtime_error("vector index: cannot rename " + from + " to " + to + ": " + ec.message());
}

// hnswlib's loadIndex from a buffer holding a saved index (same format and fields as
// HierarchicalNSW::loadIndex; hnswlib 0.6 checks a file with two tellg() calls per element, a
// system call each). Bounds are checked, so a truncated or corrupt file is an error, never a crash.
//
// `copy`: the index owns its memory, as loadIndex leaves it. Otherwise its level-0 block and upper
// link lists point into `bytes` (a read-only file mapping), and neither the label lookup nor the
// insert locks are built: only searches by slot work, and nothing but a search may touch the
// index, which touches the pages it visits instead of the whole file. Before destruction such an
// index must be detached (detach_mapped).
void load_from_bytes(Hnsw& index, std::string_view bytes, hnswlib::SpaceInterface<float>* space, bool copy) {
  size_t pos = 0;
  auto need = [&](size_t n) {
    if (n > bytes.size() || pos > bytes.size() - n) throw std::runtime_error("vector index file is truncated");
  };
  auto pod = [&](auto& value) {
    need(sizeof value);
    std::memcpy(&value, bytes.data() + pos, sizeof value);
    pos += sizeof value;
  };
  pod(index.offsetLevel0_);
  pod(index.max_elements_);
  size_t count = 0;  // set on the index last, so a throw leaves nothing for the destructor to misread
  pod(count);
  pod(index.size_data_per_element_);
  pod(index.label_offset_);
  pod(index.offsetData_);
  pod(index.maxlevel_);
  pod(index.enterpoint_node_);
  pod(index.maxM_);
  pod(index.maxM0_);
  pod(index.M_);
  pod(index.mult_);
  pod(index.ef_construction_);
  const size_t max_elements = copy ? std::max<size_t>(std::max(index.max_elements_, count), 1) : count;
  if (index.size_data_per_element_ == 0 || index.size_data_per_element_ > (1u << 24) || count > (1u << 30) ||
      !(index.mult_ > 0) || (count > 0 && index.enterpoint_node_ >= count))
    throw std::runtime_error("vector index file header is corrupt");
  index.max_elements_ = max_elements;
  index.data_size_ = space->get_data_size();
  index.fstdistfunc_ = space->get_dist_func();
  index.dist_func_param_ = space->get_dist_func_param();
  need(count * index.size_data_per_element_);
  if (copy) {
    index.data_level0_memory_ = static_cast<char*>(malloc(max_elements * index.size_data_per_element_));
    if (!index.data_level0_memory_) throw std::runtime_error("vector index: out of memory");
    std::memcpy(index.data_level0_memory_, bytes.data() + pos, count * index.size_data_per_element_);
    std::vector<std::mutex>(max_elements).swap(index.link_list_locks_);
    std::vector<std::mutex>(Hnsw::max_update_element_locks).swap(index.link_list_update_locks_);
    index.label_lookup_.reserve(count);
  } else {
    index.data_level0_memory_ = const_cast<char*>(bytes.data() + pos);  // PROT_READ: never written
  }
  pos += count * index.size_data_per_element_;
  index.size_links_per_element_ = index.maxM_ * sizeof(hnswlib::tableint) + sizeof(hnswlib::linklistsizeint);
  index.size_links_level0_ = index.maxM0_ * sizeof(hnswlib::tableint) + sizeof(hnswlib::linklistsizeint);
  index.visited_list_pool_ = new hnswlib::VisitedListPool(1, int(max_elements));
  index.linkLists_ = static_cast<char**>(calloc(max_elements, sizeof(void*)));
  if (!index.linkLists_) throw std::runtime_error("vector index: out of memory");
  index.element_levels_ = std::vector<int>(max_elements);
  index.revSize_ = 1.0 / index.mult_;
  index.ef_ = 10;
  for (size_t i = 0; i < count; ++i) {
    if (copy) index.label_lookup_[index.getExternalLabel(hnswlib::tableint(i))] = hnswlib::tableint(i);
    unsigned int size = 0;
    pod(size);
    if (size == 0) continue;
    need(size);
    index.element_levels_[i] = int(size / index.size_links_per_element_);
    if (copy) {
      index.linkLists_[i] = static_cast<char*>(malloc(size));
      if (!index.linkLists_[i]) throw std::runtime_error("vector index: out of memory");
      std::memcpy(index.linkLists_[i], bytes.data() + pos, size);
    } else {
      index.linkLists_[i] = const_cast<char*>(bytes.data() + pos);
    }
    pos += size;
  }
  if (pos != bytes.size()) throw std::runtime_error("vector index file has trailing bytes");
  if (count > 0 && index.element_levels_[index.enterpoint_node_] != index.maxlevel_)
    throw std::runtime_error("vector index file header is corrupt");
  index.cur_element_count = count;
}

// Leaves a mapped index (load_from_bytes without copy) safe to destroy: the destructor frees
// the level-0 block and upper link lists, which belong to the mapping.
void detach_mapped(Hnsw& index) {
  index.data_level0_memory_ = nullptr;
  index.cur_element_count = 0;
}

// An index to load into: hnswlib's empty constructor leaves the members its destructor frees unset.
std::unique_ptr<Hnsw> empty_hnsw(hnswlib::InnerProductSpace& space) {
  auto index = std::make_unique<Hnsw>(&space);
  index->data_level0_memory_ = nullptr;
  index->linkLists_ = nullptr;
  index->visited_list_pool_ = nullptr;
  index->cur_element_count = 0;
  return index;
}

// The slots nearest `query` (a unit vector): HierarchicalNSW::searchKnn without turning slots
// into labels, which would need the label lookup a mapped index lacks.
std::vector<hnswlib::tableint> nearest_slots(const Hnsw& index, const float* query, size_t k) {
  std::vector<hnswlib::tableint> out;
  if (index.cur_element_count == 0 || k == 0) return out;
  hnswlib::tableint current = index.enterpoint_node_;
  float current_distance = index.fstdistfunc_(query, index.getDataByInternalId(current), index.dist_func_param_);
  for (int level = index.maxlevel_; level > 0; --level) {
    for (bool changed = true; changed;) {
      changed = false;
      auto* list = index.get_linklist(current, level);
      auto* neighbours = reinterpret_cast<const hnswlib::tableint*>(list + 1);
      for (unsigned short i = 0; i < index.getListCount(list); ++i) {
        if (neighbours[i] >= index.cur_element_count) throw std::runtime_error("vector index is corrupt");
        float d = index.fstdistfunc_(query, index.getDataByInternalId(neighbours[i]), index.dist_func_param_);
        if (d < current_distance) {
          current_distance = d;
          current = neighbours[i];
          changed = true;
        }
      }
    }
  }
  const size_t ef = std::max(index.ef_, k);
  auto top = index.num_deleted_ ? index.searchBaseLayerST<true>(current, query, ef)
                                : index.searchBaseLayerST<false>(current, query, ef);
  for (; !top.empty(); top.pop()) out.push_back(top.top().second);
  std::reverse(out.begin(), out.end());  // nearest first
  if (out.size() > k) out.resize(k);
  return out;
}

}  // namespace

struct VectorIndex::State {
  State(size_t dimension, size_t ef_search) : dimension(dimension), space(dimension), ef_search(ef_search) {}

  size_t dimension;
  hnswlib::InnerProductSpace space;  // must outlive `index`, which points into it
  std::unique_ptr<Hnsw> index;
  size_t ef_search;
  std::string watermark;

  // A loaded index starts out mapped (load_from_bytes without copy): a one-shot query touches
  // only the pages its search visits. The first operation that needs the label lookup or
  // writable memory makes it an owned copy (own()); it never goes back.
  std::atomic<bool> mapped{false};
  std::string_view map;

  ~State() {
    if (mapped && index) detach_mapped(*index);
    index.reset();
    unmap();
  }
  void unmap() {
    if (!map.empty()) munmap(const_cast<char*>(map.data()), map.size());
    map = {};
  }
  // Call with no lock held.
  void own() {
    if (!mapped) return;
    auto lock = write_lock();
    if (!mapped) return;
    auto owned = empty_hnsw(space);
    load_from_bytes(*owned, map, &space, /*copy=*/true);
    owned->num_deleted_ = index->num_deleted_;
    owned->metric_distance_computations = 0;
    owned->metric_hops = 0;
    owned->setEf(ef_search);
    detach_mapped(*index);
    index = std::move(owned);
    mapped = false;
    unmap();
  }

  // glibc's shared_mutex prefers readers, so a steady stream of searches could starve a writer:
  // a writer holds `turnstile` while it waits and writes, and readers pass through it first.
  mutable std::mutex turnstile;
  mutable std::shared_mutex mutex;
  std::shared_lock<std::shared_mutex> read_lock() const {
    { std::lock_guard pass(turnstile); }
    return std::shared_lock(mutex);
  }
  std::pair<std::unique_lock<std::mutex>, std::unique_lock<std::shared_mutex>> write_lock() {
    std::unique_lock turn(turnstile);
    std::unique_lock lock(mutex);
    return {std::move(turn), std::move(lock)};
  }

  // The internal slot of a live id, or nullptr.
  const hnswlib::tableint* live_slot(std::int64_t id) const {
    auto it = index->label_lookup_.find(hnswlib::labeltype(id));
    if (it == index->label_lookup_.end() || index->isMarkedDeleted(it->second)) return nullptr;
    return &it->second;
  }
  size_t live_count() const { return index->cur_element_count - index->num_deleted_; }
};

// path.meta, written to a temporary file and renamed over the old one.
void VectorIndex::write_meta(const State& state, const std::string& path) {
  nlohmann::json meta = {{"format", kMetaFormat},
                         {"dimension", state.dimension},
                         {"m", state.index->M_},
                         {"ef_construction", state.index->ef_construction_},
                         {"count", state.live_count()},
                         {"watermark", state.watermark}};
  const std::string meta_tmp = path + ".meta.tmp";
  {
    std::ofstream out(meta_tmp, std::ios::trunc);
    out << meta.dump() << '\n';
    out.close();
    if (!out) throw std::runtime_error("vector index: cannot write " + meta_tmp);
  }
  replace_file(meta_tmp, path + ".meta");
}

VectorIndex::VectorIndex(size_t dimension, size_t ef_search, size_t initial_capacity) {
  if (dimension == 0) throw std::invalid_argument("vector index: dimension must be positive");
  state_ = std::make_unique<State>(dimension, std::max<size_t>(ef_search, 1));
  state_->index = std::make_unique<Hnsw>(&state_->space, std::max<size_t>(initial_capacity, 1), kM, kEfConstruction);
  state_->index->setEf(state_->ef_search);
}

VectorIndex::VectorIndex(std::unique_ptr<State> state) : state_(std::move(state)) {}
VectorIndex::~VectorIndex() = default;
VectorIndex::VectorIndex(VectorIndex&&) noexcept = default;
VectorIndex& VectorIndex::operator=(VectorIndex&&) noexcept = default;

VectorIndex VectorIndex::load(const std::string& path, size_t dimension, size_t ef_search) {
  if (dimension == 0) throw std::invalid_argument("vector index: dimension must be positive");
  std::ifstream meta_in(path + ".meta");
  if (!meta_in) throw std::runtime_error("vector index: cannot read " + path + ".meta");
  nlohmann::json meta = nlohmann::json::parse(meta_in, nullptr, /*allow_exceptions=*/false);
  if (!meta.is_object() || !meta.contains("format") || meta["format"] != kMetaFormat || !meta.contains("dimension") ||
      !meta["dimension"].is_number_unsigned() || !meta.value("watermark", nlohmann::json()).is_string())
    throw std::runtime_error("vector index: " + path + ".meta is corrupt or of another format");
  check_dimension(dimension, meta["dimension"].get<size_t>(), ("vector index " + path).c_str());

  if (!meta.contains("count") || !meta["count"].is_number_unsigned())
    throw std::runtime_error("vector index: " + path + ".meta is corrupt or of another format");

  auto state = std::make_unique<State>(dimension, std::max<size_t>(ef_search, 1));
  state->watermark = meta["watermark"].get<std::string>();
  if (!std::filesystem::is_regular_file(path)) throw std::runtime_error("vector index: cannot read " + path);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("vector index: cannot read " + path);
  struct stat st {};
  void* map = fstat(fd, &st) == 0 && st.st_size > 0
                  ? mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0)
                  : MAP_FAILED;
  ::close(fd);
  if (map == MAP_FAILED) throw std::runtime_error("vector index: cannot map " + path);
  state->map = std::string_view(static_cast<const char*>(map), size_t(st.st_size));
  state->mapped = true;
  state->index = empty_hnsw(state->space);
  load_from_bytes(*state->index, state->map, &state->space, /*copy=*/false);
  Hnsw& index = *state->index;
  if (index.size_data_per_element_ - index.label_offset_ != sizeof(hnswlib::labeltype) ||
      index.offsetData_ != index.size_links_level0_ || meta["count"].get<size_t>() > index.cur_element_count)
    throw std::runtime_error("vector index: " + path + " is corrupt");
  check_dimension(dimension, (index.label_offset_ - index.offsetData_) / sizeof(float),
                  ("vector index " + path).c_str());
  // Counting marks would read every element: the meta file, written with the index, has the
  // live count. (hnswlib 0.6 leaves these uninitialised when loading.)
  index.num_deleted_ = index.cur_element_count - meta["count"].get<size_t>();
  index.metric_distance_computations = 0;
  index.metric_hops = 0;
  index.setEf(state->ef_search);
  return VectorIndex(std::move(state));
}

void VectorIndex::save(const std::string& path) const {
  auto lock = state_->read_lock();
  Hnsw& index = *state_->index;
  const std::string tmp = path + ".tmp";
  index.saveIndex(tmp);  // hnswlib reports no write errors: check the size at least
  std::error_code ec;
  auto written = std::filesystem::file_size(tmp, ec);
  if (ec || written < index.cur_element_count * index.size_data_per_element_)
    throw std::runtime_error("vector index: cannot write " + tmp);

  replace_file(tmp, path);
  write_meta(*state_, path);
}

void VectorIndex::save_watermark(const std::string& path) const {
  auto lock = state_->read_lock();
  write_meta(*state_, path);
}

size_t VectorIndex::dimension() const { return state_->dimension; }

size_t VectorIndex::size() const {
  auto lock = state_->read_lock();
  return state_->live_count();
}

bool VectorIndex::contains(std::int64_t id) const {
  state_->own();
  auto lock = state_->read_lock();
  return state_->live_slot(id) != nullptr;
}

size_t VectorIndex::ef_search() const {
  auto lock = state_->read_lock();
  return state_->ef_search;
}

void VectorIndex::set_ef_search(size_t ef_search) {
  auto lock = state_->write_lock();
  state_->ef_search = std::max<size_t>(ef_search, 1);
  state_->index->setEf(state_->ef_search);
}

std::string VectorIndex::watermark() const {
  auto lock = state_->read_lock();
  return state_->watermark;
}

void VectorIndex::set_watermark(std::string watermark) {
  auto lock = state_->write_lock();
  state_->watermark = std::move(watermark);
}

void VectorIndex::add(std::int64_t id, std::span<const float> vector) {
  check_dimension(state_->dimension, vector.size(), "vector");
  std::vector<float> unit = normalised(vector, norm_of(vector, "vector"));
  state_->own();
  auto lock = state_->write_lock();
  Hnsw& index = *state_->index;
  auto label = hnswlib::labeltype(id);
  // A known id (live or removed) is updated in place: hnswlib 0.6 un-deletes it and re-links
  // its neighbours. A new id takes a new slot, so grow the capacity first.
  if (!index.label_lookup_.count(label) && index.cur_element_count >= index.max_elements_)
    index.resizeIndex(std::max<size_t>(index.max_elements_ * 2, 1024));
  index.addPoint(unit.data(), label);
}

bool VectorIndex::remove(std::int64_t id) {
  state_->own();
  auto lock = state_->write_lock();
  const hnswlib::tableint* slot = state_->live_slot(id);
  if (!slot) return false;
  state_->index->markDeletedInternal(*slot);
  return true;
}

std::vector<Neighbor> VectorIndex::search(std::span<const float> query, size_t k, const IdFilter& filter) const {
  check_dimension(state_->dimension, query.size(), "query");
  const double query_norm = norm_of(query, "query");
  std::vector<float> unit = normalised(query, query_norm);
  std::vector<Neighbor> out;
  auto lock = state_->read_lock();
  const Hnsw& index = *state_->index;
  const size_t total = index.cur_element_count;  // removed ones included: they still hold slots
  const size_t live = state_->live_count();
  if (k == 0 || live == 0) return out;

  // hnswlib 0.6 has no filter functor: fetch more candidates than needed, and grow the fetch
  // until enough pass or every slot has been asked for. hnswlib explores max(ef, fetch)
  // candidates anyway, so the first round asks for at least ef of them for free.
  const size_t wanted = filter ? k : std::min(k, live);
  size_t fetch = std::min(total, filter ? std::max(k, state_->ef_search) : k);
  for (;;) {
    out.clear();
    for (auto slot : nearest_slots(index, unit.data(), fetch)) {
      auto id = std::int64_t(index.getExternalLabel(slot));
      if (filter && !filter(id)) continue;
      // The distance again in double, from the query and the stored unit vector (rag.md §6.2).
      auto stored = reinterpret_cast<const float*>(index.getDataByInternalId(slot));
      out.push_back({id, cosine_distance(dot(query, stored), query_norm)});
    }
    if (out.size() >= wanted || fetch >= total) break;
    fetch = std::min(total, fetch * 4);
  }
  keep_nearest(out, k);
  return out;
}

std::vector<Neighbor> VectorIndex::search_exact(std::span<const float> query, size_t k,
                                                std::span<const std::int64_t> ids) const {
  check_dimension(state_->dimension, query.size(), "query");
  const double query_norm = norm_of(query, "query");
  std::vector<Neighbor> out;
  if (!ids.empty()) state_->own();  // needs the label lookup
  auto lock = state_->read_lock();
  const Hnsw& index = *state_->index;
  auto consider = [&](std::int64_t id, hnswlib::tableint slot) {
    auto stored = reinterpret_cast<const float*>(index.getDataByInternalId(slot));
    out.push_back({id, cosine_distance(dot(query, stored), query_norm)});
  };
  if (ids.empty()) {
    out.reserve(state_->live_count());
    for (hnswlib::tableint slot = 0; slot < index.cur_element_count; ++slot)
      if (!index.isMarkedDeleted(slot)) consider(std::int64_t(index.getExternalLabel(slot)), slot);
  } else {
    out.reserve(ids.size());
    for (auto id : ids)
      if (const auto* slot = state_->live_slot(id)) consider(id, *slot);
  }
  keep_nearest(out, k);
  return out;
}

std::vector<Neighbor> exact_search(std::span<const IdVector> vectors, std::span<const float> query, size_t k) {
  double query_norm = norm_of(query, "query");
  std::vector<Neighbor> out;
  if (k == 0) return out;
  out.reserve(vectors.size());
  for (const auto& v : vectors) {
    check_dimension(query.size(), v.vector.size(), "vector");
    out.push_back({v.id, cosine_distance(dot(query, v.vector.data()), query_norm * norm_of(v.vector, "vector"))});
  }
  keep_nearest(out, k);
  return out;
}

}  // namespace labctl::rag
