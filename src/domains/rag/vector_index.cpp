#include "labctl/domains/rag/vector_index.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>

#include <hnswlib/hnswlib.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include "labctl/core/json_input.hpp"

namespace labctl::rag {
namespace {

using Hnsw = hnswlib::HierarchicalNSW<float>;
// 2: the meta file names its body file and holds the body's size and CRC-32.
constexpr int kMetaFormat = 2;

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
    if (size % index.size_links_per_element_ != 0) throw std::runtime_error("vector index file is corrupt");
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

// Every link and label of a loaded index, before anything searches it: link counts within M,
// neighbours within the element count, levels within the top level, labels unique, and the
// deleted marks as many as the meta file says. A file whose checksum matches but whose graph
// does not hold together (written by something else, or damaged before it was checksummed) is
// refused here instead of sending a search out of bounds.
void validate_graph(const Hnsw& index, size_t live_count) {
  auto corrupt = [](const char* what) { throw std::runtime_error(std::string("vector index graph is corrupt: ") + what); };
  const size_t count = index.cur_element_count;
  if (live_count > count) corrupt("more live vectors than elements");
  std::vector<hnswlib::labeltype> labels;
  labels.reserve(count);
  size_t deleted = 0;
  auto check_list = [&](hnswlib::linklistsizeint* list, size_t max_links) {
    size_t n = index.getListCount(list);
    if (n > max_links) corrupt("a neighbour list is longer than M allows");
    auto* links = reinterpret_cast<const hnswlib::tableint*>(list + 1);
    for (size_t j = 0; j < n; ++j)
      if (links[j] >= count) corrupt("a neighbour is out of range");
  };
  for (size_t i = 0; i < count; ++i) {
    auto slot = hnswlib::tableint(i);
    check_list(index.get_linklist0(slot), index.maxM0_);
    int level = index.element_levels_[i];
    if (level < 0 || level > index.maxlevel_) corrupt("an element's level is above the top level");
    for (int l = 1; l <= level; ++l) check_list(index.get_linklist(slot, l), index.maxM_);
    labels.push_back(index.getExternalLabel(slot));
    deleted += index.isMarkedDeleted(slot);
  }
  if (count - deleted != live_count) corrupt("the live count does not match the deleted marks");
  std::sort(labels.begin(), labels.end());
  if (std::adjacent_find(labels.begin(), labels.end()) != labels.end()) corrupt("a label appears twice");
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

  // The body file the meta file names (saved or loaded), for save_watermark; under `persisted_mu`.
  mutable std::mutex persisted_mu;
  struct Body {
    std::string file;  // name within the index's directory
    size_t bytes = 0;
    unsigned long crc = 0;
  } body;

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

namespace {

namespace fs = std::filesystem;

// A name no other writer uses: pid, thread and 64 random bits.
std::string unique_token() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^ (std::uint64_t(getpid()) << 32));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%d-%016llx", int(getpid()), static_cast<unsigned long long>(rng()));
  return buf;
}

unsigned long crc_of(std::string_view bytes) {
  return crc32_z(crc32_z(0L, nullptr, 0), reinterpret_cast<const Bytef*>(bytes.data()), bytes.size());
}

// The whole file (for checksumming what was just written); empty when it cannot be read.
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("vector index: cannot write " + path);
}

std::optional<nlohmann::json> read_meta(const std::string& path) {
  std::ifstream in(path + ".meta", std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), {});
  std::string why;
  auto meta = parse_json_input(text, why, 4);
  if (!meta || !meta->is_object()) throw std::runtime_error("vector index: " + path + ".meta is corrupt");
  return meta;
}

// Old bodies of this index: the one the previous meta named, the pre-format-2 file at `path`
// itself, and bodies left by writers that lost a race more than a minute ago. A reader that has
// one mapped keeps its pages.
void remove_old_bodies(const std::string& path, const std::string& keep, const std::string& previous) {
  std::error_code ec;
  fs::path base(path);
  if (!previous.empty() && previous != keep) fs::remove(base.parent_path() / previous, ec);
  fs::remove(base, ec);
  const std::string prefix = base.filename().string() + ".";
  auto now = fs::file_time_type::clock::now();
  for (const auto& entry : fs::directory_iterator(base.parent_path(), ec)) {
    std::string name = entry.path().filename().string();
    if (name == keep || name.rfind(prefix, 0) != 0 || name == prefix + "meta") continue;
    auto age = now - entry.last_write_time(ec);
    if (!ec && age > std::chrono::minutes(1)) fs::remove(entry.path(), ec);
  }
}

}  // namespace

// path.meta: the index's description and the name, size and checksum of its body file, written to
// a temporary file of this writer's own and renamed over the old one.
void VectorIndex::write_meta(const State& state, const std::string& path) {
  std::lock_guard lock(state.persisted_mu);
  nlohmann::json meta = {{"format", kMetaFormat},
                         {"dimension", state.dimension},
                         {"m", state.index->M_},
                         {"ef_construction", state.index->ef_construction_},
                         {"count", state.live_count()},
                         {"watermark", state.watermark},
                         {"file", state.body.file},
                         {"bytes", state.body.bytes},
                         {"crc32", state.body.crc}};
  const std::string tmp = path + ".meta." + unique_token() + ".tmp";
  write_file(tmp, meta.dump() + "\n");
  replace_file(tmp, path + ".meta");
}

