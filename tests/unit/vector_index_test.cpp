#include <doctest/doctest.h>

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "labctl/domains/rag/vector_index.hpp"

using namespace labctl::rag;

namespace {

using Clock = std::chrono::steady_clock;

// `count` random unit vectors (Gaussian directions), ids 1..count.
std::vector<std::vector<float>> random_unit_vectors(size_t count, size_t dimension, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<std::vector<float>> out(count, std::vector<float>(dimension));
  for (auto& v : out) {
    double sum = 0;
    for (auto& x : v) {
      x = normal(rng);
      sum += double(x) * x;
    }
    for (auto& x : v) x = float(x / std::sqrt(sum));
  }
  return out;
}

// `count` unit vectors around `clusters` fixed random centres (a centre plus Gaussian noise of
// `spread` per coordinate), the way embeddings group by topic.
std::vector<std::vector<float>> clustered_unit_vectors(size_t count, size_t dimension, size_t clusters, float spread,
                                                       unsigned seed) {
  std::mt19937 centre_rng(12345);  // the same centres for documents and queries
  std::normal_distribution<float> normal;
  std::vector<std::vector<float>> centres(clusters, std::vector<float>(dimension));
  for (auto& c : centres)
    for (auto& x : c) x = normal(centre_rng);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, clusters - 1);
  std::vector<std::vector<float>> out(count, std::vector<float>(dimension));
  for (auto& v : out) {
    const auto& c = centres[pick(rng)];
    double sum = 0;
    for (size_t i = 0; i < dimension; ++i) {
      v[i] = c[i] + spread * normal(rng);
      sum += double(v[i]) * v[i];
    }
    for (auto& x : v) x = float(x / std::sqrt(sum));
  }
  return out;
}

std::vector<IdVector> as_id_vectors(const std::vector<std::vector<float>>& vectors) {
  std::vector<IdVector> out;
  for (size_t i = 0; i < vectors.size(); ++i) out.push_back({std::int64_t(i + 1), vectors[i]});
  return out;
}

VectorIndex build(const std::vector<std::vector<float>>& vectors) {
  VectorIndex index(vectors.front().size());
  for (size_t i = 0; i < vectors.size(); ++i) index.add(std::int64_t(i + 1), vectors[i]);
  return index;
}

std::vector<std::int64_t> ids(const std::vector<Neighbor>& neighbors) {
  std::vector<std::int64_t> out;
  for (const auto& n : neighbors) out.push_back(n.id);
  return out;
}

