#include "labctl/ops/context.hpp"

#include "labctl/core/error.hpp"
#include "labctl/domains/projects/projects.hpp"

namespace labctl::ops {

Scope Context::scope() {
  if (!scope_) {
    if (!project_id)
      throw Error(ErrorClass::conflict, "active_project_required",
                  frontend == Frontend::cli ? "this command needs a project: pass --project ID "
                                              "(see 'labctl projects list')"
                                            : "Select active project first");
    auto p = projects::get(conn(), *project_id);
    scope_ = Scope{p.id, p.account_scope_id};
  }
  return *scope_;
}

}  // namespace labctl::ops
