#include "labctl/ops/context.hpp"

#include "labctl/core/error.hpp"
#include "labctl/domains/projects/projects.hpp"
#include "labctl/domains/rag/rag_runtime.hpp"

namespace labctl::ops {

ProjectScope Context::scope() {
  if (!scope_) {
    if (!project_id)
      throw Error(ErrorClass::conflict, "active_project_required",
                  frontend == Frontend::cli ? "this command needs a project: pass --project ID "
                                              "(see 'labctl projects list')"
                                            : "Select active project first");
    auto p = projects::get(conn(), *project_id);
    scope_ = ProjectScope{p.id, p.account_scope_id};
  }
  return *scope_;
}

void Context::select_project(std::optional<std::string> id, std::optional<std::string> account_scope_id) {
  project_id = std::move(id);
  scope_.reset();
  if (project_id && account_scope_id) scope_ = ProjectScope{*project_id, *account_scope_id};
}

rag::RagRuntime& Context::rag() {
  if (!rag_) {
    own_rag_ = std::make_shared<rag::RagRuntime>(config, /*serving=*/false);
    rag_ = own_rag_.get();
  }
  return *rag_;
}

void Context::data_changed(const std::string& project_id) {
  if (rag_) rag_->data_changed(project_id);
}

}  // namespace labctl::ops
