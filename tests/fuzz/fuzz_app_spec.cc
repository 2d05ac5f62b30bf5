// Fuzz target: app definitions (PUT bodies, apps.d files) through ParseAppSpec. An accepted spec
// must come back unchanged from its canonical JSON, as an object and as stored text.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "supervise/app_spec.h"

namespace {

using nlohmann::json;

void Require(bool ok, const char* what, const json& input) {
  if (ok) return;
  fprintf(stderr, "fuzz_app_spec: %s\ninput: %s\n", what,
          input.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
  abort();
}

void CheckRoundTrip(const berth::AppSpec& spec, const json& input) {
  json canonical = berth::AppSpecToJson(spec);
  auto again = berth::ParseAppSpec(canonical, "web");
  Require(again.ok(), "the canonical JSON of an accepted spec is rejected", input);
  Require(again.value() == spec, "the canonical JSON parses to a different spec", input);
  Require(berth::AppSpecToJson(again.value()) == canonical, "canonical JSON is not stable", input);
  Require(!berth::ChangesHowItRuns(spec, again.value()), "a spec differs from itself", input);

  // The store keeps the strict dump() of the canonical JSON (Supervisor persists it that way).
  std::string text = canonical.dump();
  json reread = json::parse(text, nullptr, false);
  Require(!reread.is_discarded(), "the stored text of a spec is not JSON", input);
  auto restored = berth::ParseAppSpec(reread, "web");
  Require(restored.ok(), "the stored text of a spec is rejected", input);
  Require(restored.value() == spec, "the stored text parses to a different spec", input);
}

void CheckSpec(const berth::AppSpec& spec, const json& input) {
  Require(spec.name == "web", "the spec does not carry the name it was parsed under", input);
  Require(berth::StopSignalNumber(spec.stop_signal) != 0, "stop_signal names no signal", input);
  Require(spec.backoff.initial_ms >= 1 && spec.backoff.initial_ms <= spec.backoff.max_ms,
          "backoff out of range", input);
  Require(spec.process() != nullptr, "a kind other than process is accepted", input);
  const berth::ProcessSpec& process = *spec.process();
  Require(!process.command.empty() && !process.command[0].empty(), "the spec has no program",
          input);
  Require(!process.shell_command || process.command.size() == 3, "a shell command is not sh -c",
          input);
  Require(!process.port || (*process.port >= 1 && *process.port <= 65535), "port out of range",
          input);
  Require(process.directory.empty() || process.directory[0] == '/', "directory is relative", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  json input = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false,
                           /*ignore_comments=*/true);
  if (input.is_discarded()) return 0;
  auto spec = berth::ParseAppSpec(input, "web");
  if (!spec.ok()) {
    Require(!spec.status().message().empty(), "a rejection without a message", input);
    return 0;
  }
  CheckSpec(spec.value(), input);
  CheckRoundTrip(spec.value(), input);
  return 0;
}
