// berth-fetch: fetches an app's source (git or tarball) into a release directory. berthd runs
// it as the app's user; the job arrives as JSON on stdin, progress leaves on stdout.
#include <curl/curl.h>
#include <signal.h>

#include <cstdio>
#include <string>

#include "supervise/fetch/fetch_job.h"
#include "supervise/fetch/git_source.h"
#include "supervise/fetch/output.h"
#include "supervise/fetch/tarball_source.h"

namespace {

constexpr size_t kMaxJobBytes = 1 << 20;

enum ExitCode { kSuccess = 0, kFetchFailed = 1, kBadJob = 2 };

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

berth::Result<berth::FetchResult> Run(const berth::FetchJob& job, berth::Output& output) {
  if (job.op == berth::FetchOp::kTarball) return berth::RunTarballJob(job, output);
  return berth::RunGitJob(job, output);
}

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
// libgit2 1.5 leaks a PCRE2 match block when a config regex does not match (fixed upstream in
// 1.6, libgit2 pull request 6382); keep sanitizer builds of the tests quiet about it.
extern "C" const char* __lsan_default_suppressions() { return "leak:libpcre2-8.so\n"; }
// The report of used suppressions would follow the "error:" line that must come last.
extern "C" const char* __lsan_default_options() { return "print_suppressions=0"; }
#endif

int main(int argc, char** argv) {
  berth::Output output(stdout, stderr);
  if (argc > 1) {
    output.Error(std::string("berth-fetch takes no arguments (got '") + argv[1] +
                 "'); it reads one JSON job on stdin");
    return kBadJob;
  }
  signal(SIGPIPE, SIG_IGN);
  std::string text;
  if (!ReadJob(&text)) {
    output.Error("the job on stdin is larger than 1 MiB");
    return kBadJob;
  }
  berth::Result<berth::FetchJob> job = berth::ParseFetchJob(text);
  if (!job.ok()) {
    output.Error(job.status().message());
    return kBadJob;
  }
  output.AddSecret(job->token);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  berth::Result<berth::FetchResult> result = Run(*job, output);
  curl_global_cleanup();
  if (!result.ok()) {
    output.Error(result.status().message());
    return kFetchFailed;
  }
  output.Result(*result);
  return kSuccess;
}
