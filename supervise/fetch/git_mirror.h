// GitMirror: the bare cache of an app's repository (repo_dir). Its one remote, "origin", holds
// the plain URL; credentials reach libgit2 only through the credentials callback.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "supervise/fetch/git_handles.h"
#include "supervise/fetch/output.h"

namespace berth {

struct GitCredentials {
  std::string username;  // defaults to "x-access-token" when only a token is given
  std::string token;
};

// What a remote advertises: its references with the commits they name (an annotated tag also
// as "refs/tags/x^{}", peeled), and the branch its HEAD names ("" when it names none).
struct RemoteListing {
  std::string head_branch;
  std::vector<std::pair<std::string, git_oid>> refs;
};

// Lists `url`'s references the way `git ls-remote` does: one connection, no repository, nothing
// written anywhere. Unavailable (with what to do) when the remote cannot be reached.
Result<RemoteListing> ListRemote(const std::string& url, const GitCredentials& credentials,
                                 Output& output);

class GitMirror {
 public:
  // Opens repo_dir, or creates it as a bare repository when it is absent or empty, and points
  // origin at `url` (which must carry no credentials).
  static Result<GitMirror> Open(const std::string& repo_dir, const std::string& url);

  // Fetches every branch (into refs/remotes/origin/) and every tag, dropping those gone
  // upstream. Returns the branch the remote's HEAD names ("refs/heads/main"), or "" when the
  // remote has none (an empty repository).
  Result<std::string> Fetch(const GitCredentials& credentials, Output& output);

  git_repository* repo() const { return repo_.get(); }
  const std::string& display_url() const { return display_url_; }

 private:
  GitMirror(GitRepositoryPtr repo, std::string url);

  GitRepositoryPtr repo_;
  std::string url_;
  std::string display_url_;
};

}  // namespace berth
