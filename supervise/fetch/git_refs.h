// Resolving the ref of a git source (branch, tag, commit, or the remote's default branch) in
// a fetched GitMirror.
#pragma once

#include <git2.h>

#include <string>

#include "base/status.h"

namespace berth {

enum class RefKind { kBranch, kTag, kCommit };
const char* to_string(RefKind kind);

struct ResolvedRef {
  RefKind kind = RefKind::kBranch;
  std::string name;  // branch or tag name; the full sha for a commit
  git_oid commit{};
};

// Looks `ref` up as a branch of origin, then a tag, then a full or abbreviated commit sha
// (like `git clone --branch`, a branch wins over a tag of the same name). "refs/heads/x" and
// "refs/tags/x" are accepted too. An empty ref means `remote_head` ("refs/heads/main").
// The error for an unknown ref lists the branches and tags there are.
Result<ResolvedRef> ResolveRef(git_repository* repo, const std::string& ref,
                               const std::string& remote_head, const std::string& display_url);

}  // namespace berth