void check_sorted_in_range(const std::vector<Neighbor>& neighbors) {
  for (size_t i = 0; i < neighbors.size(); ++i) {
    CHECK(neighbors[i].distance >= 0.0);
    CHECK(neighbors[i].distance <= 2.0);
    if (i > 0) CHECK(neighbors[i - 1].distance <= neighbors[i].distance);
  }
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("labctl_vector_index_" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

nlohmann::json meta_of(const std::string& path) {
  std::ifstream in(path + ".meta");
  return nlohmann::json::parse(in);
}

// The body file the meta file names.
std::string body_of(const std::string& path) {
  return (std::filesystem::path(path).parent_path() / meta_of(path)["file"].get<std::string>()).string();
}

std::string read_bytes(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& file, const std::string& content) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(content.data(), std::streamsize(content.size()));
}

// Rewrites the meta file so it vouches for the body as it now is (size and CRC-32): what a
// damaged-then-checksummed file would look like.
void vouch_for_body(const std::string& path) {
  auto meta = meta_of(path);
  std::string body = read_bytes(body_of(path));
  meta["bytes"] = body.size();
  meta["crc32"] = crc32_z(crc32_z(0L, nullptr, 0), reinterpret_cast<const Bytef*>(body.data()), body.size());
  write_bytes(path + ".meta", meta.dump());
}


// Recall@k of the index against exact search, with the timings, at the index's ef_search.
struct RecallRun {
  double recall = 0, inserts_per_s = 0, queries_per_s = 0, exact_queries_per_s = 0;
};

RecallRun measure_recall(const std::vector<std::vector<float>>& vectors, const std::vector<std::vector<float>>& probes,
                         size_t k, size_t ef_search) {
  RecallRun run;
  auto t0 = Clock::now();
  VectorIndex index = build(vectors);
  run.inserts_per_s = double(vectors.size()) / std::chrono::duration<double>(Clock::now() - t0).count();
  index.set_ef_search(ef_search);
  REQUIRE(index.size() == vectors.size());

  auto all = as_id_vectors(vectors);
  std::vector<std::vector<Neighbor>> truth;
  t0 = Clock::now();
  for (const auto& q : probes) truth.push_back(exact_search(all, q, k));
  run.exact_queries_per_s = double(probes.size()) / std::chrono::duration<double>(Clock::now() - t0).count();

  std::vector<std::vector<Neighbor>> approx;
  t0 = Clock::now();
  for (const auto& q : probes) approx.push_back(index.search(q, k));
  run.queries_per_s = double(probes.size()) / std::chrono::duration<double>(Clock::now() - t0).count();

  size_t hits = 0;
  for (size_t i = 0; i < probes.size(); ++i) {
    REQUIRE(approx[i].size() == k);
    check_sorted_in_range(approx[i]);
    auto expected = ids(truth[i]);
    std::set<std::int64_t> want(expected.begin(), expected.end());
    for (const auto& n : approx[i]) hits += want.count(n.id);
  }
  run.recall = double(hits) / double(probes.size() * k);
  MESSAGE("recall@" << k << " = " << run.recall << " at ef_search " << ef_search << " over " << vectors.size()
                    << " vectors; insert " << run.inserts_per_s << " vectors/s; index search " << run.queries_per_s
                    << " queries/s; exact search " << run.exact_queries_per_s << " queries/s");
  return run;
}

}  // namespace

// Embeddings are clustered by topic: 100 topic centres, each vector a centre plus noise 1.5 times
// as large per coordinate, normalised. Queries come from the same distribution.
TEST_CASE("vector index: recall@10 >= 0.95 at the default ef_search on 20,000 clustered vectors") {
  auto vectors = clustered_unit_vectors(20000, 128, 100, 1.5f, 7);
  auto probes = clustered_unit_vectors(200, 128, 100, 1.5f, 8);
  CHECK(measure_recall(vectors, probes, 10, VectorIndex::kDefaultEfSearch).recall >= 0.95);
}

// Uniformly random directions are the worst case (all distances alike): recall at ef_search 40 is
// low (about 0.45 here), and ef_search 400 is needed for 0.95.
TEST_CASE("vector index: recall@10 >= 0.95 on 10,000 uniformly random vectors with ef_search 400") {
  auto vectors = random_unit_vectors(10000, 128, 7);
  auto probes = random_unit_vectors(100, 128, 8);
  CHECK(measure_recall(vectors, probes, 10, 400).recall >= 0.95);
}

TEST_CASE("vector index: the same distances as exact search, sorted, within [0, 2]") {
  auto vectors = random_unit_vectors(500, 16, 1);
  VectorIndex index = build(vectors);
  std::vector<float> query = vectors[41];  // id 42
  std::vector<float> opposite = query;
  for (auto& x : opposite) x = -x;
  index.add(1000, opposite);
  std::vector<float> scaled = query;
  for (auto& x : scaled) x *= 3.5f;  // the length does not matter for cosine

  auto exact_all = as_id_vectors(vectors);
  exact_all.push_back({1000, opposite});
  auto got = index.search(scaled, 501);
  auto want = exact_search(exact_all, scaled, 501);
  REQUIRE(got.size() == 501);
  REQUIRE(want.size() == 501);
  check_sorted_in_range(got);
  check_sorted_in_range(want);
  CHECK(got.front().id == 42);
  CHECK(got.front().distance == doctest::Approx(0.0).epsilon(1e-6));
  CHECK(got.back().id == 1000);
  CHECK(got.back().distance == doctest::Approx(2.0).epsilon(1e-6));
  for (size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].id == want[i].id);
    CHECK(got[i].distance == doctest::Approx(want[i].distance).epsilon(1e-6));
  }
}

