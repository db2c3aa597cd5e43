#include "attio_fake.hpp"

#include <algorithm>

#include "time_format.hpp"

namespace labctl::sandbox {
namespace {

// Records are listed in creation order; the cursor is the index of the next record to look at.
std::string cursor_at(size_t index) { return "c" + std::to_string(index); }

std::optional<size_t> parse_cursor(const std::string& c) {
  if (c.size() < 2 || c[0] != 'c') return std::nullopt;
  auto n = to_int(std::string_view(c).substr(1));
  if (!n || *n < 0) return std::nullopt;
  return static_cast<size_t>(*n);
}

Reply invalid(const std::string& message) {
  return Reply::json(400, attio_error(400, "invalid_request_error", "validation_type", message));
}

}  // namespace

json attio_error(int status, const std::string& type, const std::string& code, const std::string& message) {
  return {{"status_code", status}, {"type", type}, {"code", code}, {"message", message}};
}

json attio_record_json(const AttioData& at, AttioObject object, size_t index) {
  const auto& rec = at.of(object)[index];
  json id = rec.record_id;
  if (rec.object_id)
    id = {{"workspace_id", at.workspace_id}, {"object_id", attio_object_name(object)}, {"record_id", rec.record_id}};
  return {{"id", std::move(id)},
          {"created_at", iso_ms(rec.created_ms)},
          {"updated_at", iso_ms(rec.updated_ms)},
          {"values", at.values(object, index)}};
}

Reply attio_list(Dataset& data, Tenant& t, AttioObject object, const httplib::Request& req, const PageFault& fault) {
  auto& at = t.attio;
  const auto& records = at.of(object);
  int64_t limit = 50;
  if (req.has_param("limit")) {
    auto l = to_int(req.get_param_value("limit"));
    if (!l || *l < 1 || *l > 1000) return invalid("limit must be an integer between 1 and 1000");
    limit = *l;
  }
  size_t start = 0;
  if (req.has_param("cursor") && !req.get_param_value("cursor").empty()) {
    auto c = parse_cursor(req.get_param_value("cursor"));
    if (!c) return invalid("cursor is not a valid pagination cursor");
    start = std::min(*c, records.size());
  }
  std::optional<int64_t> updated_after;
  if (req.has_param("updated_after")) {
    updated_after = parse_time_ms(req.get_param_value("updated_after"));
    if (!updated_after) return invalid("updated_after must be an ISO-8601 timestamp");
  }
  auto wanted = [&](size_t i) { return !updated_after || records[i].updated_ms > *updated_after; };

  std::vector<size_t> page;
  size_t i = start;
  for (; i < records.size() && page.size() < static_cast<size_t>(limit); ++i)
    if (wanted(i)) page.push_back(i);
  bool more = false;
  for (size_t k = i; k < records.size() && !more; ++k) more = wanted(k);

  json items = json::array();
  if (fault.duplicate && start > 0)
    for (size_t k = start; k-- > 0;)
      if (wanted(k)) {
        items.push_back(attio_record_json(at, object, k));  // the previous page's last record
        break;
      }
  for (size_t k : page) items.push_back(attio_record_json(at, object, k));
  json pagination = json::object();
  if (more) pagination["next_cursor"] = cursor_at(page.back() + 1);
  Reply reply = Reply::json(200, {{"data", std::move(items)}, {"pagination", std::move(pagination)}});
  if (fault.mutate_after && !page.empty()) data.touch_attio(t, object, page.front(), json::object());
  return reply;
}

}  // namespace labctl::sandbox
