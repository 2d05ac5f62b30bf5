// The berth-fetch job and result formats, seen from berthd.
#include "supervise/fetch_client.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace berth {
namespace {

constexpr size_t kResultLineMax = 4096;
constexpr std::string_view kResultPrefix = "RESULT ";

const char* GitOp(FetchKind kind) {
  switch (kind) {
    case FetchKind::kFetch:
      return "git";
    case FetchKind::kResolve:
      return "git-resolve";
    case FetchKind::kLsRemote:
      return "git-ls-remote";
  }
  return "git";
}

}  // namespace

nlohmann::json FetchJobJson(const SourceSpec& source, FetchKind kind, const std::string& root,
                            const std::string& dest) {
  if (source.type == SourceSpec::Type::kTarball)
    return {{"op", "tarball"}, {"url", source.url}, {"sha256", source.sha256}, {"dest_dir", dest}};
  nlohmann::json job = {{"op", GitOp(kind)},
                        {"url", source.url},
                        {"ref", source.ref},
                        {"username", source.username},
                        {"token", source.token}};
  if (kind != FetchKind::kLsRemote) job["repo_dir"] = root + "/repo.git";
  if (kind == FetchKind::kFetch) job["dest_dir"] = dest;
  return job;
}

Result<UniqueFd> StdinHolding(const std::string& text) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::IOError(std::string("pipe: ") + strerror(errno));
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  if (write(write_end.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return Status::IOError("cannot hand the job to berth-fetch");
  return read_end;
}

std::optional<FetchedRevision> ParseFetchResultLine(std::string_view line) {
  if (line.rfind(kResultPrefix, 0) != 0 || line.size() >= kResultLineMax) return std::nullopt;
  nlohmann::json result = nlohmann::json::parse(line.substr(kResultPrefix.size()), nullptr, false);
  if (!result.is_object()) return std::nullopt;
  auto text = [&](const char* key) {
    auto it = result.find(key);
    return it != result.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  return FetchedRevision{text("revision"), text("ref")};
}

}  // namespace berth
