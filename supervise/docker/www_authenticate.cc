// WWW-Authenticate parsing. Commas separate both challenges and the parameters of one; a
// parameter is `token=`, so a token with no `=` after it starts the next challenge.
#include "supervise/docker/www_authenticate.h"

#include "supervise/docker/header_lexer.h"

namespace berth::docker {
namespace {

constexpr std::string_view kWhat = "WWW-Authenticate header";

Status StrayCharacter(const HeaderLexer& lexer) {
  return Status::Invalid("the WWW-Authenticate header has an unexpected '" +
                         std::string(1, lexer.Peek()) + "' at position " +
                         std::to_string(lexer.pos()));
}

// Skips separators between list elements: spaces, tabs and commas.
void SkipListSeparators(HeaderLexer& lexer) {
  do {
    lexer.SkipSpace();
  } while (lexer.Consume(','));
}

// A token68 takes the whole challenge: it is followed by the end or a comma.
bool TryToken68(HeaderLexer& lexer, AuthChallenge& challenge) {
  size_t start = lexer.pos();
  std::string_view token68 = lexer.Token68();
  lexer.SkipSpace();
  if (!token68.empty() && (lexer.AtEnd() || lexer.Peek() == ',')) {
    challenge.token68 = std::string(token68);
    return true;
  }
  lexer.set_pos(start);
  return false;
}

// Reads `name=value` parameters until the end or a token, after a comma, that starts the next
// challenge.
Status ReadParams(HeaderLexer& lexer, AuthChallenge& challenge) {
  for (bool first = true;; first = false) {
    SkipListSeparators(lexer);
    size_t start = lexer.pos();
    std::string_view name = lexer.Token();
    if (name.empty()) return lexer.AtEnd() ? Status::Ok() : StrayCharacter(lexer);
    lexer.SkipSpace();
    if (!lexer.Consume('=')) {
      if (first) return StrayCharacter(lexer);
      lexer.set_pos(start);  // the next challenge's scheme
      return Status::Ok();
    }
    lexer.SkipSpace();
    Result<std::string> value = lexer.TokenOrQuoted(kWhat);
    if (!value.ok()) return value.status();
    challenge.params.emplace_back(AsciiLower(name), std::move(value).value());
    lexer.SkipSpace();
    if (!lexer.AtEnd() && lexer.Peek() != ',') return StrayCharacter(lexer);
  }
}

}  // namespace

bool AuthChallenge::IsScheme(std::string_view other) const {
  return AsciiLower(scheme) == AsciiLower(other);
}

const std::string* AuthChallenge::Param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

Result<std::vector<AuthChallenge>> ParseWwwAuthenticate(std::string_view header) {
  HeaderLexer lexer(header);
  std::vector<AuthChallenge> challenges;
  while (true) {
    SkipListSeparators(lexer);
    if (lexer.AtEnd()) break;
    AuthChallenge challenge;
    challenge.scheme = std::string(lexer.Token());
    if (challenge.scheme.empty()) return StrayCharacter(lexer);
    bool spaced = lexer.Peek() == ' ' || lexer.Peek() == '\t';
    lexer.SkipSpace();
    if (!lexer.AtEnd() && lexer.Peek() != ',') {
      if (!spaced) return StrayCharacter(lexer);
      if (!TryToken68(lexer, challenge)) {
        Status params = ReadParams(lexer, challenge);
        if (!params.ok()) return params;
      }
    }
    challenges.push_back(std::move(challenge));
  }
  if (challenges.empty()) {
    return Status::Invalid("the WWW-Authenticate header has no challenge");
  }
  return challenges;
}

const AuthChallenge* FindChallenge(const std::vector<AuthChallenge>& challenges,
                                   std::string_view scheme) {
  for (const AuthChallenge& challenge : challenges) {
    if (challenge.IsScheme(scheme)) return &challenge;
  }
  return nullptr;
}

}  // namespace berth::docker
