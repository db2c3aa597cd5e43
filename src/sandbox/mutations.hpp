#pragma once
// POST /_sandbox/mutate: change data now, as if someone edited it upstream during a sync.
//   {"kind":"chatwoot_message_edit","account":101,"message":10000005,"content":"…"}
//   {"kind":"chatwoot_message_add","account":101,"conversation":100001,"content":"…",
//    "sender":"contact"|"agent","private":false,"created_at":<epoch s>,"fields":{raw overrides}}
//   {"kind":"linear_issue_update","workspace":"lin-northwind","issue":"<id or NW-12>","title":"…","state":"Done"}
//   {"kind":"attio_record_update","workspace":"attio-northwind","object":"deals","record":"<id>","values":{"stage":"won"}}
// Each bumps the record's updated_at to now; omitted texts get " (edited)"/" (updated)" appended.
#include "dataset.hpp"
#include "reply.hpp"

namespace labctl::sandbox {

Reply apply_mutation(Dataset& data, const json& request);

}  // namespace labctl::sandbox
