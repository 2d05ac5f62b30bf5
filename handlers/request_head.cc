// Watching for the end of a request's head.
#include "handlers/request_head.h"

#include <strings.h>

namespace berth {
namespace {

constexpr size_t kKeptLineBytes = 128;
constexpr std::string_view kContentLength = "content-length:";
constexpr std::string_view kTransferEncoding = "transfer-encoding:";

bool HasName(const std::string& line, std::string_view name) {
  return line.size() >= name.size() && strncasecmp(line.data(), name.data(), name.size()) == 0;
}

// The digits of a Content-Length value between optional blanks; nullopt for anything else
// (evhttp refuses such a request itself).
std::optional<uint64_t> ParseLength(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty() || value.size() > 18) return std::nullopt;
  uint64_t length = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    length = length * 10 + static_cast<uint64_t>(c - '0');
  }
  return length;
}

}  // namespace

std::optional<size_t> RequestHeadScanner::Feed(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c == '\n') {
      if (!EndLine()) return i + 1;
      continue;
    }
    ++line_length_;
    if (line_.size() < kKeptLineBytes) line_.push_back(c);
  }
  return std::nullopt;
}

bool RequestHeadScanner::EndLine() {
  // Lines end in CRLF or a bare LF, as evhttp reads them.
  bool empty = line_length_ == 0 || (line_length_ == 1 && line_ == "\r");
  bool header = lines_ > 0;
  if (!empty) ++lines_;
  if (header && !empty && HasName(line_, kContentLength)) {
    std::string_view value(line_);
    value.remove_prefix(kContentLength.size());
    if (!value.empty() && value.back() == '\r') value.remove_suffix(1);
    // Several lengths: the largest counts, so none can slip a large body past the limit.
    auto length = line_length_ > kKeptLineBytes ? std::nullopt : ParseLength(value);
    if (length && (!content_length_ || *length > *content_length_)) content_length_ = length;
  }
  if (header && !empty && HasName(line_, kTransferEncoding)) transfer_encoding_ = true;
  line_.clear();
  line_length_ = 0;
  // A blank line before the request line is no end: there is no head yet.
  return !(empty && header);
}

void RequestHeadScanner::Reset() { *this = RequestHeadScanner(); }

}  // namespace berth
