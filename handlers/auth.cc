// Admin token loading and checking in constant time.
#include "handlers/auth.h"

#include <string.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/hex.h"
#include "reactor/atomic_file.h"

namespace berth {
namespace {

std::string Trim(std::string text) {
  while (!text.empty() && isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  size_t start = 0;
  while (start < text.size() && isspace(static_cast<unsigned char>(text[start]))) ++start;
  return text.substr(start);
}

Result<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path);
  std::stringstream content;
  content << in.rdbuf();
  std::string token = Trim(content.str());
  if (token.empty()) return Status::Invalid(path + " is empty");
  return token;
}

Result<std::string> GenerateToken(const std::string& path) {
  std::string token = RandomHex(24);
  Status written = WriteFileAtomically(path, token + "\n", 0600, Durability::kPowerLoss);
  if (!written.ok()) return written;
  return token;
}

}  // namespace

Result<std::string> LoadAdminToken(const std::string& state_dir) {
  // A blank token would let "Bearer " in: treat it as not given.
  if (const char* env = getenv("BERTH_ADMIN_TOKEN"); env && !Trim(env).empty()) return Trim(env);
  if (const char* creds = getenv("CREDENTIALS_DIRECTORY"); creds && *creds) {
    auto token = ReadToken(std::string(creds) + "/admin-token");
    if (token.ok() || token.status().code() != Status::Code::kNotFound) return token;
  }
  std::string path = state_dir + "/admin-token";
  auto token = ReadToken(path);
  if (token.ok() || token.status().code() != Status::Code::kNotFound) return token;
  return GenerateToken(path);
}

Result<std::string> LoadAdminPassword() {
  if (const char* env = getenv("BERTH_ADMIN_PASSWORD"); env && *env) return std::string(env);
  if (const char* creds = getenv("CREDENTIALS_DIRECTORY"); creds && *creds) {
    auto password = ReadToken(std::string(creds) + "/admin-password");
    if (password.ok() || password.status().code() != Status::Code::kNotFound) return password;
  }
  return std::string();
}

TokenAuth::TokenAuth(const std::string& token) : token_(token) {}

bool TokenAuth::Check(const char* authorization) const {
  if (!authorization || strncmp(authorization, "Bearer ", 7) != 0) return false;
  std::string_view given(authorization + 7);
  while (!given.empty() && given.back() == ' ') given.remove_suffix(1);
  // Every byte of the real token is looked at whatever the input: the time taken says
  // nothing about how much of a guess was right.
  volatile unsigned char diff = given.size() != token_.size();
  for (size_t i = 0; i < token_.size(); ++i)
    diff = diff | (token_[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

}  // namespace berth
