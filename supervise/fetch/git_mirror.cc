// Creating, opening and fetching the bare git cache of an app.
#include "supervise/fetch/git_mirror.h"

#include <filesystem>
#include <system_error>

#include "supervise/fetch/source_url.h"

namespace berth {
namespace {

namespace fs = std::filesystem;

constexpr char kRemote[] = "origin";
constexpr char kTagRefspec[] = "+refs/tags/*:refs/tags/*";
constexpr char kDefaultUsername[] = "x-access-token";

// What the callbacks of one fetch share.
struct FetchState {
  const GitCredentials* credentials = nullptr;
  Output* output = nullptr;
  ProgressThrottle throttle;
  int credential_requests = 0;
  bool unsupported_auth = false;
};

int ProvideCredentials(git_credential** out, const char* /*url*/, const char* username_from_url,
                       unsigned int allowed_types, void* payload) {
  auto* state = static_cast<FetchState*>(payload);
  ++state->credential_requests;
  if ((allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) == 0) {
    state->unsupported_auth = true;
    return GIT_EUSER;
  }
  // A second request means the server refused what was sent: stop rather than loop.
  if (state->credentials->token.empty() || state->credential_requests > 1) return GIT_EUSER;
  std::string username = state->credentials->username;
  if (username.empty() && username_from_url != nullptr) username = username_from_url;
  if (username.empty()) username = kDefaultUsername;
  return git_credential_userpass_plaintext_new(out, username.c_str(),
                                               state->credentials->token.c_str());
}

int ReportTransfer(const git_indexer_progress* stats, void* payload) {
  auto* state = static_cast<FetchState*>(payload);
  if (!state->throttle.ShouldReport(stats->received_objects, stats->total_objects)) return 0;
  unsigned percent =
      stats->total_objects ? stats->received_objects * 100 / stats->total_objects : 0;
  state->output->Progress("receiving objects: " + std::to_string(percent) + "% (" +
                          std::to_string(stats->received_objects) + "/" +
                          std::to_string(stats->total_objects) + "), " +
                          FormatBytes(stats->received_bytes));
  return 0;
}

git_remote_callbacks Callbacks(FetchState* state) {
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  callbacks.credentials = ProvideCredentials;
  callbacks.transfer_progress = ReportTransfer;
  callbacks.payload = state;
  return callbacks;
}

bool IsAbsentOrEmptyDir(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return true;
  return fs::is_directory(path, ec) && fs::is_empty(path, ec);
}

Result<GitRepositoryPtr> OpenOrInit(const std::string& repo_dir) {
  git_repository* repo = nullptr;
  if (IsAbsentOrEmptyDir(repo_dir)) {
    if (git_repository_init(&repo, repo_dir.c_str(), /*is_bare=*/1) != 0) {
      return Status::IOError("cannot create repo_dir '" + repo_dir + "': " + GitErrorMessage());
    }
    return GitRepositoryPtr(repo);
  }
  if (git_repository_open_bare(&repo, repo_dir.c_str()) != 0) {
    return Status::Conflict("repo_dir '" + repo_dir + "' is not a usable git repository (" +
                            GitErrorMessage() + "); remove it and fetch again");
  }
  return GitRepositoryPtr(repo);
}

// Creates origin, or points the existing one at `url` when the source moved.
Status ConfigureOrigin(git_repository* repo, const std::string& url) {
  git_remote* raw = nullptr;
  int rc = git_remote_lookup(&raw, repo, kRemote);
  GitRemotePtr remote(raw);
  if (rc == GIT_ENOTFOUND) {
    if (git_remote_create(&raw, repo, kRemote, url.c_str()) != 0) {
      return Status::IOError("cannot configure the git cache: " + GitErrorMessage());
    }
    remote.reset(raw);
    if (git_remote_add_fetch(repo, kRemote, kTagRefspec) != 0) {
      return Status::IOError("cannot configure the git cache: " + GitErrorMessage());
    }
    return Status::Ok();
  }
  if (rc != 0) return Status::IOError("cannot read the git cache: " + GitErrorMessage());
  const char* current = git_remote_url(remote.get());
  if (current != nullptr && url == current) return Status::Ok();
  if (git_remote_set_url(repo, kRemote, url.c_str()) != 0) {
    return Status::IOError("cannot configure the git cache: " + GitErrorMessage());
  }
  return Status::Ok();
}

Status FetchFailure(const FetchState& state, const std::string& display_url,
                    const char* what = "fetch") {
  if (state.unsupported_auth) {
    return Status::Unavailable(display_url +
                               " asks for a kind of authentication berth does not support; use "
                               "an https URL with a username and token");
  }
  if (state.credential_requests > 1) {
    return Status::Unavailable("authentication failed for " + display_url +
                               ": the server refused the username and token");
  }
  if (state.credential_requests == 1 && state.credentials->token.empty()) {
    return Status::Unavailable("authentication failed for " + display_url +
                               ": the repository needs a username and token");
  }
  return Status::Unavailable(std::string("cannot ") + what + " " + display_url + ": " +
                             GitErrorMessage());
}

}  // namespace

Result<RemoteListing> ListRemote(const std::string& url, const GitCredentials& credentials,
                                 Output& output) {
  const std::string shown = DisplayUrl(url);
  git_remote* raw = nullptr;
  if (git_remote_create_detached(&raw, url.c_str()) != 0)
    return Status::Invalid("cannot use " + shown + ": " + GitErrorMessage(), "url");
  GitRemotePtr remote(raw);
  FetchState state;
  state.credentials = &credentials;
  state.output = &output;
  git_remote_callbacks callbacks = Callbacks(&state);
  git_proxy_options proxy = GIT_PROXY_OPTIONS_INIT;
  proxy.type = GIT_PROXY_AUTO;
  if (git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &callbacks, &proxy, nullptr) != 0)
    return FetchFailure(state, shown, "list");
  RemoteListing listing;
  git_buf head = {};
  if (git_remote_default_branch(&head, remote.get()) == 0)
    listing.head_branch.assign(head.ptr, head.size);
  git_buf_dispose(&head);
  const git_remote_head** heads = nullptr;
  size_t count = 0;
  if (git_remote_ls(&heads, &count, remote.get()) != 0) return FetchFailure(state, shown, "list");
  for (size_t i = 0; i < count; ++i) listing.refs.emplace_back(heads[i]->name, heads[i]->oid);
  return listing;
}

