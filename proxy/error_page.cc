// The proxy's own answers (see error_page.h).
#include "proxy/error_page.h"

#include <nlohmann/json.hpp>

namespace berth {
namespace {

struct Wording {
  const char* reason;
  const char* code;
  const char* message;  // "%s" is where the app's name goes
};

Wording WordingFor(int status) {
  switch (status) {
    case 404:
      return {"Not Found", "not_found", "No app is routed for this host and path."};
    case 408:
      return {"Request Timeout", "timeout", "The request took too long to arrive."};
    case 413:
      return {"Content Too Large", "too_large", "The request body is larger than app %s accepts."};
    case 431:
      return {"Request Header Fields Too Large", "too_large", "The request head is too large."};
    case 502:
      return {"Bad Gateway", "bad_gateway", "App %s did not give a valid answer."};
    case 503:
      return {"Service Unavailable", "unavailable", "App %s is not ready to answer: it is not running or not healthy."};
    case 504:
      return {"Gateway Timeout", "timeout", "App %s did not answer in time."};
    default:
      return {"Bad Request", "bad_request", "The request is not valid HTTP."};
  }
}

std::string Message(const Wording& wording, std::string_view app) {
  std::string message = wording.message;
  size_t at = message.find("%s");
  if (at != std::string::npos) message.replace(at, 2, "'" + std::string(app) + "'");
  return message;
}

std::string HtmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Response(int status, const char* reason, const char* type, const std::string& body,
                     bool close, bool head_only, const std::string& extra = "") {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
  out += "Content-Type: " + std::string(type) + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "Cache-Control: no-store\r\n" + extra;
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  if (!head_only) out += body;
  return out;
}

}  // namespace

std::string ProxyErrorResponse(int status, std::string_view app, bool json, bool close,
                               bool head_only) {
  Wording wording = WordingFor(status);
  std::string message = Message(wording, app);
  if (json) {
    nlohmann::json body = {{"error", {{"code", wording.code}, {"message", message}}}};
    return Response(status, wording.reason, "application/json", body.dump() + "\n", close,
                    head_only);
  }
  std::string title = std::to_string(status) + " " + wording.reason;
  std::string body = "<!doctype html>\n<html><head><title>" + title + "</title></head><body><h1>" +
                     title + "</h1><p>" + HtmlEscape(message) + "</p></body></html>\n";
  return Response(status, wording.reason, "text/html; charset=utf-8", body, close, head_only);
}

std::string RedirectResponse(const std::string& location, bool close) {
  return Response(308, "Permanent Redirect", "text/plain; charset=utf-8",
                  "Moved to " + location + "\n", close, false, "Location: " + location + "\r\n");
}

bool AcceptsJson(const std::string* accept) {
  if (!accept) return false;
  return accept->find("application/json") != std::string::npos ||
         accept->find("+json") != std::string::npos;
}

}  // namespace berth
