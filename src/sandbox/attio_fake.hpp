#pragma once
// Attio REST v2 as the reference contract uses it (spec §4 A1–A4): GET list endpoints with
// ?limit=&cursor= (+ optional updated_after=ISO), answering {"data":[…],"pagination":{"next_cursor":…}}.
#include <httplib.h>

#include "dataset.hpp"
#include "reply.hpp"

namespace labctl::sandbox {

Reply attio_list(Dataset& data, Tenant& t, AttioObject object, const httplib::Request& req, const PageFault& fault);

json attio_record_json(const AttioData& at, AttioObject object, size_t index);
json attio_error(int status, const std::string& type, const std::string& code, const std::string& message);

}  // namespace labctl::sandbox
