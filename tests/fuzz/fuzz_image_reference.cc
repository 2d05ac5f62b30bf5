// Fuzz target: an image reference given to ParseImageReference. Checks that an accepted one has
// a valid registry, a lowercase repository, a tag or a digest, and that its full form parses
// back to the same reference.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "supervise/docker/image_reference.h"

namespace {

void Require(bool ok, const char* what) {
  if (ok) return;
  fprintf(stderr, "fuzz_image_reference: %s\n", what);
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = berth::docker::ParseImageReference(text);
  if (!parsed.ok()) {
    Require(!parsed.status().message().empty(), "a refusal has no message");
    return 0;
  }
  const berth::docker::ImageReference& ref = *parsed;
  Require(!ref.registry.empty() && !ref.repository.empty(), "no registry or repository");
  Require(!ref.tag.empty() || !ref.digest.empty(), "neither a tag nor a digest");
  Require(ref.Name().size() <= 255, "the name is longer than 255 characters");
  for (char c : ref.repository) Require(c < 'A' || c > 'Z', "the repository has uppercase");
  Require(ref.repository.find("//") == std::string::npos, "the repository has an empty component");
  Require(!ref.ApiHost().empty(), "no API host");
  auto again = berth::docker::ParseImageReference(ref.ToString());
  Require(again.ok(), "the full form of a reference is refused");
  Require(*again == ref, "the full form of a reference parses to another one");
  return 0;
}
