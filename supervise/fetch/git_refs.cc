// Ref resolution in the bare git cache, with errors that list what the remote offers.
#include "supervise/fetch/git_refs.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <vector>

#include "supervise/fetch/git_handles.h"

namespace berth {
namespace {

constexpr char kBranchPrefix[] = "refs/remotes/origin/";
constexpr char kTagPrefix[] = "refs/tags/";
constexpr size_t kListedNames = 20;

bool StartsWith(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// The names under `prefix` ("main", "v1"), sorted; origin's HEAD alias is left out.
std::vector<std::string> ListRefs(git_repository* repo, const std::string& prefix) {
  std::vector<std::string> names;
  git_reference_iterator* raw = nullptr;
  if (git_reference_iterator_glob_new(&raw, repo, (prefix + "*").c_str()) != 0) return names;
  GitReferenceIteratorPtr it(raw);
  const char* name = nullptr;
  while (git_reference_next_name(&name, it.get()) == 0) {
    std::string short_name = std::string(name).substr(prefix.size());
    if (short_name != "HEAD") names.push_back(short_name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < kListedNames; ++i) {
    out += (i ? ", " : "") + names[i];
  }
  if (names.size() > kListedNames) {
    out += " and " + std::to_string(names.size() - kListedNames) + " more";
  }
  return out;
}

// "branches are main, dev; tags are v1" (or "no branches", "no tags").
std::string DescribeRefs(git_repository* repo) {
  std::vector<std::string> branches = ListRefs(repo, kBranchPrefix);
  std::vector<std::string> tags = ListRefs(repo, kTagPrefix);
  std::string out = branches.empty() ? "no branches" : "branches are " + JoinNames(branches);
  out += tags.empty() ? "; no tags" : "; tags are " + JoinNames(tags);
  return out;
}

// The commit a reference leads to (through annotated tags), or nullopt when it is absent.
Result<std::optional<git_oid>> PeelReference(git_repository* repo, const std::string& name) {
  git_reference* raw_ref = nullptr;
  int rc = git_reference_lookup(&raw_ref, repo, name.c_str());
  if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) return std::optional<git_oid>();
  if (rc != 0) return Status::IOError("cannot read " + name + ": " + GitErrorMessage());
  GitReferencePtr ref(raw_ref);
  git_object* raw_commit = nullptr;
  if (git_reference_peel(&raw_commit, ref.get(), GIT_OBJECT_COMMIT) != 0) {
    return Status::Invalid(name + " does not point to a commit", "ref");
  }
  GitObjectPtr commit(raw_commit);
  return std::optional<git_oid>(*git_object_id(commit.get()));
}

bool LooksLikeSha(const std::string& ref) {
  return ref.size() >= 4 && ref.size() <= GIT_OID_HEXSZ &&
         std::all_of(ref.begin(), ref.end(), [](unsigned char c) { return std::isxdigit(c); });
}

// A commit named by a full or abbreviated sha, or nullopt when no fetched commit has it.
Result<std::optional<git_oid>> LookupCommit(git_repository* repo, const std::string& sha) {
  git_oid prefix;
  if (git_oid_fromstrn(&prefix, sha.c_str(), sha.size()) != 0) return std::optional<git_oid>();
  git_object* raw = nullptr;
  int rc = git_object_lookup_prefix(&raw, repo, &prefix, sha.size(), GIT_OBJECT_ANY);
  if (rc == GIT_ENOTFOUND) return std::optional<git_oid>();
  if (rc == GIT_EAMBIGUOUS) {
    return Status::Invalid("commit '" + sha + "' is ambiguous; give more of its digits", "ref");
  }
  if (rc != 0) return Status::IOError("cannot look up '" + sha + "': " + GitErrorMessage());
  GitObjectPtr object(raw);
  git_object* raw_commit = nullptr;
  if (git_object_peel(&raw_commit, object.get(), GIT_OBJECT_COMMIT) != 0) {
    return Status::Invalid("'" + sha + "' is not a commit", "ref");
  }
  GitObjectPtr commit(raw_commit);
  return std::optional<git_oid>(*git_object_id(commit.get()));
}

// Tries one kind of ref; `found` is set when it matched.
Status TryRef(git_repository* repo, RefKind kind, const std::string& name,
              std::optional<ResolvedRef>* found) {
  Result<std::optional<git_oid>> oid = kind == RefKind::kCommit ? LookupCommit(repo, name)
                                       : kind == RefKind::kBranch
                                           ? PeelReference(repo, kBranchPrefix + name)
                                           : PeelReference(repo, kTagPrefix + name);
  if (!oid.ok()) return oid.status();
  if (oid->has_value()) {
    ResolvedRef resolved{kind, kind == RefKind::kCommit ? OidHex(**oid) : name, **oid};
    *found = resolved;
  }
  return Status::Ok();
}

Result<ResolvedRef> ResolveDefaultBranch(git_repository* repo, const std::string& remote_head,
                                         const std::string& display_url) {
  if (ListRefs(repo, kBranchPrefix).empty()) {
    return Status::NotFound(display_url + " has no branches yet: push a commit first");
  }
  if (!StartsWith(remote_head, "refs/heads/")) {
    return Status::NotFound(display_url +
                            " has no default branch (HEAD); set ref: " + DescribeRefs(repo));
  }
  return ResolveRef(repo, remote_head.substr(strlen("refs/heads/")), "", display_url);
}

}  // namespace

const char* to_string(RefKind kind) {
  switch (kind) {
    case RefKind::kBranch:
      return "branch";
    case RefKind::kTag:
      return "tag";
    case RefKind::kCommit:
      return "commit";
  }
  return "?";
}

Result<ResolvedRef> ResolveRef(git_repository* repo, const std::string& ref,
                               const std::string& remote_head, const std::string& display_url) {
  if (ref.empty()) return ResolveDefaultBranch(repo, remote_head, display_url);
  std::vector<std::pair<RefKind, std::string>> candidates;
  if (StartsWith(ref, "refs/heads/")) {
    candidates.emplace_back(RefKind::kBranch, ref.substr(strlen("refs/heads/")));
  } else if (StartsWith(ref, kTagPrefix)) {
    candidates.emplace_back(RefKind::kTag, ref.substr(strlen(kTagPrefix)));
  } else {
    candidates = {{RefKind::kBranch, ref}, {RefKind::kTag, ref}};
    if (LooksLikeSha(ref)) candidates.emplace_back(RefKind::kCommit, ref);
  }
  std::optional<ResolvedRef> found;
  for (const auto& [kind, name] : candidates) {
    if (name.empty()) continue;
    if (Status status = TryRef(repo, kind, name, &found); !status.ok()) return status;
    if (found) return *found;
  }
  return Status::NotFound("ref '" + ref + "' not found in " + display_url + ": " +
                          DescribeRefs(repo));
}

}  // namespace berth
