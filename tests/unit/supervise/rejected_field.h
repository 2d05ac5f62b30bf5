// For tests of app definitions: the field a refused definition names.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "supervise/app_spec.h"

namespace berth {

// The field ParseAppSpec names when it refuses `j` (with a message); fails the test when it
// was accepted.
inline std::string RejectedField(const nlohmann::json& j, const std::string& name = "web") {
  Result<AppSpec> spec = ParseAppSpec(j, name);
  EXPECT_FALSE(spec.ok()) << "accepted: " << j.dump();
  if (spec.ok()) return "<accepted>";
  EXPECT_EQ(spec.status().code(), Status::Code::kInvalid);
  EXPECT_FALSE(spec.status().message().empty());
  return spec.status().field();
}

}  // namespace berth
