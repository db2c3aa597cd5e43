#pragma once
// Chatwoot application API (spec §2 C1–C3), under /chatwoot.
#include <httplib.h>

#include "dataset.hpp"
#include "reply.hpp"

namespace labctl::sandbox {

// C1 GET /api/v1/accounts/{acct}/conversations?sort_by=last_activity_at&order_by=desc&page=&per_page=
Reply chatwoot_conversations(Dataset& data, Tenant& t, const httplib::Request& req, const PageFault& fault);
// C2 GET /api/v1/accounts/{acct}/inboxes
Reply chatwoot_inboxes(const Tenant& t);
// C3 GET /api/v1/accounts/{acct}/conversations/{cid}/messages[?before=<message id>]
Reply chatwoot_messages(Dataset& data, Tenant& t, const std::string& conversation_id, const httplib::Request& req,
                        const PageFault& fault);

json chatwoot_message_json(const ChatwootData& cw, const Message& m);
json chatwoot_conversation_json(const ChatwootData& cw, const Conversation& c);

}  // namespace labctl::sandbox
