// The git jobs of berth-fetch: "git" (fetch, resolve the ref, check the tree out into a
// release directory) and "git-resolve" (fetch and resolve only).
#pragma once

#include "base/status.h"
#include "supervise/fetch/fetch_job.h"
#include "supervise/fetch/output.h"

namespace berth {

// REQUIRES: job.op is kGit or kGitResolve.
Result<FetchResult> RunGitJob(const FetchJob& job, Output& output);

}  // namespace berth
