// NginxSetStore: nginx mode's managed directory on disk. Each configuration berth renders is
// written whole into a new `sets/<n>/` with a `berth.sha256` manifest (sha256sum's format) of
// what berth wrote; `live` is a symlink to the set nginx serves, swapped by rename(2), so nginx
// reads the old set or the new one, never a mixture.
#pragma once

#include "base/hex.h"

#include <string>
#include <vector>

#include "base/status.h"
#include "proxy/nginx_config.h"

namespace berth {

inline constexpr char kNginxManifest[] = "berth.sha256";

// The live set as found on disk.
struct LiveNginxSet {
  int number = 0;                     // n of sets/<n>; 0 when there is no live set
  std::vector<NginxFile> intact;      // files whose contents are what berth wrote
  std::vector<std::string> tampered;  // paths of files changed, added or removed by hand
};

class NginxSetStore {
 public:
  // `dir`: an absolute path.
  explicit NginxSetStore(std::string dir);

  // Creates `dir` and `dir`/sets when missing, and learns the highest set number in use.
  [[nodiscard]] Status Prepare();
  // A number no set has had yet.
  int Reserve() { return ++last_number_; }
  // Writes `files` and their manifest into the new directory sets/<number>/.
  [[nodiscard]] Status Write(int number, const std::vector<NginxFile>& files);
  // Points `live` at sets/<number> in one rename.
  [[nodiscard]] Status MakeLive(int number);
  // Reads the live set and compares it with its manifest.
  LiveNginxSet ReadLive() const;
  // Removes sets/<number>, or every set but `keep`.
  void Remove(int number);
  void RemoveAllBut(int keep);

  const std::string& dir() const { return dir_; }
  std::string SetPath(int number) const;
  std::string LivePath() const { return dir_ + "/live"; }

 private:
  std::string dir_;
  int last_number_ = 0;
};


}  // namespace berth
