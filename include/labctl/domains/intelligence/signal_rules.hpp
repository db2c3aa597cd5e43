#pragma once
// The rules that turn synced rows into signals and signals into next best actions
// (scheduler-and-intelligence.md §3.1–3.2): the term families a message is read for, the
// action each signal type calls for, and the dedupe keys, which must match the reference's bit
// for bit. Pure: the extraction (signals.hpp) feeds it text and stores what it returns.
#include <string>
#include <string_view>
#include <vector>

namespace labctl::intelligence {

struct MessageRule {
  std::string signal_type;
  std::vector<std::string> english;  // whole words (ASCII word boundaries, as JavaScript's \b)
  std::vector<std::string> russian;  // stems and phrases, anywhere in the text
  int severity;
  double confidence;
  std::string summary;
};

// The four families of §3.1, in the table's order.
const std::vector<MessageRule>& message_rules();

// The families a message's text matches, case-insensitively, in table order: one each.
std::vector<const MessageRule*> matching_rules(std::string_view text);

struct ActionRule {
  std::string action_type;
  int priority;
  std::string summary;
};

// The next best action a signal type calls for (§3.2); other types → triage_signal.
const ActionRule& action_for(std::string_view signal_type);

// sha1("<project>:<signal_type>:<source_ref>") and sha1("<project>:<signal_id>:<action_type>").
std::string signal_key(std::string_view project_id, std::string_view signal_type, std::string_view source_ref);
std::string action_key(std::string_view project_id, std::string_view signal_id, std::string_view action_type);

// §3.1 Linear: a group of n open overdue issues of one Linear project.
int overdue_severity(long long n);       // min(5, 2 + n)
double overdue_confidence(long long n);  // 0.7 + min(0.2, 0.03 n)

// §3.2 storage bounds: severity an integer 1..5 (else 3), confidence 0..1 (else 0.5).
int stored_severity(double severity);
double stored_confidence(double confidence);

}  // namespace labctl::intelligence