VectorIndex::VectorIndex(size_t dimension, size_t ef_search, size_t initial_capacity, size_t m, size_t ef_construction) {
  if (dimension == 0) throw std::invalid_argument("vector index: dimension must be positive");
  state_ = std::make_unique<State>(dimension, std::max<size_t>(ef_search, 1));
  state_->index = std::make_unique<Hnsw>(&state_->space, std::max<size_t>(initial_capacity, 1), m, ef_construction);
  state_->index->setEf(state_->ef_search);
}

VectorIndex::VectorIndex(std::unique_ptr<State> state) : state_(std::move(state)) {}
VectorIndex::~VectorIndex() = default;
VectorIndex::VectorIndex(VectorIndex&&) noexcept = default;
VectorIndex& VectorIndex::operator=(VectorIndex&&) noexcept = default;

VectorIndex VectorIndex::load(const std::string& path, size_t dimension, size_t ef_search) {
  if (dimension == 0) throw std::invalid_argument("vector index: dimension must be positive");
  // A writer replaces the meta file and then removes the body it named: read them again.
  for (int attempt = 0;; ++attempt) {
    auto meta = read_meta(path);
    if (!meta) throw std::runtime_error("vector index: cannot read " + path + ".meta");
    auto is_count = [&](const char* k) { return meta->contains(k) && (*meta)[k].is_number_unsigned(); };
    if (!meta->contains("format") || (*meta)["format"] != kMetaFormat || !is_count("dimension") || !is_count("count") ||
        !is_count("bytes") || !is_count("crc32") || !meta->value("watermark", nlohmann::json()).is_string() ||
        !meta->value("file", nlohmann::json()).is_string())
      throw std::runtime_error("vector index: " + path + ".meta is corrupt or of another format");
    check_dimension(dimension, (*meta)["dimension"].get<size_t>(), ("vector index " + path).c_str());
    const std::string file = (*meta)["file"].get<std::string>();
    if (file.empty() || file.find('/') != std::string::npos)
      throw std::runtime_error("vector index: " + path + ".meta is corrupt");
    const std::string body_path = (fs::path(path).parent_path() / file).string();
    int fd = ::open(body_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && attempt < 5) continue;
    if (fd < 0) throw std::runtime_error("vector index: cannot read " + body_path);

    auto state = std::make_unique<State>(dimension, std::max<size_t>(ef_search, 1));
    state->watermark = (*meta)["watermark"].get<std::string>();
    state->body = {file, (*meta)["bytes"].get<size_t>(), (*meta)["crc32"].get<unsigned long>()};
    struct stat st {};
    bool sized = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && size_t(st.st_size) == state->body.bytes && st.st_size > 0;
    void* map = sized ? mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0) : MAP_FAILED;
    ::close(fd);
    if (!sized) throw std::runtime_error("vector index: " + body_path + " is not the size its meta file says");
    if (map == MAP_FAILED) throw std::runtime_error("vector index: cannot map " + body_path);
    state->map = std::string_view(static_cast<const char*>(map), size_t(st.st_size));
    state->mapped = true;
    if (crc_of(state->map) != state->body.crc)
      throw std::runtime_error("vector index: " + body_path + " does not match its checksum");
    state->index = empty_hnsw(state->space);
    load_from_bytes(*state->index, state->map, &state->space, /*copy=*/false);
    Hnsw& index = *state->index;
    const size_t live = (*meta)["count"].get<size_t>();
    if (index.size_data_per_element_ - index.label_offset_ != sizeof(hnswlib::labeltype) ||
        index.offsetData_ != index.size_links_level0_ || index.offsetLevel0_ != 0 || live > index.cur_element_count)
      throw std::runtime_error("vector index: " + body_path + " is corrupt");
    check_dimension(dimension, (index.label_offset_ - index.offsetData_) / sizeof(float),
                    ("vector index " + path).c_str());
    validate_graph(index, live);
    index.num_deleted_ = index.cur_element_count - live;
    index.metric_distance_computations = 0;
    index.metric_hops = 0;
    index.setEf(state->ef_search);
    return VectorIndex(std::move(state));
  }
}

void VectorIndex::save(const std::string& path) const {
  auto lock = state_->read_lock();
  Hnsw& index = *state_->index;
  const std::string token = unique_token();
  const std::string tmp = path + "." + token + ".tmp";
  index.saveIndex(tmp);  // hnswlib reports no write errors: the checksum is taken from the file as written
  std::string written = slurp(tmp);
  if (written.size() < index.cur_element_count * index.size_data_per_element_) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw std::runtime_error("vector index: cannot write " + tmp);
  }
  const std::string file = fs::path(path).filename().string() + "." + token;
  replace_file(tmp, (fs::path(path).parent_path() / file).string());
  std::string previous;
  try {
    if (auto old = read_meta(path)) previous = old->value("file", "");
  } catch (const std::exception&) {
    // a corrupt meta file names nothing worth keeping
  }
  {
    std::lock_guard body_lock(state_->persisted_mu);
    state_->body = {file, written.size(), crc_of(written)};
  }
  write_meta(*state_, path);
  remove_old_bodies(path, file, previous);
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
