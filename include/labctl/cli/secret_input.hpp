#pragma once
// Passwords never come from the command line, where `ps` and shell history see them: one line of
// standard input (--password-stdin), else a prompt on the terminal that does not echo.
#include <optional>
#include <string>

namespace labctl::cli {

// `what` names the secret in the prompt and in errors ("the password"). Without from_stdin and
// without a terminal: none when the secret is optional, else Error(invalid_params).
std::optional<std::string> read_secret(const std::string& what, const std::string& stdin_flag, bool from_stdin,
                                       bool required);

}  // namespace labctl::cli
