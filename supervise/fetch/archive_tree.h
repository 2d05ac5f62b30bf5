// ArchiveTree: the members of an archive, checked before anything is extracted: no absolute
// paths, no ".." components, no member twice or under a symlink, and no link leading out of
// the release directory. Paths are relative to the release directory.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace berth {

enum class MemberKind { kFile, kDirectory, kSymlink, kHardlink };

// The member path with "." components, repeated and trailing slashes removed ("./a//b/" ->
// "a/b"; "./" -> ""). Refused, naming the member: absolute paths and ".." components.
Result<std::string> NormalizeMemberPath(std::string_view member);

class ArchiveTree {
 public:
  // Records a member; `path` is normalised, `target` (links only) as stored in the archive.
  // Refuses a path that was seen before, unless both are directories.
  Status Add(const std::string& path, MemberKind kind, const std::string& target = "");

  // Checks every member against the whole tree: no member below a symlink member, every
  // symlink resolving (through the other symlinks) inside the tree, every hard link naming a
  // regular file member.
  Status Check() const;

  size_t size() const { return members_.size(); }

 private:
  struct Member {
    MemberKind kind;
    std::string target;
  };

  Status CheckNotUnderSymlink(const std::string& path) const;
  Status CheckSymlink(const std::string& path, const std::string& target) const;
  Status CheckHardlink(const std::string& path, const std::string& target) const;
  // Resolves `target` as seen from directory `base` (components), following member symlinks.
  // False when the walk leaves the tree or loops.
  bool ResolvesInside(std::vector<std::string> base, std::string_view target) const;

  std::map<std::string, Member> members_;
};

}  // namespace berth
