// Field readers for app definitions: one message per kind of mistake, naming the field.
#include "supervise/spec_fields.h"

#include <cmath>
#include <cstdint>

namespace berth {

nlohmann::json SpecNumber(double d) {
  if (d == std::floor(d) && std::fabs(d) < 1e15) return nlohmann::json(static_cast<int64_t>(d));
  return nlohmann::json(d);
}

Status ReadSpecNumber(const nlohmann::json& j, const char* key, const std::string& field,
                      double min, double max, bool integral, double* out) {
  if (!j.contains(key) || j.at(key).is_null()) return Status::Ok();
  const nlohmann::json& v = j.at(key);
  std::string range = " from " + SpecNumber(min).dump() + " to " + SpecNumber(max).dump();
  if (!v.is_number() || (integral && !v.is_number_integer()))
    return Status::Invalid(field + " must be " + (integral ? "a whole number" : "a number") + range,
                           field);
  double d = v.get<double>();
  if (!std::isfinite(d) || d < min || d > max)
    return Status::Invalid(field + " must be" + range + ", not " + v.dump(), field);
  *out = d;
  return Status::Ok();
}

bool IsSafeRelativePath(const std::string& path) {
  if (path.empty()) return true;
  if (path[0] == '/' || path.find('\0') != std::string::npos) return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (path.compare(start, end - start, "..") == 0) return false;
    start = end + 1;
  }
  return true;
}

Status ReadSpecString(const nlohmann::json& j, const char* key, std::string* out) {
  if (!j.contains(key) || j.at(key).is_null()) return Status::Ok();
  if (!j.at(key).is_string()) return Status::Invalid(std::string(key) + " must be a string", key);
  *out = j.at(key).get<std::string>();
  return Status::Ok();
}

}  // namespace berth
