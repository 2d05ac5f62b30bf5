// Pull progress: the fields the docker CLI prints for each layer, flattened into one line.
#include "supervise/docker/pull_progress.h"

namespace berth::docker {
namespace {

// The string member `name`, with control characters made spaces; empty if there is none.
std::string Text(const nlohmann::json& message, const char* name) {
  auto it = message.find(name);
  if (it == message.end() || !it->is_string()) return "";
  std::string text = it->get<std::string>();
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return text;
}

}  // namespace

std::string PullProgressLine(const nlohmann::json& message) {
  if (!message.is_object()) return "";
  std::string line = Text(message, "status");
  std::string progress = Text(message, "progress");
  if (!progress.empty()) line += (line.empty() ? "" : " ") + progress;
  if (line.empty()) return "";
  std::string id = Text(message, "id");
  return id.empty() ? line : id + ": " + line;
}

Status PullProgressError(const nlohmann::json& message) {
  if (!message.is_object()) return Status::Ok();
  auto error = message.find("error");
  auto detail = message.find("errorDetail");
  bool has_error = (error != message.end() && !error->is_null()) ||
                   (detail != message.end() && !detail->is_null());
  if (!has_error) return Status::Ok();
  std::string text;
  if (detail != message.end() && detail->is_object()) {
    text = Text(*detail, "message");
  }
  if (text.empty()) text = Text(message, "error");
  if (text.empty()) text = "the Docker daemon reported a failed pull without a message";
  return Status::Unavailable(text);
}

}  // namespace berth::docker
