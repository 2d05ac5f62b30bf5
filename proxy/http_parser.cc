// The proxy's HTTP/1.x parser on llhttp (see http_parser.h).
#include "proxy/http_parser.h"

namespace berth {
namespace {

HttpParser* Self(llhttp_t* p) { return static_cast<HttpParser*>(p->data); }

char Lower(char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}

bool HasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (EqualsIgnoreCase(Trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

const std::string* MessageHead::Find(std::string_view name) const {
  for (const auto& [field, value] : headers)
    if (EqualsIgnoreCase(field, name)) return &value;
  return nullptr;
}

HttpParser::HttpParser(Kind kind, size_t max_head_bytes) : max_head_bytes_(max_head_bytes) {
  llhttp_settings_init(&settings_);
  settings_.on_message_begin = &OnMessageBegin;
  settings_.on_url = &OnUrl;
  settings_.on_status = &OnStatus;
  settings_.on_header_field = &OnHeaderField;
  settings_.on_header_value = &OnHeaderValue;
  settings_.on_headers_complete = &OnHeadersComplete;
  settings_.on_message_complete = &OnMessageComplete;
  llhttp_init(&parser_, kind == Kind::kRequest ? HTTP_REQUEST : HTTP_RESPONSE, &settings_);
  parser_.data = this;
}

int HttpParser::CountHead(size_t len) {
  head_bytes_ += len;
  if (head_bytes_ <= max_head_bytes_) return HPE_OK;
  head_too_large_ = true;
  return HPE_USER;
}

int HttpParser::OnMessageBegin(llhttp_t* p) {
  HttpParser* self = Self(p);
  self->head_ = MessageHead();
  self->head_bytes_ = 0;
  self->in_value_ = false;
  self->in_message_ = true;
  return HPE_OK;
}

int HttpParser::OnUrl(llhttp_t* p, const char* at, size_t len) {
  Self(p)->head_.target.append(at, len);
  return Self(p)->CountHead(len);
}

int HttpParser::OnStatus(llhttp_t* p, const char* at, size_t len) {
  Self(p)->head_.reason.append(at, len);
  return Self(p)->CountHead(len);
}

int HttpParser::OnHeaderField(llhttp_t* p, const char* at, size_t len) {
  HttpParser* self = Self(p);
  if (self->in_value_ || self->head_.headers.empty()) self->head_.headers.emplace_back();
  self->in_value_ = false;
  self->head_.headers.back().first.append(at, len);
  return self->CountHead(len + 4);  // ": " and CRLF
}

int HttpParser::OnHeaderValue(llhttp_t* p, const char* at, size_t len) {
  HttpParser* self = Self(p);
  self->in_value_ = true;
  self->head_.headers.back().second.append(at, len);
  return self->CountHead(len);
}

int HttpParser::OnHeadersComplete(llhttp_t* p) {
  HttpParser* self = Self(p);
  MessageHead& head = self->head_;
  if (p->type == HTTP_REQUEST)
    head.method = llhttp_method_name(static_cast<llhttp_method_t>(p->method));
  else
    head.status = p->status_code;
  head.major = p->http_major;
  head.minor = p->http_minor;
  head.keep_alive = llhttp_should_keep_alive(p) != 0;
  head.upgrade = p->upgrade != 0;
  head.chunked = (p->flags & F_CHUNKED) != 0;
  head.has_length = (p->flags & F_CONTENT_LENGTH) != 0;
  for (auto& [field, value] : head.headers) {
    // llhttp lets ": value" through as a header without a name: never pass that on.
    if (field.empty()) {
      self->error_ = "a header line without a name";
      return HPE_USER;
    }
    value = std::string(Trim(value));
  }
  self->pending_ = Event::kHead;
  return HPE_PAUSED;
}

int HttpParser::OnMessageComplete(llhttp_t* p) {
  HttpParser* self = Self(p);
  self->in_message_ = false;
  self->head_.keep_alive = llhttp_should_keep_alive(p) != 0;
  self->pending_ = Event::kMessageEnd;
  return HPE_PAUSED;
}

HttpParser::Event HttpParser::Parse(const char* data, size_t len, size_t* consumed) {
  pending_ = Event::kNeedMore;
  llhttp_errno_t err = llhttp_execute(&parser_, data, len);
  if (err == HPE_OK) {
    *consumed = len;
    return Event::kNeedMore;
  }
  if (err == HPE_PAUSED_UPGRADE && pending_ == Event::kNeedMore) {
    // Bytes after an upgrade belong to another protocol: not for this parser.
    *consumed = 0;
    error_ = "the connection switched to another protocol";
    return Event::kError;
  }
  if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {
    *consumed = static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
    llhttp_resume(&parser_);
    return pending_;
  }
  *consumed = 0;
  if (head_too_large_) error_ = "the request head is too large";
  else if (error_.empty()) error_ = llhttp_get_error_reason(&parser_);
  return Event::kError;
}

HttpParser::Event HttpParser::Finish() {
  if (!in_message_) return Event::kNeedMore;
  pending_ = Event::kNeedMore;
  llhttp_errno_t err = llhttp_finish(&parser_);
  if ((err == HPE_OK || err == HPE_PAUSED) && pending_ == Event::kMessageEnd)
    return Event::kMessageEnd;
  error_ = "the connection closed before the message was complete";
  return Event::kError;
}

void HttpParser::Reset() {
  llhttp_reset(&parser_);
  in_message_ = false;
}

}  // namespace berth
