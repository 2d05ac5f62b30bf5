// The tarball job: the download goes to an unnamed scratch file next to the release
// directory, so that nothing is left behind whatever happens.
#include "supervise/fetch/tarball_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "supervise/fetch/archive_extract.h"
#include "supervise/fetch/download.h"
#include "supervise/fetch/release_dir.h"
#include "supervise/fetch/source_url.h"

namespace berth {
namespace {

class ScratchFile {
 public:
  explicit ScratchFile(int fd) : fd_(fd) {}
  ~ScratchFile() {
    if (fd_ >= 0) close(fd_);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// An unlinked file in `dir`; the space it takes is freed when the process ends.
Result<int> OpenScratchFile(const std::string& dir) {
  int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string name = dir + "/.berth-fetch-XXXXXX";  // file systems without O_TMPFILE
  fd = mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    return Status::IOError("cannot create a scratch file in '" + dir +
                           "': " + std::strerror(errno));
  }
  unlink(name.c_str());
  return fd;
}

}  // namespace

Result<FetchResult> RunTarballJob(const FetchJob& job, Output& output) {
  Result<SourceUrl> source = SplitUserinfo(job.url);
  if (!source.ok()) return source.status();
  output.AddSecret(source->password);
  Result<ReleaseDir> release = ReleaseDir::Prepare(job.dest_dir);
  if (!release.ok()) return release.status();
  Result<int> fd = OpenScratchFile(release->parent());
  if (!fd.ok()) return fd.status();
  ScratchFile scratch(*fd);

  Result<Download> download = DownloadToFile(job.url, scratch.fd(), output);
  if (!download.ok()) return download.status();
  if (!job.sha256.empty() && job.sha256 != download->sha256) {
    return Status::Invalid("sha256 mismatch: expected " + job.sha256 + ", got " + download->sha256,
                           "sha256");
  }
  if (Status status = ExtractArchive(scratch.fd(), release->path(), output); !status.ok()) {
    return status;
  }
  release->Keep();
  return FetchResult{download->sha256, ""};
}

}  // namespace berth
