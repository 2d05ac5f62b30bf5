// Tests of ParseContainerStats and ToJson with stats objects as Docker 20.10 on cgroup v1 and
// Docker 28 on cgroup v2 send them, checked against the docker CLI's arithmetic.
#include "supervise/docker/stats.h"

#include <gtest/gtest.h>

namespace berth::docker {
namespace {

using nlohmann::json;

// Docker 20.10 on a cgroup v1 host: per-CPU usage, total_* memory counters, capitalised
// block I/O ops.
const char* kCgroupV1Sample = R"({
  "read": "2024-05-02T10:11:12.123456789Z",
  "preread": "2024-05-02T10:11:11.120000000Z",
  "pids_stats": {"current": 12, "limit": 18446744073709551615},
  "blkio_stats": {
    "io_service_bytes_recursive": [
      {"major": 8, "minor": 0, "op": "Read", "value": 4096},
      {"major": 8, "minor": 0, "op": "Write", "value": 8192},
      {"major": 8, "minor": 0, "op": "Sync", "value": 8192},
      {"major": 8, "minor": 0, "op": "Async", "value": 4096},
      {"major": 8, "minor": 0, "op": "Discard", "value": 0},
      {"major": 8, "minor": 0, "op": "Total", "value": 12288},
      {"major": 253, "minor": 0, "op": "Read", "value": 100},
      {"major": 253, "minor": 0, "op": "Write", "value": 200}
    ],
    "io_serviced_recursive": [], "io_queue_recursive": [], "io_service_time_recursive": [],
    "io_wait_time_recursive": [], "io_merged_recursive": [], "io_time_recursive": [],
    "sectors_recursive": []
  },
  "num_procs": 0,
  "storage_stats": {},
  "cpu_stats": {
    "cpu_usage": {
      "total_usage": 2400000000,
      "percpu_usage": [600000000, 600000000, 600000000, 600000000],
      "usage_in_kernelmode": 400000000,
      "usage_in_usermode": 2000000000
    },
    "system_cpu_usage": 1004000000000,
    "online_cpus": 4,
    "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}
  },
  "precpu_stats": {
    "cpu_usage": {
      "total_usage": 2000000000,
      "percpu_usage": [500000000, 500000000, 500000000, 500000000],
      "usage_in_kernelmode": 300000000,
      "usage_in_usermode": 1700000000
    },
    "system_cpu_usage": 1000000000000,
    "online_cpus": 4,
    "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}
  },
  "memory_stats": {
    "usage": 104857600,
    "max_usage": 115343360,
    "stats": {
      "active_anon": 62914560, "active_file": 10485760, "cache": 52428800,
      "hierarchical_memory_limit": 2147483648, "inactive_anon": 0, "inactive_file": 10485760,
      "mapped_file": 0, "pgfault": 12345, "pgmajfault": 0, "rss": 52428800,
      "total_active_anon": 62914560, "total_active_file": 10485760, "total_cache": 52428800,
      "total_inactive_anon": 0, "total_inactive_file": 20971520, "total_rss": 52428800
    },
    "limit": 2147483648
  },
  "name": "/berth-web",
  "id": "b0c3f2b1d2a94e0c9c1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c",
  "networks": {
    "eth0": {"rx_bytes": 1000, "rx_packets": 10, "rx_errors": 0, "rx_dropped": 0,
             "tx_bytes": 2000, "tx_packets": 20, "tx_errors": 0, "tx_dropped": 0},
    "eth1": {"rx_bytes": 300, "rx_packets": 3, "rx_errors": 0, "rx_dropped": 0,
             "tx_bytes": 400, "tx_packets": 4, "tx_errors": 0, "tx_dropped": 0}
  }
})";

