// The git jobs: the bare cache is fetched, the ref resolved, and the commit's tree written
// into the release directory without touching the cache's own (absent) work tree.
#include "supervise/fetch/git_source.h"

#include <filesystem>
#include <optional>

#include "supervise/fetch/git_handles.h"
#include "supervise/fetch/git_ls_remote.h"
#include "supervise/fetch/git_mirror.h"
#include "supervise/fetch/git_refs.h"
#include "supervise/fetch/release_dir.h"
#include "supervise/fetch/source_url.h"

namespace berth {
namespace {

constexpr size_t kShortSha = 7;

// Credentials from the job, completed by the ones the URL carried.
GitCredentials MergeCredentials(const FetchJob& job, const SourceUrl& source) {
  GitCredentials credentials{job.username, job.token};
  if (credentials.username.empty()) credentials.username = source.username;
  if (credentials.token.empty()) credentials.token = source.password;
  return credentials;
}

Status CheckoutCommit(git_repository* repo, const git_oid& oid, const std::string& dest_dir) {
  git_commit* raw_commit = nullptr;
  if (git_commit_lookup(&raw_commit, repo, &oid) != 0) {
    return Status::IOError("cannot read commit " + OidHex(oid) + ": " + GitErrorMessage());
  }
  GitCommitPtr commit(raw_commit);
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, commit.get()) != 0) {
    return Status::IOError("cannot read the tree of " + OidHex(oid) + ": " + GitErrorMessage());
  }
  GitTreePtr tree(raw_tree);
  git_checkout_options options = GIT_CHECKOUT_OPTIONS_INIT;
  // The cache is bare: the release directory is the target, and the cache keeps no index.
  options.checkout_strategy =
      GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX | GIT_CHECKOUT_DONT_WRITE_INDEX;
  // Relative target directories confuse libgit2's creation of subdirectories.
  const std::string target = std::filesystem::absolute(dest_dir).string();
  options.target_directory = target.c_str();
  if (git_checkout_tree(repo, reinterpret_cast<git_object*>(tree.get()), &options) != 0) {
    return Status::IOError("cannot check out " + OidHex(oid) + " into '" + dest_dir +
                           "': " + GitErrorMessage());
  }
  return Status::Ok();
}

std::string Describe(const ResolvedRef& ref) {
  std::string sha = OidHex(ref.commit, kShortSha);
  return ref.kind == RefKind::kCommit ? sha : sha + " (" + ref.name + ")";
}

}  // namespace

Result<FetchResult> RunGitJob(const FetchJob& job, Output& output) {
  GitLibrary library(IsHttpUrl(job.url));
  Result<SourceUrl> source = SplitUserinfo(job.url);
  if (!source.ok()) return source.status();
  output.AddSecret(source->password);
  const std::string shown = DisplayUrl(source->url);
  if (job.op == FetchOp::kGitLsRemote) {
    Result<RemoteListing> listing = ListRemote(source->url, MergeCredentials(job, *source), output);
    if (!listing.ok()) return listing.status();
    return FindRemoteRef(*listing, job.ref, shown);
  }
  output.Progress("fetching " + shown + " (" +
                  (job.ref.empty() ? "default branch" : "ref " + job.ref) + ")");

  std::optional<ReleaseDir> release;
  if (job.op == FetchOp::kGit) {
    Result<ReleaseDir> prepared = ReleaseDir::Prepare(job.dest_dir);
    if (!prepared.ok()) return prepared.status();
    release.emplace(std::move(prepared).value());
  }
  Result<GitMirror> mirror = GitMirror::Open(job.repo_dir, source->url);
  if (!mirror.ok()) return mirror.status();
  Result<std::string> remote_head = mirror->Fetch(MergeCredentials(job, *source), output);
  if (!remote_head.ok()) return remote_head.status();
  Result<ResolvedRef> resolved = ResolveRef(mirror->repo(), job.ref, *remote_head, shown);
  if (!resolved.ok()) return resolved.status();

  if (release) {
    Status status = CheckoutCommit(mirror->repo(), resolved->commit, release->path());
    if (!status.ok()) return status;
    release->Keep();
    output.Progress("checked out " + Describe(*resolved) + " into " + release->path());
  } else {
    output.Progress("resolved " + Describe(*resolved));
  }
  return FetchResult{OidHex(resolved->commit), resolved->name};
}

}  // namespace berth