TEST_CASE("vector index: save and load give identical results and keep the watermark") {
  TempDir dir;
  const std::string path = (dir.path / "project_1.hnsw").string();
  auto vectors = random_unit_vectors(3000, 32, 3);
  VectorIndex index = build(vectors);
  index.remove(17);
  index.set_watermark("2024-05-01T10:00:00.123456Z|3000");
  index.save(path);
  // Two files: the meta file and the body it names; no temporary file is left behind.
  CHECK(dir.names() == std::vector<std::string>{std::filesystem::path(body_of(path)).filename().string(),
                                                "project_1.hnsw.meta"});
  CHECK(meta_of(path)["bytes"] == std::filesystem::file_size(body_of(path)));

  VectorIndex loaded = VectorIndex::load(path, 32);
  CHECK(loaded.size() == index.size());
  CHECK(loaded.size() == 2999);
  CHECK(loaded.watermark() == "2024-05-01T10:00:00.123456Z|3000");
  CHECK(loaded.ef_search() == VectorIndex::kDefaultEfSearch);
  CHECK_FALSE(loaded.contains(17));
  CHECK(loaded.contains(18));
  auto probes = random_unit_vectors(50, 32, 4);
  for (const auto& q : probes) {
    auto a = index.search(q, 10);
    auto b = loaded.search(q, 10);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].id == b[i].id);
      CHECK(a[i].distance == b[i].distance);
    }
  }

  // A loaded index keeps growing and catches up.
  auto more = random_unit_vectors(10, 32, 5);
  for (size_t i = 0; i < more.size(); ++i) loaded.add(std::int64_t(5000 + i), more[i]);
  CHECK(loaded.size() == 3009);
  CHECK(loaded.search(more[3], 1).front().id == 5003);
  loaded.set_watermark("next");
  loaded.save(path);
  CHECK(VectorIndex::load(path, 32).watermark() == "next");

  CHECK_THROWS_AS(VectorIndex::load(path, 64), std::invalid_argument);
  CHECK_THROWS_AS(VectorIndex::load((dir.path / "missing.hnsw").string(), 32), std::runtime_error);
}

TEST_CASE("vector index: re-adding an id replaces its vector; removing hides it") {
  auto vectors = random_unit_vectors(1000, 24, 11);
  VectorIndex index = build(vectors);
  auto fresh = random_unit_vectors(1, 24, 12).front();

  index.add(5, fresh);  // replace
  CHECK(index.size() == 1000);
  auto hit = index.search(fresh, 1);
  REQUIRE(hit.size() == 1);
  CHECK(hit.front().id == 5);
  CHECK(hit.front().distance == doctest::Approx(0.0).epsilon(1e-6));
  // The old vector no longer finds id 5 at distance 0.
  auto old = index.search(vectors[4], 1);
  REQUIRE(old.size() == 1);
  CHECK(old.front().id != 5);

  CHECK(index.remove(5));
  CHECK_FALSE(index.remove(5));       // already removed
  CHECK_FALSE(index.remove(424242));  // never added
  CHECK_FALSE(index.contains(5));
  CHECK(index.size() == 999);
  for (const auto& n : index.search(fresh, 50)) CHECK(n.id != 5);

  index.add(5, fresh);  // back again
  CHECK(index.contains(5));
  CHECK(index.size() == 1000);
  CHECK(index.search(fresh, 1).front().id == 5);

  // Removing many still returns min(k, live) results.
  for (std::int64_t id = 1; id <= 990; ++id) index.remove(id);
  CHECK(index.size() == 10);
  auto rest = index.search(fresh, 10);
  CHECK(rest.size() == 10);
  for (const auto& n : rest) CHECK(n.id > 990);
  CHECK(index.search(fresh, 50).size() == 10);
}

