// Bearer-token authentication: the admin token's source and a constant-time check.
#pragma once

#include <string>

#include "base/status.h"

namespace berth {

// The admin token: BERTH_ADMIN_TOKEN, else $CREDENTIALS_DIRECTORY/admin-token, else
// <state_dir>/admin-token, generated (random, mode 0600) when missing.
Result<std::string> LoadAdminToken(const std::string& state_dir);

// The password the "admin" user is given at start, for the dashboard: BERTH_ADMIN_PASSWORD,
// else $CREDENTIALS_DIRECTORY/admin-password; "" when neither is there.
Result<std::string> LoadAdminPassword();

class TokenAuth {
 public:
  explicit TokenAuth(const std::string& token);
  // True when `authorization` is "Bearer <the token>". Takes the same time for any wrong token.
  bool Check(const char* authorization) const;

 private:
  std::string token_;
};

}  // namespace berth
