// Fuzz target: a request body of the /stacks API through what handlers/stack_json makes of it:
// the attributes taken, their validation, the app definition they map onto and berth's parse
// of it, the signature header's normalisation and Ruby's to_i. Nothing may throw or crash; a
// stack that validates maps onto a definition whose refusal names a known attribute.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "handlers/stack_json.h"

namespace {

void Require(bool ok, const char* what) {
  if (ok) return;
  fprintf(stderr, "fuzz_stack_params: %s\n", what);
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string header = berth::NormalizeSignatureHeader(body);
  Require(header.find("--") == std::string::npos, "a normalised header has an empty word");
  long entries = berth::RubyToInteger(body);
  Require(entries >= -1000000000 && entries <= 1000000000, "to_i out of its bounds");
  std::optional<nlohmann::json> params = berth::StackParams(body);
  if (!params) return 0;
  Require(params->is_object() && !params->empty(), "params without an attribute");
  nlohmann::ordered_json errors = berth::ValidateStack(*params, false);
  if (!errors.empty()) return 0;
  nlohmann::json app = berth::StackAppJson(*params, nlohmann::json::object());
  auto spec = berth::ParseAppSpec(app, app.value("name", ""));
  if (!spec.ok()) Require(!berth::StackAttributeOf(spec.status().field()).empty(), "no attribute");
  return 0;
}