TEST_CASE("vector index: the filter never returns a filtered-out id and never starves the result") {
  auto vectors = random_unit_vectors(5000, 32, 21);
  VectorIndex index = build(vectors);
  auto all = as_id_vectors(vectors);
  auto probes = random_unit_vectors(20, 32, 22);

  IdFilter even = [](std::int64_t id) { return id % 2 == 0; };
  for (const auto& q : probes) {
    auto got = index.search(q, 10, even);
    CHECK(got.size() == 10);
    check_sorted_in_range(got);
    for (const auto& n : got) CHECK(n.id % 2 == 0);
  }

  // 25 eligible ids out of 5,000: the fetch grows until they are found, matching an exact scan.
  IdFilter rare = [](std::int64_t id) { return id % 200 == 0; };
  std::vector<IdVector> eligible;
  for (const auto& v : all)
    if (rare(v.id)) eligible.push_back(v);
  for (const auto& q : probes) {
    auto got = index.search(q, 10, rare);
    REQUIRE(got.size() == 10);
    for (const auto& n : got) CHECK(n.id % 200 == 0);
    CHECK(ids(got) == ids(exact_search(eligible, q, 10)));
    CHECK(index.search(q, 50, rare).size() == 25);
  }

  CHECK(index.search(probes[0], 10, [](std::int64_t) { return false; }).empty());
}

TEST_CASE("vector index: dimension mismatches and zero vectors are rejected") {
  VectorIndex index(8);
  std::vector<float> seven(7, 1.0f), eight(8, 1.0f), zero(8, 0.0f);
  CHECK_THROWS_AS(index.add(1, seven), std::invalid_argument);
  CHECK_THROWS_AS(index.add(1, zero), std::invalid_argument);
  index.add(1, eight);
  CHECK_THROWS_AS(index.search(seven, 1), std::invalid_argument);
  CHECK_THROWS_AS(index.search(zero, 1), std::invalid_argument);
  std::vector<IdVector> rows{{1, eight}, {2, seven}};
  CHECK_THROWS_AS(exact_search(rows, eight, 5), std::invalid_argument);
  CHECK_THROWS_AS(VectorIndex(0), std::invalid_argument);
}

TEST_CASE("vector index: an empty index or k = 0 returns nothing") {
  VectorIndex index(4);
  std::vector<float> q{1, 0, 0, 0};
  CHECK(index.size() == 0);
  CHECK(index.search(q, 10).empty());
  CHECK(exact_search({}, q, 10).empty());
  index.add(7, q);
  CHECK(index.search(q, 0).empty());
  CHECK(index.search(q, 10).size() == 1);
  index.remove(7);
  CHECK(index.search(q, 10).empty());

  TempDir dir;
  const std::string path = (dir.path / "empty.hnsw").string();
  VectorIndex(4).save(path);
  VectorIndex loaded = VectorIndex::load(path, 4);
  CHECK(loaded.size() == 0);
  CHECK(loaded.watermark().empty());
  CHECK(loaded.search(q, 10).empty());
  loaded.add(1, q);
  CHECK(loaded.search(q, 10).size() == 1);
}

TEST_CASE("vector index: capacity grows past the initial size") {
  auto vectors = random_unit_vectors(3000, 8, 31);
  VectorIndex index(8, VectorIndex::kDefaultEfSearch, /*initial_capacity=*/10);
  for (size_t i = 0; i < vectors.size(); ++i) index.add(std::int64_t(i) - 1500, vectors[i]);  // negative ids too
  CHECK(index.size() == 3000);
  CHECK(index.contains(-1500));
  auto hit = index.search(vectors[0], 1);
  REQUIRE(hit.size() == 1);
  CHECK(hit.front().id == -1500);
}

