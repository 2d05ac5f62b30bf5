// Passwords from the terminal (echo off while typing) or from a pipe.
#include "cli/password_input.h"

#include <termios.h>
#include <unistd.h>

#include <istream>
#include <ostream>

namespace berth::cli {
namespace {

// Turns the terminal's echo off for as long as it lives.
class EchoOff {
 public:
  EchoOff() {
    if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  termios saved_ = {};
  bool active_ = false;
};

}  // namespace

std::optional<std::string> read_password(Context& ctx, std::string_view prompt) {
  std::string line;
  bool got = false;
  if (ctx.in_is_terminal) {
    ctx.err << prompt << std::flush;
    EchoOff quiet;
    got = static_cast<bool>(std::getline(ctx.in, line));
    ctx.err << '\n';
  } else {
    got = static_cast<bool>(std::getline(ctx.in, line));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!got || line.empty()) {
    ctx.err << "berthctl: no password given" << (ctx.in_is_terminal ? "" : " on stdin") << '\n';
    return std::nullopt;
  }
  return line;
}

}  // namespace berth::cli
