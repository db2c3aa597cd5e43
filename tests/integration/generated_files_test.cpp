#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/labctl_process.hpp"
#include "support/test_cluster.hpp"

using namespace labctl;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const fs::path kSource = LABCTL_SOURCE_DIR;
constexpr const char* kRegenerate = "stale: run 'make docs' and commit completions/ and man/";

}  // namespace

TEST_CASE("committed completions match the registry") {
  auto env = test::test_env("");
  for (const auto& [shell, file] : std::vector<std::pair<std::string, std::string>>{
           {"bash", "labctl.bash"}, {"zsh", "_labctl"}, {"fish", "labctl.fish"}}) {
    CAPTURE(shell);
    auto run = test::labctl({"completion", shell}, env);
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.find("db") != std::string::npos);
    CHECK_MESSAGE(run.out == read(kSource / "completions" / file), kRegenerate);
  }
}

TEST_CASE("the bash completion completes commands and flags") {
  auto script = test::temp_dir("labctl-bash") / "complete.sh";
  std::ofstream(script) << read(kSource / "completions/labctl.bash")
                        << "COMP_WORDS=(labctl db mi); COMP_CWORD=2; _labctl; echo \"${COMPREPLY[*]}\"\n"
                        << "COMP_WORDS=(labctl projects list --out); COMP_CWORD=3; _labctl; echo \"${COMPREPLY[*]}\"\n"
                        << "COMP_WORDS=(labctl projects list -o c); COMP_CWORD=4; _labctl; echo \"${COMPREPLY[*]}\"\n";
  std::string cmd = "bash " + script.string() + " > " + script.string() + ".out 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK(read(script.string() + ".out") == "migrate\n--output\ncsv\n");
}

TEST_CASE("committed man pages match the registry") {
  auto dir = test::temp_dir("labctl-man");
  auto run = test::labctl({"man", "--dir", dir.string()}, test::test_env(""));
  REQUIRE(run.exit_code == 0);
  size_t pages = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++pages;
    CAPTURE(e.path().filename());
    CHECK_MESSAGE(read(e.path()) == read(kSource / "man" / e.path().filename()), kRegenerate);
  }
  size_t committed = 0;
  for (const auto& e : fs::directory_iterator(kSource / "man")) committed += e.path().extension() == ".1";
  CHECK(pages == committed);
  CHECK(read(dir / "labctl.1").find(".SH EXIT STATUS") != std::string::npos);
  CHECK(read(dir / "labctl-db-migrate.1").find("\\-\\-dry\\-run") != std::string::npos);
}
