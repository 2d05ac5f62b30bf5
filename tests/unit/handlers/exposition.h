// Exposition for tests: the Prometheus text of /metrics split into comments and samples.
#ifndef BERTH_TESTS_UNIT_HANDLERS_EXPOSITION_H_
#define BERTH_TESTS_UNIT_HANDLERS_EXPOSITION_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace berth {

// The rendered text, split into comment lines and samples ("name{labels}" -> value).
struct Exposition {
  std::vector<std::string> comments;
  std::vector<std::pair<std::string, std::string>> samples;  // in order

  explicit Exposition(const std::string& text) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      if (line[0] == '#') {
        comments.push_back(line);
        continue;
      }
      size_t space = line.rfind(' ');
      EXPECT_NE(space, std::string::npos) << line;
      samples.emplace_back(line.substr(0, space), line.substr(space + 1));
    }
  }

  bool HasComment(const std::string& comment) const {
    for (const auto& c : comments)
      if (c == comment) return true;
    return false;
  }
  bool HasHelp(const std::string& name) const {
    for (const auto& c : comments)
      if (c.rfind("# HELP " + name + " ", 0) == 0 && c.size() > name.size() + 8) return true;
    return false;
  }
  // The value of a sample, or "<missing>".
  std::string Value(const std::string& key) const {
    for (const auto& [k, v] : samples)
      if (k == key) return v;
    return "<missing>";
  }
  // Histogram buckets of `name` in the order written: (le, count).
  std::vector<std::pair<std::string, uint64_t>> Buckets(const std::string& name) const {
    std::vector<std::pair<std::string, uint64_t>> buckets;
    std::string prefix = name + "_bucket{le=\"";
    for (const auto& [k, v] : samples) {
      if (k.rfind(prefix, 0) != 0) continue;
      std::string le = k.substr(prefix.size(), k.size() - prefix.size() - 2);
      buckets.emplace_back(le, std::stoull(v));
    }
    return buckets;
  }
};

}  // namespace berth

#endif  // BERTH_TESTS_UNIT_HANDLERS_EXPOSITION_H_
