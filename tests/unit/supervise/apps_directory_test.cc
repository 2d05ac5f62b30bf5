// AppNameForFile: which files in apps.d define apps.
#include "supervise/apps_directory.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(AppNameForFileTest, TheNameIsTheFileNameWithoutJson) {
  EXPECT_EQ("web", AppNameForFile("web.json"));
  EXPECT_EQ("api-2", AppNameForFile("api-2.json"));
  // Not a valid app name, but a definition all the same: refused later with a clear error.
  EXPECT_EQ("Web", AppNameForFile("Web.json"));
}

TEST(AppNameForFileTest, OtherFilesAreNotDefinitions) {
  EXPECT_EQ("", AppNameForFile(".web.json"));      // hidden, e.g. an editor's temp file
  EXPECT_EQ("", AppNameForFile(".web.json.tmp"));  // a tool's write-then-rename
  EXPECT_EQ("", AppNameForFile("web.json~"));      // backup
  EXPECT_EQ("", AppNameForFile("web.json.swp"));
  EXPECT_EQ("", AppNameForFile("README"));
  EXPECT_EQ("", AppNameForFile("web.yaml"));
  EXPECT_EQ("", AppNameForFile(""));
}

}  // namespace
}  // namespace berth
