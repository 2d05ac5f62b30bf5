// Link header parsing, and the resolution of its URI with libcurl's URL API.
#include "supervise/docker/link_header.h"

#include <curl/curl.h>

#include <memory>
#include <vector>

#include "reactor/curl_handles.h"
#include "supervise/docker/header_lexer.h"

namespace berth::docker {
namespace {

constexpr std::string_view kWhat = "Link header";

Status Malformed(const HeaderLexer& lexer, std::string_view expected) {
  return Status::Invalid("the Link header has no " + std::string(expected) + " at position " +
                         std::to_string(lexer.pos()));
}

bool HasRelation(std::string_view rels, std::string_view wanted) {
  std::string lower = AsciiLower(rels);
  std::string_view list = lower;
  while (!list.empty()) {
    size_t space = list.find_first_of(" \t");
    if (list.substr(0, space) == wanted) return true;
    if (space == std::string_view::npos) break;
    list.remove_prefix(space + 1);
  }
  return false;
}

// Reads the `; name[=value]` parameters of one link; sets *next if one is rel holding "next".
Status ReadLinkParams(HeaderLexer& lexer, bool* next) {
  while (true) {
    lexer.SkipSpace();
    if (lexer.AtEnd() || lexer.Peek() == ',') return Status::Ok();
    if (!lexer.Consume(';')) return Malformed(lexer, "';' or ',' after a link");
    lexer.SkipSpace();
    std::string name = AsciiLower(lexer.Token());
    if (name.empty()) return Malformed(lexer, "parameter name");
    lexer.SkipSpace();
    if (!lexer.Consume('=')) continue;
    lexer.SkipSpace();
    Result<std::string> value = lexer.TokenOrQuoted(kWhat);
    if (!value.ok()) return value.status();
    if (name == "rel" && HasRelation(*value, "next")) *next = true;
  }
}

// The first link reference with rel="next", or nullopt.
Result<std::optional<std::string>> FindNextReference(std::string_view header) {
  HeaderLexer lexer(header);
  std::optional<std::string> found;
  while (true) {
    do {
      lexer.SkipSpace();
    } while (lexer.Consume(','));
    if (lexer.AtEnd()) return found;
    std::string_view reference;
    if (!lexer.Consume('<') || !lexer.Until('>', &reference)) {
      return Malformed(lexer, "<URI> where a link starts");
    }
    bool next = false;
    Status params = ReadLinkParams(lexer, &next);
    if (!params.ok()) return params;
    if (next && !found) found = std::string(reference);
  }
}

Result<std::string> Resolve(std::string_view reference, std::string_view base) {
  // libcurl takes C strings: a NUL would cut the URL short unseen.
  if (reference.find('\0') != std::string_view::npos || base.find('\0') != std::string_view::npos) {
    return Status::Invalid("the Link header's URL or the request URL holds a NUL byte");
  }
  CurlUrl url(curl_url());
  if (!url) return Status::Internal("out of memory resolving a Link header");
  std::string base_text(base);
  CURLUcode code = curl_url_set(url.get(), CURLUPART_URL, base_text.c_str(), 0);
  if (code != CURLUE_OK) {
    return Status::Invalid("the request URL \"" + base_text +
                           "\" is not an absolute URL: " + curl_url_strerror(code));
  }
  std::string reference_text(reference);
  code = curl_url_set(url.get(), CURLUPART_URL, reference_text.c_str(), 0);
  char* raw = nullptr;
  if (code == CURLUE_OK) code = curl_url_get(url.get(), CURLUPART_URL, &raw, 0);
  CurlString resolved(raw);
  if (code != CURLUE_OK) {
    return Status::Invalid("the Link header's URL \"" + reference_text +
                           "\" does not resolve: " + curl_url_strerror(code));
  }
  std::string text(resolved.get());
  if (text.rfind("https://", 0) != 0 && text.rfind("http://", 0) != 0) {
    return Status::Invalid("the Link header's URL \"" + reference_text + "\" is not http(s)");
  }
  return text;
}

}  // namespace

Result<std::optional<std::string>> NextLinkUrl(std::string_view link_header,
                                               std::string_view request_url) {
  Result<std::optional<std::string>> reference = FindNextReference(link_header);
  if (!reference.ok() || !reference->has_value()) return reference;
  Result<std::string> resolved = Resolve(**reference, request_url);
  if (!resolved.ok()) return resolved.status();
  return std::optional<std::string>(std::move(resolved).value());
}

}  // namespace berth::docker
