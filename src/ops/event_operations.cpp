// GET /events/stream (api.md §5): the live events of the caller's active project, as
// Server-Sent Events. The operation decides who may listen and to which project; `serve` then
// hands the connection to its event streams (http/event_streams.hpp).
// `labctl events tail` reads the same events for a terminal or a script.
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <iostream>
#include <mutex>

#include "labctl/core/stop_signal.hpp"
#include "labctl/db/database.hpp"
#include "labctl/db/notifications.hpp"
#include "labctl/domains/events/live_events.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

// Prints each event of the project (of every project without one) as a JSON line, as it arrives,
// until SIGINT/SIGTERM or `count` events.
json tail(Context& ctx, const Params& p) {
  const std::optional<std::string> project = ctx.project_id ? std::optional(ctx.scope().project_id) : std::nullopt;
  const long long count = p.has("count") ? p.integer("count") : 0;
  const std::atomic<bool>& stop = install_stop_signal();
  std::mutex mu;
  std::condition_variable done;
  long long printed = 0;
  db::NotificationListener listener([&] { return ctx.database.connect(); }, events::channels(),
                                    [&](const std::string& channel, const std::string& payload) {
                                      auto d = events::delivery(channel, payload);
                                      if (!d || (project && d->project_id != *project)) return;
                                      json line = json::parse(d->data);
                                      line["event"] = d->name;
                                      line["project_id"] = d->project_id;
                                      std::lock_guard lock(mu);
                                      std::cout << line.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
                                      if (count && ++printed >= count) done.notify_all();
                                    });
  std::unique_lock lock(mu);
  for (bool ready = false; !stop.load() && !(count && printed >= count);) {
    done.wait_for(lock, std::chrono::milliseconds(ready ? 100 : 5));
    if (!ready && listener.subscribed()) {
      ready = true;
      spdlog::info("listening for events");
    }
  }
  return {{"text", ""}};  // every event is printed already
}

}  // namespace

std::vector<Operation> event_operations() {
  return {{.name = "events.tail",
           .cli_path = {"events", "tail"},
           .summary = "Print live events (job_started, job_completed, connector_sync_progress) as JSON lines until "
                      "interrupted",
           .example = "labctl events tail --project 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c --count 10",
           .params = {{.name = "count", .type = ParamType::integer, .help = "exit after this many events", .min = 1,
                       .max = 1000000000}},
           .scope = Scope::optional,
           .text = "text",
           .handler = tail},
          {.name = "events.stream",
           .routes = {{.method = "GET", .path = "/events/stream", .event_stream = true}},
           .summary = "Live events of the active project (Server-Sent Events): connected, job_completed, "
                      "connector_sync_progress, heartbeats",
           .example = "curl -N -H 'X-API-Key: lp_…' http://127.0.0.1:8080/events/stream",
           .scope = Scope::required,
           .missing_project_code = "project_required",
           .handler = [](Context& ctx, const Params&) -> json { return {{"project_id", ctx.scope().project_id}}; }}};
}

}  // namespace labctl::ops
