// The job berth-fetch reads on stdin: one JSON object naming the operation and its inputs.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace berth {

// kGitLsRemote asks the remote which commit the ref names, writing nothing (no repo_dir).
enum class FetchOp { kGit, kGitResolve, kGitLsRemote, kTarball };

struct FetchJob {
  FetchOp op = FetchOp::kGit;
  std::string url;
  std::string ref;  // git: branch, tag or commit; empty = the remote's default branch
  std::string username;
  std::string token;
  std::string repo_dir;  // git, git-resolve: the bare cache
  std::string dest_dir;  // git and tarball: the release directory (absent or empty)
  std::string sha256;    // tarball: expected digest, lower-case hex, or empty
};

// Parses and checks a job. Missing or mistyped fields are reported by name.
Result<FetchJob> ParseFetchJob(std::string_view text);

}  // namespace berth
