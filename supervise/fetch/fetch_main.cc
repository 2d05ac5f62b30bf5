// berth-fetch: fetches an app's source into a release directory. berthd runs it as the app's
// user; the job arrives as JSON on stdin, progress leaves on stdout. Git jobs run here, with
// libgit2 alone; tarball jobs go on to berth-fetch-tarball beside it, which loads libcurl and
// libarchive, so that the redeploy of a git app pays for neither.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "supervise/fetch/fetcher.h"
#include "supervise/fetch/git_source.h"

namespace {

constexpr char kTarballFetcher[] = "berth-fetch-tarball";

// The directory this executable is in, with its trailing '/'.
std::string OwnDirectory() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return "";
  std::string self(path, static_cast<size_t>(n));
  return self.substr(0, self.rfind('/') + 1);
}

// Replaces this process with berth-fetch-tarball, the job on its stdin (a memory file: the
// token never touches a disk). Returns only on failure.
berth::Status HandToTarballFetcher(const std::string& text) {
  std::string program = OwnDirectory() + kTarballFetcher;
  int fd = memfd_create("berth-fetch-job", MFD_CLOEXEC);
  if (fd < 0) return berth::Status::IOError(std::string("memfd_create: ") + strerror(errno));
  bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                 lseek(fd, 0, SEEK_SET) == 0 && dup2(fd, STDIN_FILENO) == STDIN_FILENO;
  int saved_errno = errno;
  close(fd);
  if (!written)
    return berth::Status::IOError(std::string("cannot pass the job on: ") + strerror(saved_errno));
  std::fflush(nullptr);  // nothing written so far may be lost with this process image
  char* const argv[] = {const_cast<char*>(kTarballFetcher), nullptr};
  execv(program.c_str(), argv);
  return berth::Status::IOError("cannot run " + program + ": " + strerror(errno));
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
  return berth::RunFetcher("berth-fetch", argc, argv,
                           [](const berth::FetchJob& job, const std::string& text,
                              berth::Output& output) -> berth::Result<berth::FetchResult> {
                             if (job.op == berth::FetchOp::kTarball)
                               return HandToTarballFetcher(text);
                             return berth::RunGitJob(job, output);
                           });
}
