// Container stats from the Engine's stats JSON, computed as the docker CLI's stats_helpers.go
// does for Linux daemons (cgroup v1 and v2).
#include "supervise/docker/stats.h"

#include <cmath>
#include <string>

namespace berth::docker {
namespace {

using nlohmann::json;

// Reads counters and sections of the stats object; remembers the first field that is wrong.
class StatsReader {
 public:
  // The object `parent[name]`, or nullptr if it is missing or null.
  const json* Section(const json* parent, const char* name, const std::string& path) {
    if (!parent) return nullptr;
    auto it = parent->find(name);
    if (it == parent->end() || it->is_null()) return nullptr;
    if (!it->is_object()) Fail(path, "is not an object");
    return it->is_object() ? &*it : nullptr;
  }
  // The counter `parent[name]`, 0 if it or `parent` is missing or null.
  uint64_t Counter(const json* parent, const char* name, const std::string& path) {
    if (!parent) return 0;
    auto it = parent->find(name);
    return it == parent->end() ? 0 : CounterValue(*it, path);
  }
  uint64_t CounterValue(const json& value, const std::string& path) {
    if (value.is_number_unsigned()) return value.get<uint64_t>();
    if (value.is_number_integer() && value.get<int64_t>() >= 0) return value.get<uint64_t>();
    if (value.is_null()) return 0;
    Fail(path, "is not a non-negative integer");
    return 0;
  }
  void Fail(const std::string& path, const char* problem) {
    if (status_.ok()) {
      status_ = Status::Invalid("Docker's stats have a bad field: " + path + " " + problem, path);
    }
  }
  const Status& status() const { return status_; }

 private:
  Status status_;
};

double CpuPercent(StatsReader& r, const json& stats) {
  const json* cpu = r.Section(&stats, "cpu_stats", "cpu_stats");
  const json* pre = r.Section(&stats, "precpu_stats", "precpu_stats");
  const json* usage = r.Section(cpu, "cpu_usage", "cpu_stats.cpu_usage");
  const json* pre_usage = r.Section(pre, "cpu_usage", "precpu_stats.cpu_usage");
  uint64_t total = r.Counter(usage, "total_usage", "cpu_stats.cpu_usage.total_usage");
  uint64_t pre_total = r.Counter(pre_usage, "total_usage", "precpu_stats.cpu_usage.total_usage");
  uint64_t system = r.Counter(cpu, "system_cpu_usage", "cpu_stats.system_cpu_usage");
  uint64_t pre_system = r.Counter(pre, "system_cpu_usage", "precpu_stats.system_cpu_usage");
  double online = static_cast<double>(r.Counter(cpu, "online_cpus", "cpu_stats.online_cpus"));
  if (online == 0 && usage) {
    auto percpu = usage->find("percpu_usage");
    if (percpu != usage->end() && percpu->is_array()) online = static_cast<double>(percpu->size());
  }
  // No previous sample: the CLI would show the average since start, which is not "now".
  if (pre_system == 0) return 0;
  double cpu_delta = static_cast<double>(total) - static_cast<double>(pre_total);
  double system_delta = static_cast<double>(system) - static_cast<double>(pre_system);
  if (system_delta > 0 && cpu_delta > 0) return cpu_delta / system_delta * online * 100.0;
  return 0;
}

void ReadMemory(StatsReader& r, const json& stats, ContainerStats& out) {
  const json* memory = r.Section(&stats, "memory_stats", "memory_stats");
  const json* detail = r.Section(memory, "stats", "memory_stats.stats");
  uint64_t usage = r.Counter(memory, "usage", "memory_stats.usage");
  out.memory_limit_bytes = r.Counter(memory, "limit", "memory_stats.limit");
  out.memory_bytes = usage;
  bool cgroup_v1 = detail && detail->contains("total_inactive_file");
  uint64_t v1 = r.Counter(detail, "total_inactive_file", "memory_stats.stats.total_inactive_file");
  uint64_t v2 = r.Counter(detail, "inactive_file", "memory_stats.stats.inactive_file");
  if (cgroup_v1 && v1 < usage) {
    out.memory_bytes = usage - v1;
  } else if (v2 < usage) {
    out.memory_bytes = usage - v2;
  }
  if (out.memory_limit_bytes != 0) {
    out.memory_percent =
        static_cast<double>(out.memory_bytes) / static_cast<double>(out.memory_limit_bytes) * 100.0;
  }
}

void ReadNetworks(StatsReader& r, const json& stats, ContainerStats& out) {
  const json* networks = r.Section(&stats, "networks", "networks");
  if (!networks) return;
  for (const auto& [name, interface] : networks->items()) {
    std::string path = "networks." + name;
    if (!interface.is_object()) {
      r.Fail(path, "is not an object");
      continue;
    }
    out.net_rx_bytes += r.Counter(&interface, "rx_bytes", path + ".rx_bytes");
    out.net_tx_bytes += r.Counter(&interface, "tx_bytes", path + ".tx_bytes");
  }
}

void ReadBlockIo(StatsReader& r, const json& stats, ContainerStats& out) {
  const json* blkio = r.Section(&stats, "blkio_stats", "blkio_stats");
  if (!blkio) return;
  auto entries = blkio->find("io_service_bytes_recursive");
  if (entries == blkio->end() || entries->is_null()) return;  // null on some cgroup v2 hosts
  const std::string path = "blkio_stats.io_service_bytes_recursive";
  if (!entries->is_array()) return r.Fail(path, "is not an array");
  for (const json& entry : *entries) {
    if (!entry.is_object()) return r.Fail(path, "has an entry that is not an object");
    auto op = entry.find("op");
    if (op == entry.end() || !op->is_string() || op->get_ref<const std::string&>().empty()) {
      continue;
    }
    char first = op->get_ref<const std::string&>()[0];
    uint64_t value = r.Counter(&entry, "value", path + "[].value");
    if (first == 'r' || first == 'R') out.block_read_bytes += value;
    if (first == 'w' || first == 'W') out.block_write_bytes += value;
  }
}

double TwoDecimals(double value) { return std::round(value * 100.0) / 100.0; }

}  // namespace

Result<ContainerStats> ParseContainerStats(const json& stats) {
  if (!stats.is_object()) return Status::Invalid("Docker's stats are not a JSON object");
  for (const char* section : {"cpu_stats", "memory_stats"}) {
    auto it = stats.find(section);
    if (it == stats.end() || !it->is_object()) {
      return Status::Invalid(std::string("Docker's stats have no ") + section + " object", section);
    }
  }
  StatsReader reader;
  ContainerStats out;
  out.cpu_percent = CpuPercent(reader, stats);
  ReadMemory(reader, stats, out);
  out.pids = reader.Counter(reader.Section(&stats, "pids_stats", "pids_stats"), "current",
                            "pids_stats.current");
  ReadNetworks(reader, stats, out);
  ReadBlockIo(reader, stats, out);
  if (!reader.status().ok()) return reader.status();
  return out;
}

json ToJson(const ContainerStats& stats) {
  return {{"cpu_percent", TwoDecimals(stats.cpu_percent)},
          {"memory_bytes", stats.memory_bytes},
          {"memory_limit_bytes", stats.memory_limit_bytes},
          {"memory_percent", TwoDecimals(stats.memory_percent)},
          {"pids", stats.pids},
          {"net_rx_bytes", stats.net_rx_bytes},
          {"net_tx_bytes", stats.net_tx_bytes},
          {"block_read_bytes", stats.block_read_bytes},
          {"block_write_bytes", stats.block_write_bytes}};
}

}  // namespace berth::docker
