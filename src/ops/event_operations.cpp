// GET /events/stream (api.md §5): the live events of the caller's active project, as
// Server-Sent Events. The operation decides who may listen and to which project; `serve` then
// hands the connection to its event streams (http/event_streams.hpp).
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {

std::vector<Operation> event_operations() {
  return {{.name = "events.stream",
           .routes = {{.method = "GET", .path = "/events/stream", .event_stream = true}},
           .summary = "Live events of the active project (Server-Sent Events): connected, job_completed, "
                      "connector_sync_progress, heartbeats",
           .example = "curl -N -H 'X-API-Key: lp_…' http://127.0.0.1:8080/events/stream",
           .scope = Scope::required,
           .missing_project_code = "project_required",
           .handler = [](Context& ctx, const Params&) -> json { return {{"project_id", ctx.scope().project_id}}; }}};
}

}  // namespace labctl::ops
