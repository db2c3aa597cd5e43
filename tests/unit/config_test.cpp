#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "support/test_cluster.hpp"

using namespace labctl;

namespace {

std::string write_toml(const std::string& text) {
  auto path = (test::temp_dir("labctl-config") / "config.toml").string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("precedence: flag > environment > file > default") {
  auto file = write_toml("[server]\nport = 9000\nhost = \"0.0.0.0\"\n[log]\nlevel = \"debug\"\n");
  auto cfg = Config::load_from({{"PORT", "9100"}, {"HOME", "/nonexistent"}}, file, {});
  CHECK(cfg.get("log.level") == "debug");
  CHECK(cfg.entry("log.level").source == "file:" + file);
  CHECK(cfg.get("server.host") == "0.0.0.0");
  CHECK(cfg.get_int("server.port") == 9100);
  CHECK(cfg.entry("server.port").source == "env:PORT");
  CHECK(cfg.get("server.cors_origin") == "http://localhost:3000");
  CHECK(cfg.entry("server.cors_origin").source == "default");
  cfg.set_flag("server.port", "9200", "--port");
  CHECK(cfg.get_int("server.port") == 9200);
  CHECK(cfg.entry("server.port").source == "flag:--port");
}

TEST_CASE("LABCTL_ names win over the reference's names") {
  auto cfg = Config::load_from({{"PORT", "1"}, {"LABCTL_PORT", "2"}}, std::nullopt, {});
  CHECK(cfg.get("server.port") == "2");
}

TEST_CASE("the first existing default file is read; a named missing file is an error") {
  auto file = write_toml("[server]\nport = 7000\n");
  auto cfg = Config::load_from({}, std::nullopt, {"/nonexistent/config.toml", file});
  CHECK(cfg.get("server.port") == "7000");
  CHECK(cfg.file() == file);
  CHECK_THROWS_WITH_AS(Config::load_from({}, std::string("/nonexistent/x.toml"), {}),
                       "config file /nonexistent/x.toml does not exist", Error);
}

TEST_CASE("unknown keys and bad values are errors that name the key") {
  CHECK_THROWS_WITH_AS(Config::load_from({}, write_toml("[server]\nprot = 1\n"), {}),
                       doctest::Contains("unknown config key 'server.prot'"), Error);
  CHECK_THROWS_WITH_AS(Config::load_from({}, write_toml("[server\n"), {}), doctest::Contains("cannot parse"), Error);
  auto cfg = Config::load_from({{"PORT", "eighty"}}, std::nullopt, {});
  CHECK_THROWS_WITH_AS(cfg.get_int("server.port"), doctest::Contains("server.port"), Error);
}

TEST_CASE("the private cluster lives under XDG_DATA_HOME") {
  CHECK(Config::load_from({{"XDG_DATA_HOME", "/x"}}, std::nullopt, {}).get("database.data_dir") == "/x/labctl/pg");
  // Without XDG_DATA_HOME: the XDG default, except under root (see config.cpp).
  CHECK(Config::load_from({{"HOME", "/home/u"}}, std::nullopt, {}).get("database.data_dir") ==
        (geteuid() == 0 ? "/var/lib/labctl/pg" : "/home/u/.local/share/labctl/pg"));
}

TEST_CASE("vector index files live under XDG_CACHE_HOME, or where rag.index_dir says") {
  CHECK(Config::load_from({{"XDG_CACHE_HOME", "/c"}}, std::nullopt, {}).get("rag.index_dir") == "/c/labctl/index");
  CHECK(Config::load_from({{"HOME", "/home/u"}}, std::nullopt, {}).get("rag.index_dir") ==
        (geteuid() == 0 ? "/var/cache/labctl/index" : "/home/u/.cache/labctl/index"));
  CHECK(Config::load_from({{"XDG_CACHE_HOME", "/c"}, {"LABCTL_INDEX_DIR", "/idx"}}, std::nullopt, {})
            .get("rag.index_dir") == "/idx");
}

TEST_CASE("secrets are redacted for display") {
  auto cfg = Config::load_from({{"DATABASE_URL", "postgresql://app:s3cret@db:5432/labs"}}, std::nullopt, {});
  CHECK(cfg.display("database.url") == "postgresql://app:***@db:5432/labs");
  CHECK(cfg.get("database.url") == "postgresql://app:s3cret@db:5432/labs");
  CHECK(redact_url("postgresql://db/labs?user=a&password=s3cret&sslmode=require") ==
        "postgresql://db/labs?user=a&password=***&sslmode=require");
  CHECK(redact_url("host=db password=s3cret dbname=x") == "host=db password=*** dbname=x");
  CHECK(redact_url("postgresql://app@db/labs") == "postgresql://app@db/labs");
}

TEST_CASE("examples/config.toml parses and documents every key") {
  std::string path = std::string(LABCTL_SOURCE_DIR) + "/examples/config.toml";
  auto cfg = Config::load_from({}, path, {});
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& k : config_keys()) {
    CAPTURE(k.name);
    auto leaf = k.name.substr(k.name.find('.') + 1);
    auto section = "[" + k.name.substr(0, k.name.find('.')) + "]";
    CHECK(text.find(section) != std::string::npos);
    CHECK((text.find("\n" + leaf + " = ") != std::string::npos || text.find("# " + leaf + " = ") != std::string::npos));
    for (const auto& env : k.env) CHECK(text.find(env) != std::string::npos);
    if (cfg.entry(k.name).source != "default") CHECK(cfg.get(k.name) == k.default_value);
  }
}
