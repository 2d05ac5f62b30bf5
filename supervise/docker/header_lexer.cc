// HeaderLexer: tokens, token68 and quoted strings of HTTP header values.
#include "supervise/docker/header_lexer.h"

#include <cstring>

namespace berth::docker {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsTchar(char c) { return IsAlnum(c) || (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c)); }

bool IsToken68Char(char c) { return IsAlnum(c) || (c != '\0' && std::strchr("-._~+/", c)); }

}  // namespace

void HeaderLexer::SkipSpace() {
  while (!AtEnd() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
}

bool HeaderLexer::Consume(char c) {
  if (AtEnd() || text_[pos_] != c) return false;
  ++pos_;
  return true;
}

std::string_view HeaderLexer::Token() {
  size_t start = pos_;
  while (!AtEnd() && IsTchar(text_[pos_])) ++pos_;
  return text_.substr(start, pos_ - start);
}

std::string_view HeaderLexer::Token68() {
  size_t start = pos_;
  while (!AtEnd() && IsToken68Char(text_[pos_])) ++pos_;
  if (pos_ == start) return {};
  while (!AtEnd() && text_[pos_] == '=') ++pos_;
  return text_.substr(start, pos_ - start);
}

bool HeaderLexer::Until(char end, std::string_view* before) {
  size_t found = text_.find(end, pos_);
  if (found == std::string_view::npos) return false;
  *before = text_.substr(pos_, found - pos_);
  pos_ = found + 1;
  return true;
}

Result<std::string> HeaderLexer::QuotedString(std::string_view what) {
  size_t start = pos_;
  if (!Consume('"')) {
    return Status::Invalid("the " + std::string(what) + " is not a quoted string");
  }
  std::string value;
  while (!AtEnd()) {
    char c = text_[pos_++];
    if (c == '"') return value;
    if (c == '\\' && !AtEnd()) c = text_[pos_++];
    value.push_back(c);
  }
  pos_ = start;
  return Status::Invalid("the " + std::string(what) +
                         " has a quoted string without its closing quote");
}

Result<std::string> HeaderLexer::TokenOrQuoted(std::string_view what) {
  if (Peek() == '"') return QuotedString(what);
  std::string_view token = Token();
  if (token.empty()) return Status::Invalid("the " + std::string(what) + " has no value");
  return std::string(token);
}

std::string AsciiLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

}  // namespace berth::docker
