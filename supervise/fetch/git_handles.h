// Owners of libgit2 handles, the library's init/shutdown pair, and its last error message.
#pragma once

#include <git2.h>

#include <memory>
#include <string>

namespace berth {

struct GitRepositoryDeleter {
  void operator()(git_repository* repo) const { git_repository_free(repo); }
};
struct GitRemoteDeleter {
  void operator()(git_remote* remote) const { git_remote_free(remote); }
};
struct GitObjectDeleter {
  void operator()(git_object* object) const { git_object_free(object); }
};
struct GitReferenceDeleter {
  void operator()(git_reference* ref) const { git_reference_free(ref); }
};
struct GitReferenceIteratorDeleter {
  void operator()(git_reference_iterator* it) const { git_reference_iterator_free(it); }
};
struct GitCommitDeleter {
  void operator()(git_commit* commit) const { git_commit_free(commit); }
};
struct GitTreeDeleter {
  void operator()(git_tree* tree) const { git_tree_free(tree); }
};

using GitRepositoryPtr = std::unique_ptr<git_repository, GitRepositoryDeleter>;
using GitRemotePtr = std::unique_ptr<git_remote, GitRemoteDeleter>;
using GitObjectPtr = std::unique_ptr<git_object, GitObjectDeleter>;
using GitReferencePtr = std::unique_ptr<git_reference, GitReferenceDeleter>;
using GitReferenceIteratorPtr =
    std::unique_ptr<git_reference_iterator, GitReferenceIteratorDeleter>;
using GitCommitPtr = std::unique_ptr<git_commit, GitCommitDeleter>;
using GitTreePtr = std::unique_ptr<git_tree, GitTreeDeleter>;

// While true, libgit2's start does not see the system's CA bundle (git_tls.cc).
void HideCaBundleFromInit(bool hide);

// libgit2 is usable while one of these lives. `tls`: the URL may need TLS (http and https:
// an http server may redirect to https). Without it, the start skips parsing the CA bundle.
class GitLibrary {
 public:
  explicit GitLibrary(bool tls) {
    HideCaBundleFromInit(!tls);
    git_libgit2_init();
    HideCaBundleFromInit(false);
    // The fetch runs as the app's user and reads a local (file://) source that another user
    // may own. Only objects are read from it, never its hooks or config, so the owner check
    // git applies to repositories one works in does not protect anything here.
    git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
  }
  ~GitLibrary() { git_libgit2_shutdown(); }
  GitLibrary(const GitLibrary&) = delete;
  GitLibrary& operator=(const GitLibrary&) = delete;
};

// The message of the last libgit2 failure on this thread.
inline std::string GitErrorMessage() {
  const git_error* error = git_error_last();
  return error != nullptr && error->message != nullptr ? error->message : "unknown git error";
}

// The hex sha of a commit, or its first `length` digits.
inline std::string OidHex(const git_oid& oid, size_t length = GIT_OID_HEXSZ) {
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof(hex), &oid);
  return std::string(hex, length < GIT_OID_HEXSZ ? length : GIT_OID_HEXSZ);
}

}  // namespace berth
