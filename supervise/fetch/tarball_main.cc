// berth-fetch-tarball: downloads, checks and unpacks an app's tarball into a release
// directory. berth-fetch hands it the tarball jobs, so that the git fetcher loads no HTTP or
// archive library; the job arrives as JSON on stdin, progress leaves on stdout.
#include <curl/curl.h>

#include "supervise/fetch/fetcher.h"
#include "supervise/fetch/tarball_source.h"

int main(int argc, char** argv) {
  return berth::RunFetcher("berth-fetch-tarball", argc, argv,
                           [](const berth::FetchJob& job, const std::string&,
                              berth::Output& output) -> berth::Result<berth::FetchResult> {
                             if (job.op != berth::FetchOp::kTarball)
                               return berth::Status::Invalid(
                                   "berth-fetch-tarball runs tarball jobs only; give "
                                   "git jobs to berth-fetch");
                             curl_global_init(CURL_GLOBAL_DEFAULT);
                             berth::Result<berth::FetchResult> result =
                                 berth::RunTarballJob(job, output);
                             curl_global_cleanup();
                             return result;
                           });
}
