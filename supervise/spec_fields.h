// Readers and writers of the JSON fields of app definitions, shared by the common part
// (app_spec.cc) and the part of each kind (process_spec.cc).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"

namespace berth {

// A number as JSON, whole numbers as such (1, not 1.0).
nlohmann::json SpecNumber(double d);

// Reads the number `json[key]`, when present and not null, into `*out`; it must lie within
// [min, max] and be whole when `integral`. `field` names it in the message.
Status ReadSpecNumber(const nlohmann::json& json, const char* key, const std::string& field,
                      double min, double max, bool integral, double* out);

// True for a relative path without ".." components (a file or directory inside a release).
// The empty path is the release itself.
bool IsSafeRelativePath(const std::string& path);

// Reads the string `json[key]`, when present and not null, into `*out`.
Status ReadSpecString(const nlohmann::json& json, const char* key, std::string* out);

}  // namespace berth
