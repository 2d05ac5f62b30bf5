// HeaderLexer: the pieces HTTP header values are made of (RFC 9110 §5.6: tokens, quoted
// strings, optional whitespace), read one at a time, for the WWW-Authenticate and Link parsers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace berth::docker {

// Reads `text` from the front. Never reads past its end; the viewed text must outlive it.
class HeaderLexer {
 public:
  explicit HeaderLexer(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ >= text_.size(); }
  // The next character, or '\0' at the end.
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  size_t pos() const { return pos_; }
  void set_pos(size_t pos) { pos_ = pos; }

  // Skips spaces and tabs (OWS).
  void SkipSpace();
  // Consumes `c` if it comes next.
  bool Consume(char c);
  // Consumes a token (1*tchar); empty if none comes next.
  std::string_view Token();
  // Consumes a token68 (RFC 9110 §11.2: 1*(ALPHA / DIGIT / "-._~+/") *"="); empty if none.
  std::string_view Token68();
  // Consumes the text up to `end` and `end` itself; false (nothing consumed) if `end` never
  // comes.
  bool Until(char end, std::string_view* before);
  // Consumes a quoted string, which must come next, and returns its content with its
  // backslash escapes undone. Invalid, naming `what`, if it has no closing quote.
  [[nodiscard]] Result<std::string> QuotedString(std::string_view what);
  // A token or a quoted string; Invalid, naming `what`, if neither comes next.
  [[nodiscard]] Result<std::string> TokenOrQuoted(std::string_view what);

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// ASCII lowercase of `text` (header names, parameter names, schemes and relation types are
// case-insensitive).
std::string AsciiLower(std::string_view text);

}  // namespace berth::docker