// Docker 28 on a cgroup v2 host: no per-CPU usage, v2 memory counters, lowercase ops.
const char* kCgroupV2Sample = R"({
  "name": "/berth-api",
  "id": "4f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
  "read": "2025-03-01T08:00:01.000000001Z",
  "preread": "2025-03-01T08:00:00.000000001Z",
  "pids_stats": {"current": 3, "limit": 9451},
  "blkio_stats": {
    "io_service_bytes_recursive": [
      {"major": 259, "minor": 0, "op": "read", "value": 1048576},
      {"major": 259, "minor": 0, "op": "write", "value": 65536}
    ],
    "io_serviced_recursive": null, "io_queue_recursive": null, "io_service_time_recursive": null,
    "io_wait_time_recursive": null, "io_merged_recursive": null, "io_time_recursive": null,
    "sectors_recursive": null
  },
  "num_procs": 0,
  "storage_stats": {},
  "cpu_stats": {
    "cpu_usage": {"total_usage": 5050000000, "usage_in_kernelmode": 50000000,
                  "usage_in_usermode": 5000000000},
    "system_cpu_usage": 9000800000000,
    "online_cpus": 8,
    "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}
  },
  "precpu_stats": {
    "cpu_usage": {"total_usage": 5000000000, "usage_in_kernelmode": 40000000,
                  "usage_in_usermode": 4960000000},
    "system_cpu_usage": 9000000000000,
    "online_cpus": 8,
    "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}
  },
  "memory_stats": {
    "usage": 52428800,
    "stats": {
      "active_anon": 41943040, "active_file": 4194304, "anon": 44040192, "anon_thp": 0,
      "file": 6291456, "file_dirty": 0, "file_mapped": 0, "file_writeback": 0,
      "inactive_anon": 2097152, "inactive_file": 2097152, "kernel_stack": 49152,
      "pgactivate": 0, "pgdeactivate": 0, "pgfault": 4321, "pgmajfault": 0, "shmem": 0,
      "slab": 524288, "sock": 0, "unevictable": 0, "workingset_activate": 0,
      "workingset_nodereclaim": 0, "workingset_refault": 0
    },
    "limit": 8326541312
  },
  "networks": {
    "eth0": {"rx_bytes": 5120, "rx_packets": 40, "rx_errors": 0, "rx_dropped": 0,
             "tx_bytes": 2560, "tx_packets": 20, "tx_errors": 0, "tx_dropped": 0}
  }
})";

ContainerStats MustParse(const json& stats) {
  Result<ContainerStats> parsed = ParseContainerStats(stats);
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return parsed.ok() ? parsed.value() : ContainerStats{};
}

TEST(ContainerStatsTest, CgroupV1Sample) {
  ContainerStats stats = MustParse(json::parse(kCgroupV1Sample));
  EXPECT_DOUBLE_EQ(stats.cpu_percent, 40.0);              // 0.4 s of 4 s of system time, 4 CPUs
  EXPECT_EQ(stats.memory_bytes, 104857600u - 20971520u);  // less total_inactive_file
  EXPECT_EQ(stats.memory_limit_bytes, 2147483648u);
  EXPECT_DOUBLE_EQ(stats.memory_percent, 3.90625);
  EXPECT_EQ(stats.pids, 12u);
  EXPECT_EQ(stats.net_rx_bytes, 1300u);
  EXPECT_EQ(stats.net_tx_bytes, 2400u);
  EXPECT_EQ(stats.block_read_bytes, 4196u);
  EXPECT_EQ(stats.block_write_bytes, 8392u);
}

TEST(ContainerStatsTest, CgroupV2Sample) {
  ContainerStats stats = MustParse(json::parse(kCgroupV2Sample));
  EXPECT_DOUBLE_EQ(stats.cpu_percent, 50.0);            // 0.05 s of 0.8 s of system time, 8 CPUs
  EXPECT_EQ(stats.memory_bytes, 52428800u - 2097152u);  // less inactive_file
  EXPECT_EQ(stats.memory_limit_bytes, 8326541312u);
  EXPECT_NEAR(stats.memory_percent, 0.6044724, 1e-6);
  EXPECT_EQ(stats.pids, 3u);
  EXPECT_EQ(stats.net_rx_bytes, 5120u);
  EXPECT_EQ(stats.net_tx_bytes, 2560u);
  EXPECT_EQ(stats.block_read_bytes, 1048576u);
  EXPECT_EQ(stats.block_write_bytes, 65536u);
}

TEST(ContainerStatsTest, ToJsonUsesTheApiNamesAndTwoDecimals) {
  json out = ToJson(MustParse(json::parse(kCgroupV2Sample)));
  EXPECT_EQ(out, json::parse(R"({"cpu_percent": 50.0, "memory_bytes": 50331648,
    "memory_limit_bytes": 8326541312, "memory_percent": 0.6, "pids": 3, "net_rx_bytes": 5120,
    "net_tx_bytes": 2560, "block_read_bytes": 1048576, "block_write_bytes": 65536})"));
}

TEST(ContainerStatsTest, FirstSampleOfAStreamHasNoCpuPercent) {
  json stats = json::parse(kCgroupV2Sample);
  stats["precpu_stats"] = json::parse(R"({"cpu_usage": {"total_usage": 0,
    "usage_in_kernelmode": 0, "usage_in_usermode": 0},
    "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}})");
  EXPECT_EQ(MustParse(stats).cpu_percent, 0);
  stats.erase("precpu_stats");
  EXPECT_EQ(MustParse(stats).cpu_percent, 0);
}

