// For the "git-ls-remote" job of berth-fetch: which commit the source's ref names on the remote
// now, asked without fetching, so that a poll that finds nothing new writes nothing.
#pragma once

#include "base/status.h"
#include "supervise/fetch/git_mirror.h"
#include "supervise/fetch/output.h"

namespace berth {

// The commit `ref` names in `listing`, found like a deployment finds it: empty = the remote's
// HEAD branch, then a branch, then a tag (peeled), "refs/..." as written. A ref that is a commit
// sha is reported as given (it never moves). Invalid, listing what there is, for another ref.
Result<FetchResult> FindRemoteRef(const RemoteListing& listing, const std::string& ref,
                                  const std::string& display_url);

}  // namespace berth
