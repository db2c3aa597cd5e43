#include "labctl/cli/secret_input.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "labctl/core/error.hpp"

namespace labctl::cli {
namespace {

std::string without_line_end(std::string line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

// Reads one line from the terminal with echo off; none when there is no terminal.
std::optional<std::string> prompt(const std::string& what) {
  int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0) return std::nullopt;
  termios saved{};
  bool restore = tcgetattr(tty, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  std::string text = "Enter " + what + ": ";
  (void)!::write(tty, text.data(), text.size());
  std::string line;
  char c;
  while (::read(tty, &c, 1) == 1 && c != '\n') line += c;
  if (restore) tcsetattr(tty, TCSAFLUSH, &saved);
  (void)!::write(tty, "\n", 1);
  ::close(tty);
  return without_line_end(line);
}

}  // namespace

std::optional<std::string> read_secret(const std::string& what, const std::string& stdin_flag, bool from_stdin,
                                       bool required) {
  if (from_stdin) {
    std::string line;
    if (!std::getline(std::cin, line))
      throw Error(ErrorClass::invalid_params, "validation_error", "no line on standard input for " + stdin_flag);
    return without_line_end(line);
  }
  if (!required) return std::nullopt;
  if (auto typed = prompt(what)) return typed;
  throw Error(ErrorClass::invalid_params, "validation_error",
              what + " is read from a terminal or, with " + stdin_flag + ", from standard input");
}

}  // namespace labctl::cli
