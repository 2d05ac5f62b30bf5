// The frame both fetchers (berth-fetch, berth-fetch-tarball) share: one JSON job read from
// stdin and checked, its secrets kept out of the output, the outcome printed, the exit code.
#pragma once

#include <functional>
#include <string>

#include "base/status.h"
#include "supervise/fetch/fetch_job.h"
#include "supervise/fetch/output.h"

namespace berth {

enum FetchExit { kFetchSucceeded = 0, kFetchFailed = 1, kFetchBadJob = 2 };

// Runs one checked job; `text` is the job as it arrived.
using FetchRunner =
    std::function<Result<FetchResult>(const FetchJob& job, const std::string& text, Output&)>;

// main() of a fetcher named `program`: takes no arguments, reads at most 1 MiB of job from
// stdin, and returns the exit code.
int RunFetcher(const char* program, int argc, char** argv, const FetchRunner& run);

}  // namespace berth
