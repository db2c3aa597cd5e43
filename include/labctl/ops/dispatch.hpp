#pragma once
// The one path from a front end to an operation. In order: the caller (authenticated unless the
// operation is public, allowed to mutate when it mutates, holding its permission); the route's
// fixed parameters and validation; the project scope; the run itself, as a recorded job when
// the route says so; the audit row the operation declares (after success or failure); and, for a
// failure, the wire code the route declares. Handlers hold only their domain logic.
#include "labctl/ops/context.hpp"
#include "labctl/ops/operation.hpp"

namespace labctl::ops {

// `route` is the HTTP route the request came by (nullptr: the CLI). Returns the result, shaped
// by the route (pick, wrap); throws the Error the front end reports.
json dispatch(const Operation& op, const HttpRoute* route, Context& ctx, const json& input);

// The CLI's form of an operation that declares all_projects: one run per project (every project
// op.all_projects lists when input.all_projects is true, else ctx's project), each dispatched on
// its own. Returns {total, ok, failed, <op.rows>: rows of every run, each naming its project}.
// With --all-projects a project's failure becomes a failed row; otherwise it is thrown.
json dispatch_per_project(const Operation& op, Context& ctx, json input);

// "job.{connector}_sync" with the parameters' values filled in.
std::string expand(const std::string& text, const Params& params);

}  // namespace labctl::ops
