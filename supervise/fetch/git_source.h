// The git jobs of berth-fetch: "git" (fetch, resolve the ref, check the tree out into a
// release directory), "git-resolve" (fetch and resolve only) and "git-ls-remote" (ask the
// remote what the ref names, writing nothing).
#pragma once

#include "base/status.h"
#include "supervise/fetch/fetch_job.h"
#include "supervise/fetch/output.h"

namespace berth {

// REQUIRES: job.op is kGit, kGitResolve or kGitLsRemote.
Result<FetchResult> RunGitJob(const FetchJob& job, Output& output);

}  // namespace berth
