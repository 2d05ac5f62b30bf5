// The fetchers' shared main: job in, progress and the RESULT line out.
#include "supervise/fetch/fetcher.h"

#include <signal.h>

#include <cstdio>

namespace berth {
namespace {

constexpr size_t kMaxJobBytes = 1 << 20;

// Everything on stdin, or false when it is larger than a job can be.
bool ReadJob(std::string* text) {
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), stdin)) > 0) {
    text->append(buffer, n);
    if (text->size() > kMaxJobBytes) return false;
  }
  return true;
}

}  // namespace

int RunFetcher(const char* program, int argc, char** argv, const FetchRunner& run) {
  Output output(stdout, stderr);
  if (argc > 1) {
    output.Error(std::string(program) + " takes no arguments (got '" + argv[1] +
                 "'); it reads one JSON job on stdin");
    return kFetchBadJob;
  }
  signal(SIGPIPE, SIG_IGN);
  std::string text;
  if (!ReadJob(&text)) {
    output.Error("the job on stdin is larger than 1 MiB");
    return kFetchBadJob;
  }
  Result<FetchJob> job = ParseFetchJob(text);
  if (!job.ok()) {
    output.Error(job.status().message());
    return kFetchBadJob;
  }
  output.AddSecret(job->token);
  Result<FetchResult> result = run(*job, text, output);
  if (!result.ok()) {
    output.Error(result.status().message());
    return kFetchFailed;
  }
  output.Result(*result);
  return kFetchSucceeded;
}

}  // namespace berth