GitMirror::GitMirror(GitRepositoryPtr repo, std::string url)
    : repo_(std::move(repo)), url_(std::move(url)), display_url_(DisplayUrl(url_)) {}

Result<GitMirror> GitMirror::Open(const std::string& repo_dir, const std::string& url) {
  Result<GitRepositoryPtr> repo = OpenOrInit(repo_dir);
  if (!repo.ok()) return repo.status();
  if (Status status = ConfigureOrigin(repo->get(), url); !status.ok()) return status;
  return GitMirror(std::move(repo).value(), url);
}

Result<std::string> GitMirror::Fetch(const GitCredentials& credentials, Output& output) {
  git_remote* raw = nullptr;
  if (git_remote_lookup(&raw, repo_.get(), kRemote) != 0) {
    return Status::IOError("cannot read the git cache: " + GitErrorMessage());
  }
  GitRemotePtr remote(raw);
  FetchState state;
  state.credentials = &credentials;
  state.output = &output;
  git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
  options.callbacks = Callbacks(&state);
  options.prune = GIT_FETCH_PRUNE;
  options.update_fetchhead = 0;
  options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;  // the tag refspec fetches them all
  options.proxy_opts.type = GIT_PROXY_AUTO;
  // Connect first: the remote's HEAD is only known while connected.
  if (git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &options.callbacks, &options.proxy_opts,
                         nullptr) != 0) {
    return FetchFailure(state, display_url_);
  }
  git_buf head = {};
  std::string head_branch;
  if (git_remote_default_branch(&head, remote.get()) == 0) head_branch.assign(head.ptr, head.size);
  git_buf_dispose(&head);
  if (git_remote_fetch(remote.get(), nullptr, &options, "fetch") != 0) {
    return FetchFailure(state, display_url_);
  }
  const git_indexer_progress* stats = git_remote_stats(remote.get());
  if (stats->received_objects > 0) {
    output.Progress("received " + std::to_string(stats->received_objects) + " objects, " +
                    FormatBytes(stats->received_bytes));
  }
  return head_branch;
}

}  // namespace berth
