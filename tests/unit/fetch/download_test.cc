// Tests of the download limits, against the test HTTP server.
#include "supervise/fetch/download.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include "fetch_harness.h"

namespace berth {
namespace {

using testing::HttpServer;

TEST(DownloadTest, StopsAtTheSizeLimit) {
  HttpServer server;
  server.Serve("/big", std::string(5000, 'x'));
  FILE* scratch = tmpfile();
  ASSERT_NE(scratch, nullptr);
  Output output(stdout, stderr);
  DownloadLimits limits;
  limits.max_bytes = 4096;
  Result<Download> download = DownloadToFile(server.Url("/big"), fileno(scratch), output, limits);
  ASSERT_FALSE(download.ok());
  EXPECT_EQ(download.status().message(),
            server.Url("/big") + " is larger than 4.0 KiB, the most berth downloads");
  fclose(scratch);
}

TEST(DownloadTest, HashesWhatItStores) {
  HttpServer server;
  server.Serve("/small", "hello");
  FILE* scratch = tmpfile();
  ASSERT_NE(scratch, nullptr);
  Output output(stdout, stderr);
  Result<Download> download = DownloadToFile(server.Url("/small"), fileno(scratch), output);
  ASSERT_TRUE(download.ok()) << download.status().message();
  EXPECT_EQ(download->size, 5u);
  EXPECT_EQ(download->sha256, testing::Sha256Hex("hello"));
  char back[8] = {};
  EXPECT_EQ(pread(fileno(scratch), back, sizeof(back), 0), 5);
  EXPECT_STREQ(back, "hello");
  fclose(scratch);
}

}  // namespace
}  // namespace berth