TEST_CASE("vector index: searches run while another thread adds (and the index grows)") {
  auto vectors = random_unit_vectors(3000, 16, 41);
  VectorIndex index(16, VectorIndex::kDefaultEfSearch, /*initial_capacity=*/10);
  index.add(1, vectors[0]);
  std::atomic<bool> done{false};
  std::atomic<size_t> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t)
    readers.emplace_back([&, t] {
      for (size_t i = 0; !done; ++i) {
        auto got = index.search(vectors[(i * 7 + size_t(t)) % vectors.size()], 5, [](std::int64_t id) { return id % 3 != 0; });
        for (const auto& n : got)
          if (n.id % 3 == 0 || n.distance < 0 || n.distance > 2) ++bad;
      }
    });
  for (size_t i = 1; i < vectors.size(); ++i) index.add(std::int64_t(i + 1), vectors[i]);
  done = true;
  for (auto& r : readers) r.join();
  CHECK(bad == 0);
  CHECK(index.size() == 3000);
}

TEST_CASE("vector index: a loaded (mapped) index answers the same before and after its first write") {
  TempDir dir;
  const std::string path = (dir.path / "mapped.hnsw").string();
  auto vectors = random_unit_vectors(2000, 24, 51);
  VectorIndex built = build(vectors);
  built.remove(5);
  built.save(path);
  auto probes = random_unit_vectors(20, 24, 52);

  VectorIndex mapped = VectorIndex::load(path, 24);
  CHECK(mapped.size() == 1999);  // the live count comes from the meta file
  for (const auto& q : probes) {
    auto a = built.search(q, 10), b = mapped.search(q, 10);
    auto c = built.search_exact(q, 10), d = mapped.search_exact(q, 10);
    REQUIRE(a.size() == b.size());
    REQUIRE(c.size() == d.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK((a[i].id == b[i].id && a[i].distance == b[i].distance));
    for (size_t i = 0; i < c.size(); ++i) CHECK((c[i].id == d[i].id && c[i].distance == d[i].distance));
    for (const auto& n : b) CHECK(n.id != 5);
  }
  // Searches keep running while another thread's first write copies the index out of the mapping.
  std::atomic<bool> done{false};
  std::atomic<size_t> bad{0};
  std::thread reader([&] {
    for (size_t i = 0; !done; ++i)
      if (mapped.search(probes[i % probes.size()], 5).size() != 5) ++bad;
  });
  CHECK(mapped.remove(6));
  CHECK_FALSE(mapped.contains(6));
  mapped.add(9000, probes[0]);
  done = true;
  reader.join();
  CHECK(bad == 0);
  CHECK(mapped.size() == 1999);
  CHECK(mapped.search(probes[0], 1).front().id == 9000);
  CHECK(mapped.search_exact(probes[0], 1, std::vector<std::int64_t>{9000, 7}).front().id == 9000);
  // Saving over the mapped file is safe; the new file loads with the change.
  mapped.save(path);
  CHECK(VectorIndex::load(path, 24).contains(9000));
}

TEST_CASE("vector index: a truncated or corrupt file is an error, never a crash") {
  TempDir dir;
  const std::string path = (dir.path / "broken.hnsw").string();
  VectorIndex built = build(random_unit_vectors(500, 8, 61));
  built.save(path);
  const std::string body = body_of(path);
  const std::string bytes = read_bytes(body);
  const std::string meta = read_bytes(path + ".meta");
  auto reset = [&] {
    write_bytes(body, bytes);
    write_bytes(path + ".meta", meta);
  };
  for (size_t cut : {size_t(0), size_t(10), bytes.size() / 2, bytes.size() - 1}) {
    write_bytes(body, bytes.substr(0, cut));
    CHECK_THROWS_AS(VectorIndex::load(path, 8), std::runtime_error);
  }
  write_bytes(body, bytes + "x");  // trailing bytes
  CHECK_THROWS_AS(VectorIndex::load(path, 8), std::runtime_error);
  // A few 4-byte words flipped in the body, the header intact: the checksum says so.
  std::string flipped = bytes;
  for (size_t at : {bytes.size() / 3, bytes.size() / 2, bytes.size() * 3 / 4}) flipped[at] ^= char(0x5a);
  write_bytes(body, flipped);
  CHECK_THROWS_WITH_AS(VectorIndex::load(path, 8), doctest::Contains("checksum"), std::runtime_error);
  reset();
  write_bytes(path + ".meta", R"({"format":1,"dimension":8,"count":500,"watermark":""})");  // the old format
  CHECK_THROWS_AS(VectorIndex::load(path, 8), std::runtime_error);
  write_bytes(path + ".meta", "{\"format\":2,\"dimension\":" + std::string(100000, '[') + "]}");
  CHECK_THROWS_AS(VectorIndex::load(path, 8), std::runtime_error);
  reset();
  CHECK(VectorIndex::load(path, 8).size() == 500);
}

TEST_CASE("vector index: a body that passes its checksum but not the graph checks is refused") {
  TempDir dir;
  const std::string path = (dir.path / "crafted.hnsw").string();
  VectorIndex built = build(random_unit_vectors(300, 8, 71));
  built.save(path);
  const std::string body = body_of(path);
  const std::string bytes = read_bytes(body);
  // The hnswlib layout: a 96-byte header, then per element its level-0 list (count, then links),
  // the vector and the label.
  size_t header = 0, element = 0;
  {
    std::memcpy(&element, bytes.data() + 24, sizeof element);  // size_data_per_element_
    header = 8 + 8 + 8 + 8 + 8 + 8 + 4 + 4 + 8 + 8 + 8 + 8 + 8;
    REQUIRE(header == 96);
  }
  auto craft = [&](auto change) {
    std::string b = bytes;
    change(b);
    write_bytes(body, b);
    vouch_for_body(path);
    return VectorIndex::load(path, 8);
  };
  // Element 7's first neighbour points far past the last element.
  CHECK_THROWS_WITH_AS(craft([&](std::string& b) {
                         std::uint32_t huge = 0x7fffffff;
                         std::memcpy(b.data() + header + 7 * element + 4, &huge, 4);
                       }),
                       doctest::Contains("out of range"), std::runtime_error);
  // Element 9 claims more neighbours than M allows.
  CHECK_THROWS_WITH_AS(craft([&](std::string& b) {
                         std::uint16_t many = 1000;
                         std::memcpy(b.data() + header + 9 * element, &many, 2);
                       }),
                       doctest::Contains("longer than M"), std::runtime_error);
  // Element 3 carries element 4's label.
  CHECK_THROWS_WITH_AS(craft([&](std::string& b) {
                         std::memcpy(b.data() + header + 3 * element + element - 8, b.data() + header + 4 * element + element - 8, 8);
                       }),
                       doctest::Contains("label appears twice"), std::runtime_error);
}

TEST_CASE("vector index: writers saving at once never share a temporary file, and the result loads") {
  TempDir dir;
  const std::string path = (dir.path / "shared.hnsw").string();
  VectorIndex a = build(random_unit_vectors(800, 16, 81));
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    writers.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        try {
          a.save(path);
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  // Readers load while the writers replace the files.
  std::atomic<int> load_failures{0};
  std::thread reader([&] {
    for (int i = 0; i < 20; ++i) {
      try {
        if (VectorIndex::load(path, 16).size() != 800) ++load_failures;
      } catch (const std::runtime_error&) {
        // the very first load may come before the first save
        if (std::filesystem::exists(path + ".meta")) ++load_failures;
      }
    }
  });
  for (auto& w : writers) w.join();
  reader.join();
  CHECK(failures == 0);
  CHECK(load_failures == 0);
  CHECK(VectorIndex::load(path, 16).size() == 800);
  for (const auto& name : dir.names()) CHECK(name.find(".tmp") == std::string::npos);
}
