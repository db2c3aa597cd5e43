#include "labctl/core/deadline.hpp"

#include <algorithm>
#include <string>

namespace labctl {

std::chrono::milliseconds Deadline::left() const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at_ - Clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

void Deadline::check() const {
  if (passed()) throw error();
}

Error Deadline::error() const {
  return Error(ErrorClass::timed_out, "job_timeout", "job timed out after " + std::to_string(budget_.count()) + "ms");
}

}  // namespace labctl
