// Parsing of the stdin job of berth-fetch.
#include "supervise/fetch/fetch_job.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace berth {
namespace {

using nlohmann::json;

// Reads an optional string field; null counts as absent.
Status ReadString(const json& body, const char* key, std::string* out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return Status::Invalid(std::string(key) + " must be a string", key);
  *out = it->get<std::string>();
  return Status::Ok();
}

Status Require(const std::string& value, const char* key, std::string_view op) {
  if (!value.empty()) return Status::Ok();
  return Status::Invalid("a " + std::string(op) + " job needs " + key, key);
}

Result<FetchOp> ParseOp(const std::string& op) {
  if (op.empty()) return Status::Invalid("the job needs op: git, git-resolve, git-ls-remote or tarball", "op");
  if (op == "git") return FetchOp::kGit;
  if (op == "git-resolve") return FetchOp::kGitResolve;
  if (op == "git-ls-remote") return FetchOp::kGitLsRemote;
  if (op == "tarball") return FetchOp::kTarball;
  return Status::Invalid(
      "unknown op '" + op + "': expected git, git-resolve, git-ls-remote or tarball", "op");
}

Status CheckSha256(std::string* sha256) {
  if (sha256->empty()) return Status::Ok();
  std::transform(sha256->begin(), sha256->end(), sha256->begin(),
                 [](unsigned char c) { return std::tolower(c); });
  bool hex =
      std::all_of(sha256->begin(), sha256->end(), [](unsigned char c) { return std::isxdigit(c); });
  if (sha256->size() != 64 || !hex) {
    return Status::Invalid("sha256 must be 64 hex digits", "sha256");
  }
  return Status::Ok();
}

Status CheckFields(const std::string& op_name, FetchJob* job) {
  Status status = Require(job->url, "url", op_name);
  bool git_cache = job->op == FetchOp::kGit || job->op == FetchOp::kGitResolve;
  if (status.ok() && git_cache) status = Require(job->repo_dir, "repo_dir", op_name);
  if (status.ok() && (job->op == FetchOp::kGit || job->op == FetchOp::kTarball))
    status = Require(job->dest_dir, "dest_dir", op_name);
  if (status.ok()) status = CheckSha256(&job->sha256);
  return status;
}

}  // namespace

Result<FetchJob> ParseFetchJob(std::string_view text) {
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Status::Invalid("the job on stdin must be one JSON object");
  }
  FetchJob job;
  std::string op;
  for (auto [key, field] : {std::pair{"op", &op},
                            {"url", &job.url},
                            {"ref", &job.ref},
                            {"username", &job.username},
                            {"token", &job.token},
                            {"repo_dir", &job.repo_dir},
                            {"dest_dir", &job.dest_dir},
                            {"sha256", &job.sha256}}) {
    if (Status status = ReadString(body, key, field); !status.ok()) return status;
  }
  Result<FetchOp> parsed_op = ParseOp(op);
  if (!parsed_op.ok()) return parsed_op.status();
  job.op = *parsed_op;
  if (Status status = CheckFields(op, &job); !status.ok()) return status;
  return job;
}

}  // namespace berth
