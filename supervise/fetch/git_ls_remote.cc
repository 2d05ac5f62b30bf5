// Finding a source's ref in what the remote advertises.
#include "supervise/fetch/git_ls_remote.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "supervise/fetch/git_handles.h"

namespace berth {
namespace {

constexpr char kHeads[] = "refs/heads/";
constexpr char kTags[] = "refs/tags/";
constexpr size_t kListedNames = 20;

std::optional<git_oid> Find(const RemoteListing& listing, const std::string& name) {
  for (const auto& [ref, oid] : listing.refs)
    if (ref == name) return oid;
  return std::nullopt;
}

// A tag's commit: the peeled entry of an annotated tag, else the tag itself.
std::optional<git_oid> FindTag(const RemoteListing& listing, const std::string& name) {
  if (auto peeled = Find(listing, name + "^{}")) return peeled;
  return Find(listing, name);
}

bool LooksLikeSha(const std::string& ref) {
  return ref.size() >= 4 && ref.size() <= GIT_OID_HEXSZ &&
         std::all_of(ref.begin(), ref.end(), [](unsigned char c) { return std::isxdigit(c); });
}

std::string Short(const std::string& ref) {
  for (std::string_view prefix : {std::string_view(kHeads), std::string_view(kTags)})
    if (ref.compare(0, prefix.size(), prefix) == 0) return ref.substr(prefix.size());
  return ref;
}

std::string DescribeRefs(const RemoteListing& listing) {
  std::string out;
  size_t listed = 0;
  for (const auto& [ref, oid] : listing.refs) {
    if (ref == "HEAD" || ref.ends_with("^{}")) continue;
    if (listed++ < kListedNames) out += (out.empty() ? "" : ", ") + Short(ref);
  }
  if (listed > kListedNames) out += " and " + std::to_string(listed - kListedNames) + " more";
  return out.empty() ? "it has no branches or tags" : "it has " + out;
}

}  // namespace

Result<FetchResult> FindRemoteRef(const RemoteListing& listing, const std::string& ref,
                                  const std::string& display_url) {
  if (ref.empty()) {
    if (listing.head_branch.empty())
      return Status::Invalid(display_url + " has no default branch (an empty repository?)", "ref");
    if (auto oid = Find(listing, listing.head_branch))
      return FetchResult{OidHex(*oid), Short(listing.head_branch)};
  } else if (ref.rfind("refs/", 0) == 0) {
    if (auto oid = FindTag(listing, ref)) return FetchResult{OidHex(*oid), Short(ref)};
  } else if (auto branch = Find(listing, kHeads + ref)) {
    return FetchResult{OidHex(*branch), ref};
  } else if (auto tag = FindTag(listing, kTags + ref)) {
    return FetchResult{OidHex(*tag), ref};
  } else if (LooksLikeSha(ref)) {
    return FetchResult{ref, ref};
  }
  return Status::Invalid("ref '" + (ref.empty() ? listing.head_branch : ref) + "' is not on " +
                             display_url + ": " + DescribeRefs(listing),
                         "ref");
}

}  // namespace berth
