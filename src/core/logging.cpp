#include "labctl/core/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <cstdio>
#include <ctime>

#include "labctl/core/error.hpp"

namespace labctl {
namespace {

// One JSON object per line: {"ts","level","logger","msg"}, with proper escaping.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&secs, &utc);
    char ts[32];
    std::snprintf(ts + std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &utc), 8, ".%03dZ",
                  static_cast<int>(ms % 1000));
    nlohmann::json line = {
        {"ts", ts},
        {"level", spdlog::level::to_string_view(msg.level).data()},
        {"msg", std::string(msg.payload.data(), msg.payload.size())},
    };
    auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

void setup_logging(const std::string& format, const std::string& level, int verbosity) {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>(spdlog::color_mode::automatic);
  bool json = format == "json" || (format == "auto" && !isatty(STDERR_FILENO));
  if (format != "json" && format != "text" && format != "auto")
    throw config_error("log.format must be auto, text or json, got '" + format + "'");
  if (json)
    sink->set_formatter(std::make_unique<JsonFormatter>());
  else
    sink->set_pattern("%^%l%$: %v");
  auto logger = std::make_shared<spdlog::logger>("labctl", sink);
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off")
    throw config_error("log.level must be trace, debug, info, warn, error or off, got '" + level + "'");
  int n = std::clamp(static_cast<int>(lvl) - verbosity, 0, static_cast<int>(spdlog::level::off));
  logger->set_level(static_cast<spdlog::level::level_enum>(n));
  spdlog::set_default_logger(logger);
}

}  // namespace labctl
