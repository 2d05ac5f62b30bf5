// Keeps libgit2's start from parsing the system's CA bundle when the job needs no TLS.
//
// Debian's libgit2 1.5 (mbedTLS) parses every certificate of /etc/ssl/certs/ca-certificates.crt
// in git_libgit2_init, about 5 ms of CPU, whatever the URL. A redeploy from a file:// or ssh://
// URL never opens a TLS stream, and that parse was a third of its cost. libgit2 finds the
// bundle with stat(); this executable's stat() answers ENOENT for that one path while
// GitLibrary starts a library that needs no TLS, and is the C library's stat() otherwise.
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "supervise/fetch/git_handles.h"

namespace berth {
namespace {

constexpr char kCaBundle[] = "/etc/ssl/certs/ca-certificates.crt";
bool ca_bundle_hidden = false;

}  // namespace

void HideCaBundleFromInit(bool hide) { ca_bundle_hidden = hide; }

}  // namespace berth

extern "C" int stat(const char* __restrict path, struct stat* __restrict buffer) noexcept {
  if (berth::ca_bundle_hidden && std::strcmp(path, berth::kCaBundle) == 0) {
    errno = ENOENT;
    return -1;
  }
  return fstatat(AT_FDCWD, path, buffer, 0);
}
