#pragma once
// Word pools for the generated data: agency/client chat lines in Russian and English,
// people, companies, issue titles. Everything is drawn through an Rng, so it is deterministic.
#include <string>
#include <vector>

#include "rng.hpp"

namespace labctl::sandbox {

enum class Lang { ru, en };
enum class Topic { approval, change_request, deadline, invoice, bug, materials, general };
constexpr int kTopicCount = 7;

// One chat message on `topic`, written by the client or by an agency agent.
std::string chat_line(Rng& rng, Lang lang, Topic topic, bool from_client);
// An agent's private note (never shown to the client).
std::string private_note(Rng& rng, Lang lang);

struct PersonName {
  std::string name;
  std::string email_local;  // "anna.smirnova"
  Lang lang;
};
const std::vector<PersonName>& person_names();

struct FileSample {
  std::string name;
  std::string file_type;  // Chatwoot: "image" or "file"
};
const std::vector<FileSample>& attachment_files();

struct CompanyName {
  std::string name;
  std::string domain;
};
const std::vector<CompanyName>& company_names();

std::string issue_title(Rng& rng);
const std::vector<std::string>& project_names();
const std::vector<std::string>& issue_labels();
const std::vector<std::string>& deal_kinds();
const std::vector<std::string>& job_titles();
const std::vector<std::string>& next_steps();
std::string activity_note(Rng& rng, const std::string& type);

}  // namespace labctl::sandbox
