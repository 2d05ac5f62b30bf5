// ContainerStats: what `docker stats` shows for a container, computed from one object of the
// Engine's stats endpoint (`GET /containers/{id}/stats`) the way the docker CLI computes it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "base/status.h"

namespace berth::docker {

struct ContainerStats {
  // CPU time used between the previous sample (precpu_stats) and this one, as a share of one
  // CPU: 250 is two and a half CPUs busy. 0 when there is no previous sample.
  double cpu_percent = 0;
  // Memory in use without the page cache that can be dropped (inactive file pages).
  uint64_t memory_bytes = 0;
  uint64_t memory_limit_bytes = 0;  // the cgroup's limit, or the host's memory when unlimited
  double memory_percent = 0;        // memory_bytes of the limit; 0 when no limit is known
  uint64_t pids = 0;
  uint64_t net_rx_bytes = 0;  // summed over the container's interfaces
  uint64_t net_tx_bytes = 0;
  uint64_t block_read_bytes = 0;
  uint64_t block_write_bytes = 0;

  bool operator==(const ContainerStats&) const = default;
};

// Computes the stats of one Linux stats object (cgroup v1 or v2), as the docker CLI's
// calculateCPUPercentUnix, calculateMemUsageUnixNoCache, calculateMemPercentUnixNoCache,
// calculateNetwork and calculateBlockIO do:
// - CPU: (Δ cpu_usage.total_usage / Δ system_cpu_usage) × online_cpus × 100, with
//   len(percpu_usage) when online_cpus is 0 (older cgroup v1 daemons), and 0 unless both deltas
//   are positive. Unlike the CLI, a sample whose precpu_stats has no system_cpu_usage (the first
//   of a stream) gives 0, not the average since the container started.
// - memory: usage − total_inactive_file (cgroup v1) or − inactive_file (v2) when smaller than
//   usage, else usage; memory_percent is that of the limit.
// - block I/O: io_service_bytes_recursive entries whose op starts with r/R (read) or w/W (write).
// Missing sections count as zero (a stopped container's stats, a container without network).
// Invalid, naming the field, if `stats` is not an object with cpu_stats and memory_stats
// objects, or a counter is not a non-negative integer.
[[nodiscard]] Result<ContainerStats> ParseContainerStats(const nlohmann::json& stats);

// {"cpu_percent", "memory_bytes", "memory_limit_bytes", "memory_percent", "pids",
//  "net_rx_bytes", "net_tx_bytes", "block_read_bytes", "block_write_bytes"}; percentages are
// rounded to two decimals, as docker stats shows them.
nlohmann::json ToJson(const ContainerStats& stats);

}  // namespace berth::docker