TEST(ContainerStatsTest, CpuCountFallsBackToPerCpuUsage) {
  json stats = json::parse(kCgroupV1Sample);
  stats["cpu_stats"].erase("online_cpus");
  EXPECT_DOUBLE_EQ(MustParse(stats).cpu_percent, 40.0);
  stats["cpu_stats"]["cpu_usage"]["percpu_usage"] = {1, 2};
  EXPECT_DOUBLE_EQ(MustParse(stats).cpu_percent, 20.0);
}

TEST(ContainerStatsTest, NoCpuPercentUnlessBothDeltasArePositive) {
  json stats = json::parse(kCgroupV2Sample);
  stats["cpu_stats"]["cpu_usage"]["total_usage"] = 5000000000;  // idle
  EXPECT_EQ(MustParse(stats).cpu_percent, 0);
  stats = json::parse(kCgroupV2Sample);
  stats["cpu_stats"]["system_cpu_usage"] = 9000000000000;  // no system time passed
  EXPECT_EQ(MustParse(stats).cpu_percent, 0);
}

TEST(ContainerStatsTest, MemoryCacheIsOnlySubtractedWhenSmallerThanUsage) {
  json stats = json::parse(kCgroupV1Sample);
  // total_inactive_file not below usage: the CLI goes on to inactive_file.
  stats["memory_stats"]["stats"]["total_inactive_file"] = 104857600;
  EXPECT_EQ(MustParse(stats).memory_bytes, 104857600u - 10485760u);
  stats["memory_stats"]["stats"]["inactive_file"] = 200000000;
  EXPECT_EQ(MustParse(stats).memory_bytes, 104857600u);
  stats["memory_stats"].erase("stats");
  EXPECT_EQ(MustParse(stats).memory_bytes, 104857600u);
}

TEST(ContainerStatsTest, StoppedContainerIsAllZero) {
  // What the Engine sends for a container that is not running.
  json stats = json::parse(R"({"read": "0001-01-01T00:00:00Z", "preread": "0001-01-01T00:00:00Z",
    "pids_stats": {}, "blkio_stats": {"io_service_bytes_recursive": null},
    "num_procs": 0, "storage_stats": {},
    "cpu_stats": {"cpu_usage": {"total_usage": 0, "usage_in_kernelmode": 0,
      "usage_in_usermode": 0}, "throttling_data": {"periods": 0, "throttled_periods": 0,
      "throttled_time": 0}},
    "precpu_stats": {"cpu_usage": {"total_usage": 0, "usage_in_kernelmode": 0,
      "usage_in_usermode": 0}, "throttling_data": {"periods": 0, "throttled_periods": 0,
      "throttled_time": 0}},
    "memory_stats": {}, "name": "/web", "id": "abc"})");
  EXPECT_EQ(MustParse(stats), ContainerStats{});
}

TEST(ContainerStatsTest, RefusesWhatIsNotStats) {
  EXPECT_FALSE(ParseContainerStats(json::array()).ok());
  EXPECT_FALSE(ParseContainerStats(json::object()).ok());
  EXPECT_FALSE(ParseContainerStats({{"cpu_stats", json::object()}}).ok());
  auto missing = ParseContainerStats({{"cpu_stats", json::object()}, {"memory_stats", 1}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "Docker's stats have no memory_stats object");
}

TEST(ContainerStatsTest, RefusesBadCountersNamingTheField) {
  struct Case {
    const char* pointer;
    json value;
    const char* field;
  };
  const Case cases[] = {
      {"/memory_stats/usage", "104857600", "memory_stats.usage"},
      {"/memory_stats/limit", -1, "memory_stats.limit"},
      {"/cpu_stats/cpu_usage/total_usage", 1.5, "cpu_stats.cpu_usage.total_usage"},
      {"/precpu_stats", "none", "precpu_stats"},
      {"/networks/eth1/tx_bytes", true, "networks.eth1.tx_bytes"},
      {"/networks/eth1", 7, "networks.eth1"},
      {"/blkio_stats/io_service_bytes_recursive", json::object(),
       "blkio_stats.io_service_bytes_recursive"},
      {"/blkio_stats/io_service_bytes_recursive/0/value", "x",
       "blkio_stats.io_service_bytes_recursive[].value"},
      {"/pids_stats/current", json::array(), "pids_stats.current"},
  };
  for (const Case& c : cases) {
    json stats = json::parse(kCgroupV1Sample);
    stats[json::json_pointer(c.pointer)] = c.value;
    auto parsed = ParseContainerStats(stats);
    ASSERT_FALSE(parsed.ok()) << c.pointer;
    EXPECT_EQ(parsed.status().field(), c.field);
    EXPECT_NE(parsed.status().message().find(c.field), std::string::npos)
        << parsed.status().message();
  }
}

}  // namespace
}  // namespace berth::docker
