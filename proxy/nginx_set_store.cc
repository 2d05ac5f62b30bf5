// The managed directory of nginx mode (see nginx_set_store.h).
#include "proxy/nginx_set_store.h"

#include "base/hex.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "reactor/atomic_file.h"

namespace berth {
namespace {

namespace fs = std::filesystem;

bool ReadWhole(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *out = text.str();
  return true;
}

// "<sha256>  <name>" lines, as sha256sum writes them.
std::map<std::string, std::string> ParseManifest(const std::string& text) {
  std::map<std::string, std::string> hashes;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    size_t gap = line.find("  ");
    if (gap == 64) hashes[line.substr(gap + 2)] = line.substr(0, gap);
  }
  return hashes;
}

// n of "sets/<n>", 0 when `target` is not that.
int SetNumber(const std::string& target) {
  if (target.rfind("sets/", 0) != 0) return 0;
  return atoi(target.c_str() + 5);
}

}  // namespace

NginxSetStore::NginxSetStore(std::string dir) : dir_(std::move(dir)) {}

std::string NginxSetStore::SetPath(int number) const {
  return dir_ + "/sets/" + std::to_string(number);
}

Status NginxSetStore::Prepare() {
  std::error_code error;
  fs::create_directories(dir_ + "/sets", error);
  // Readable by all, as /etc/nginx is: berthd's umask is tighter.
  for (const std::string& path : {dir_, dir_ + "/sets"})
    if (!error) fs::permissions(path, fs::perms(0755), error);
  if (error) return Status::IOError("cannot create " + dir_ + "/sets: " + error.message());
  for (const auto& entry : fs::directory_iterator(dir_ + "/sets", error))
    last_number_ = std::max(last_number_, SetNumber("sets/" + entry.path().filename().string()));
  if (error) return Status::IOError("cannot read " + dir_ + "/sets: " + error.message());
  return Status::Ok();
}

Status NginxSetStore::Write(int number, const std::vector<NginxFile>& files) {
  std::string path = SetPath(number);
  std::error_code error;
  fs::remove_all(path, error);
  if (mkdir(path.c_str(), 0755) != 0 || chmod(path.c_str(), 0755) != 0)
    return Status::IOError("cannot create " + path + ": " + strerror(errno));
  std::string manifest;
  for (const NginxFile& file : files) {
    if (Status s =
            WriteFileAtomically(path + "/" + file.name, file.text, 0644, Durability::kPowerLoss);
        !s.ok())
      return s;
    manifest += Sha256Hex(file.text) + "  " + file.name + "\n";
  }
  return WriteFileAtomically(path + "/" + kNginxManifest, manifest, 0644, Durability::kPowerLoss);
}

Status NginxSetStore::MakeLive(int number) {
  std::string next = dir_ + "/live.next";
  unlink(next.c_str());
  std::string target = "sets/" + std::to_string(number);
  if (symlink(target.c_str(), next.c_str()) != 0)
    return Status::IOError("cannot create the symlink " + next + ": " + strerror(errno));
  if (rename(next.c_str(), LivePath().c_str()) != 0) {
    int saved = errno;
    unlink(next.c_str());
    return Status::IOError("cannot replace " + LivePath() +
                           " (berth keeps a symlink there): " + strerror(saved));
  }
  return Status::Ok();
}

LiveNginxSet NginxSetStore::ReadLive() const {
  LiveNginxSet live;
  std::error_code error;
  fs::path target = fs::read_symlink(LivePath(), error);
  if (error) return live;
  live.number = SetNumber(target.string());
  std::string dir = LivePath();
  std::string manifest_text;
  ReadWhole(dir + "/" + kNginxManifest, &manifest_text);
  std::map<std::string, std::string> expected = ParseManifest(manifest_text);
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    std::string name = entry.path().filename().string();
    if (name == kNginxManifest) continue;
    std::string text;
    auto it = expected.find(name);
    bool same =
        ReadWhole(dir + "/" + name, &text) && it != expected.end() && it->second == Sha256Hex(text);
    if (same)
      live.intact.push_back({name, text});
    else
      live.tampered.push_back(dir + "/" + name);
    if (it != expected.end()) expected.erase(it);
  }
  for (const auto& [name, hash] : expected) live.tampered.push_back(dir + "/" + name);
  std::sort(live.intact.begin(), live.intact.end(),
            [](const NginxFile& a, const NginxFile& b) { return a.name < b.name; });
  return live;
}

void NginxSetStore::Remove(int number) {
  std::error_code ignored;
  fs::remove_all(SetPath(number), ignored);
}

void NginxSetStore::RemoveAllBut(int keep) {
  std::error_code error;
  std::vector<int> numbers;
  for (const auto& entry : fs::directory_iterator(dir_ + "/sets", error)) {
    int number = SetNumber("sets/" + entry.path().filename().string());
    if (number != 0 && number != keep) numbers.push_back(number);
  }
  for (int number : numbers) Remove(number);
}

}  // namespace berth
