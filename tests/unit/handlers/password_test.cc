// Password hashing: a salted slow KDF whose strings verify, and rules on length.
#include "handlers/password.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(PasswordTest, AHashVerifiesOnlyItsPassword) {
  std::string hash = HashPassword("correct horse battery");
  EXPECT_EQ(hash.rfind("pbkdf2-sha256$600000$", 0), 0u) << hash;
  EXPECT_EQ(hash.find("correct"), std::string::npos);
  EXPECT_TRUE(VerifyPassword("correct horse battery", hash));
  EXPECT_FALSE(VerifyPassword("correct horse battery!", hash));
  EXPECT_NE(HashPassword("correct horse battery"), hash);  // salted
}

TEST(PasswordTest, MalformedOrMissingHashesNeverVerify) {
  for (const char* stored : {"", "plain", "pbkdf2-sha256$1$AAAA$AAAA", "md5$1$x$y"})
    EXPECT_FALSE(VerifyPassword("anything at all", stored)) << stored;
}

TEST(PasswordTest, ShortPasswordsAreRefused) {
  EXPECT_EQ(CheckPasswordRules("short").field(), "password");
  EXPECT_TRUE(CheckPasswordRules("twelve chars").ok());
  EXPECT_FALSE(CheckPasswordRules(std::string(2000, 'x')).ok());
}

}  // namespace
}  // namespace berth
