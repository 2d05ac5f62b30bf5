// Path and link checks of archive members, done on the member list before extraction.
#include "supervise/fetch/archive_tree.h"

#include <deque>

namespace berth {
namespace {

constexpr int kMaxSymlinkHops = 40;  // as Linux' MAXSYMLINKS

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string JoinPath(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count && i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
  return out;
}

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

Status Escapes(const std::string& member, const std::string& why) {
  return Status::Invalid("archive member " + Quote(member) + " " + why +
                         ", which leaves the release directory");
}

}  // namespace

Result<std::string> NormalizeMemberPath(std::string_view member) {
  if (member.empty()) return Status::Invalid("the archive has a member with an empty name");
  if (member.front() == '/') {
    return Status::Invalid("archive member " + Quote(member) +
                           " has an absolute path: it leaves the release directory");
  }
  std::vector<std::string> kept;
  for (std::string& part : SplitPath(member)) {
    if (part == ".") continue;
    if (part == "..") {
      return Status::Invalid("archive member " + Quote(member) +
                             " leaves the release directory (a '..' component)");
    }
    kept.push_back(std::move(part));
  }
  return JoinPath(kept, kept.size());
}

Status ArchiveTree::Add(const std::string& path, MemberKind kind, const std::string& target) {
  auto [it, inserted] = members_.try_emplace(path, Member{kind, target});
  if (inserted) return Status::Ok();
  if (kind == MemberKind::kDirectory && it->second.kind == MemberKind::kDirectory) {
    return Status::Ok();
  }
  return Status::Invalid("archive member " + Quote(path) +
                         " appears twice; berth does not extract archives that overwrite "
                         "their own members");
}

Status ArchiveTree::Check() const {
  for (const auto& [path, member] : members_) {
    Status status = CheckNotUnderSymlink(path);
    if (status.ok() && member.kind == MemberKind::kSymlink) {
      status = CheckSymlink(path, member.target);
    }
    if (status.ok() && member.kind == MemberKind::kHardlink) {
      status = CheckHardlink(path, member.target);
    }
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

Status ArchiveTree::CheckNotUnderSymlink(const std::string& path) const {
  std::vector<std::string> parts = SplitPath(path);
  for (size_t depth = 1; depth < parts.size(); ++depth) {
    std::string prefix = JoinPath(parts, depth);
    auto it = members_.find(prefix);
    if (it != members_.end() && it->second.kind == MemberKind::kSymlink) {
      return Status::Invalid("archive member " + Quote(path) + " lies under the symlink " +
                             Quote(prefix) + "; berth does not extract through symlinks");
    }
  }
  return Status::Ok();
}

Status ArchiveTree::CheckSymlink(const std::string& path, const std::string& target) const {
  if (target.empty())
    return Status::Invalid("archive member " + Quote(path) + " is an empty symlink");
  if (target.front() == '/')
    return Escapes(path, "is a symlink to the absolute path " + Quote(target));
  std::vector<std::string> base = SplitPath(path);
  base.pop_back();
  if (!ResolvesInside(base, target)) return Escapes(path, "is a symlink to " + Quote(target));
  return Status::Ok();
}

Status ArchiveTree::CheckHardlink(const std::string& path, const std::string& target) const {
  Result<std::string> normalized = NormalizeMemberPath(target);
  if (!normalized.ok()) return Escapes(path, "is a hard link to " + Quote(target));
  auto it = members_.find(*normalized);
  if (it == members_.end() || it->second.kind != MemberKind::kFile) {
    return Status::Invalid("archive member " + Quote(path) + " is a hard link to " + Quote(target) +
                           ", which is not a file of the archive");
  }
  return Status::Ok();
}

bool ArchiveTree::ResolvesInside(std::vector<std::string> base, std::string_view target) const {
  std::vector<std::string> first = SplitPath(target);
  std::deque<std::string> pending(first.begin(), first.end());
  int hops = 0;
  while (!pending.empty()) {
    std::string part = std::move(pending.front());
    pending.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (base.empty()) return false;
      base.pop_back();
      continue;
    }
    base.push_back(std::move(part));
    auto it = members_.find(JoinPath(base, base.size()));
    if (it == members_.end() || it->second.kind != MemberKind::kSymlink) continue;
    // A symlink on the way: continue from its directory with its target.
    const std::string& next = it->second.target;
    if (++hops > kMaxSymlinkHops || next.empty() || next.front() == '/') return false;
    base.pop_back();
    std::vector<std::string> parts = SplitPath(next);
    pending.insert(pending.begin(), parts.begin(), parts.end());
  }
  return true;
}

}  // namespace berth
