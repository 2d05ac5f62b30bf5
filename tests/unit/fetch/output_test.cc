// Tests of berth-fetch's output: secret scrubbing, the RESULT line and the progress throttle.
#include "supervise/fetch/output.h"

#include <gtest/gtest.h>
#include <stdio.h>

#include <memory>
#include <string>

namespace berth {
namespace {

struct FileCloser {
  void operator()(FILE* f) const { fclose(f); }
};

// A memory stream and the buffer it writes to.
class Captured {
 public:
  Captured() : file_(open_memstream(&data_, &size_)) {}
  ~Captured() {
    file_.reset();
    free(data_);
  }
  FILE* file() { return file_.get(); }
  std::string text() {
    fflush(file_.get());
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  std::unique_ptr<FILE, FileCloser> file_;
};

TEST(OutputTest, ScrubsSecretsAndKeepsOneLinePerCall) {
  Captured out, err;
  Output output(out.file(), err.file());
  output.AddSecret("s3cr3t");
  output.AddSecret("");
  output.Progress("token s3cr3t and s3cr3ts3cr3t");
  output.Error("bad\ns3cr3t");
  EXPECT_EQ(out.text(), "token *** and ******\n");
  EXPECT_EQ(err.text(), "error: bad ***\n");
}

TEST(OutputTest, WritesTheResultLine) {
  Captured out, err;
  Output output(out.file(), err.file());
  output.Result({"abc123", "main"});
  EXPECT_EQ(out.text(), "RESULT {\"ref\":\"main\",\"revision\":\"abc123\"}\n");
}

TEST(ProgressThrottleTest, ReportsEachTenthAtMostOncePerSecond) {
  using Clock = ProgressThrottle::Clock;
  Clock::time_point start = Clock::now();
  ProgressThrottle throttle(start);
  EXPECT_FALSE(throttle.ShouldReport(5, 100, start));
  EXPECT_TRUE(throttle.ShouldReport(10, 100, start));
  EXPECT_FALSE(throttle.ShouldReport(35, 100, start + std::chrono::milliseconds(500)));
  EXPECT_TRUE(throttle.ShouldReport(35, 100, start + std::chrono::milliseconds(1100)));
  EXPECT_FALSE(throttle.ShouldReport(39, 100, start + std::chrono::seconds(5)));
  EXPECT_FALSE(throttle.ShouldReport(100, 100, start + std::chrono::seconds(9)));
}

TEST(ProgressThrottleTest, ReportsEverySecondWithoutATotal) {
  using Clock = ProgressThrottle::Clock;
  Clock::time_point start = Clock::now();
  ProgressThrottle throttle(start);
  EXPECT_FALSE(throttle.ShouldReport(1000, 0, start + std::chrono::milliseconds(900)));
  EXPECT_TRUE(throttle.ShouldReport(2000, 0, start + std::chrono::milliseconds(1000)));
  EXPECT_FALSE(throttle.ShouldReport(3000, 0, start + std::chrono::milliseconds(1500)));
  EXPECT_TRUE(throttle.ShouldReport(4000, 0, start + std::chrono::milliseconds(2100)));
}

TEST(FormatBytesTest, UsesBinaryUnits) {
  EXPECT_EQ(FormatBytes(532), "532 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(uint64_t{3} << 30), "3.0 GiB");
}

}  // namespace
}  // namespace berth
