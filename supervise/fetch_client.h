// Talking to berth-fetch from berthd: the job it reads on stdin, the pipe that hands it over,
// and the `RESULT {...}` line a successful job ends with. Shared by deployments and polls.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "reactor/handles.h"
#include "supervise/app_spec.h"

namespace berth {

enum class FetchKind {
  kFetch,     // fetch into <root>/repo.git and check the ref out into `dest`
  kResolve,   // fetch into <root>/repo.git and resolve the ref only
  kLsRemote,  // ask the remote what the ref names; writes nothing
};

// The job description berth-fetch reads on its stdin, for `source` whose files are under `root`.
nlohmann::json FetchJobJson(const SourceSpec& source, FetchKind kind, const std::string& root,
                            const std::string& dest);

// A pipe whose read end holds `text` for a child's stdin (small jobs only: it must fit).
Result<UniqueFd> StdinHolding(const std::string& text);

struct FetchedRevision {
  std::string revision;
  std::string ref;
};

// The revision and ref of berth-fetch's `RESULT {...}` line; nullopt for any other line.
std::optional<FetchedRevision> ParseFetchResultLine(std::string_view line);

}  // namespace berth
