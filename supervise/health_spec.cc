// Parsing the `health` field of app definitions.
#include "supervise/health_spec.h"

#include "supervise/spec_fields.h"

namespace berth {
namespace {

using nlohmann::json;

const char* const kFields[] = {"http",    "tcp",  "exec",    "interval", "timeout",
                               "retries", "port", "service", "host",     "status"};
constexpr char kShape[] =
    "health must be one of {\"http\": \"/up\"}, {\"tcp\": true} or {\"exec\": [\"cmd\", "
    "\"arg\"]}, with interval, timeout and retries";

bool Has(const json& h, const char* key) { return h.contains(key) && !h.at(key).is_null(); }

Status CheckFields(const json& h) {
  for (const auto& [key, value] : h.items()) {
    bool known = false;
    for (const char* field : kFields) known = known || key == field;
    if (!known) return Status::Invalid("health has no field '" + key + "'", "health." + key);
  }
  int probes = Has(h, "http") + Has(h, "tcp") + Has(h, "exec");
  if (probes != 1) return Status::Invalid(kShape, "health");
  return Status::Ok();
}

Status ReadHttp(const json& h, HealthSpec* health) {
  health->type = HealthProbeType::kHttp;
  const json& v = h.at("http");
  std::string why = "health.http must be a path starting with '/', such as \"/up\"";
  if (!v.is_string()) return Status::Invalid(why, "health.http");
  health->path = v.get<std::string>();
  if (health->path.empty() || health->path[0] != '/')
    return Status::Invalid(why + " (got \"" + health->path + "\")", "health.http");
  for (unsigned char c : health->path)
    if (c <= ' ' || c == 0x7f || c == '#')
      return Status::Invalid(why + ", without spaces or '#'", "health.http");
  return Status::Ok();
}

Status ReadExec(const json& h, HealthSpec* health) {
  health->type = HealthProbeType::kExec;
  const json& v = h.at("exec");
  std::string why = "health.exec must be a non-empty array of strings (an argv)";
  if (!v.is_array() || v.empty()) return Status::Invalid(why, "health.exec");
  for (const json& arg : v) {
    if (!arg.is_string()) return Status::Invalid(why, "health.exec");
    std::string text = arg.get<std::string>();
    if (text.find('\0') != std::string::npos)
      return Status::Invalid("health.exec must not contain a NUL byte", "health.exec");
    health->command.push_back(std::move(text));
  }
  if (health->command[0].empty()) return Status::Invalid(why, "health.exec");
  return Status::Ok();
}

Status ReadProbe(const json& h, HealthSpec* health) {
  if (Has(h, "http")) return ReadHttp(h, health);
  if (Has(h, "exec")) return ReadExec(h, health);
  health->type = HealthProbeType::kTcp;
  if (h.at("tcp") != true)
    return Status::Invalid("health.tcp must be true: the check connects to the port", "health.tcp");
  return Status::Ok();
}

Status ReadStatuses(const json& h, HealthSpec* health) {
  if (!Has(h, "status")) return Status::Ok();
  if (health->type != HealthProbeType::kHttp)
    return Status::Invalid("health.status is only for http checks", "health.status");
  json list = h.at("status").is_array() ? h.at("status") : json::array({h.at("status")});
  std::string why = "health.status must be an HTTP status or an array of them (100 to 599)";
  if (list.empty()) return Status::Invalid(why, "health.status");
  for (const json& status : list) {
    if (!status.is_number_integer() || status.get<int>() < 100 || status.get<int>() > 599)
      return Status::Invalid(why + ", not " + status.dump(), "health.status");
    health->status.push_back(status.get<int>());
  }
  return Status::Ok();
}

Status ReadTarget(const json& h, HealthSpec* health) {
  if (Has(h, "port")) {
    if (health->type == HealthProbeType::kExec)
      return Status::Invalid("health.port is only for http and tcp checks", "health.port");
    double port = 0;
    if (Status s = ReadSpecNumber(h, "port", "health.port", 1, 65535, true, &port); !s.ok())
      return s;
    health->port = static_cast<int>(port);
  }
  if (Status s = ReadSpecString(h, "service", &health->service); !s.ok())
    return Status::Invalid("health.service must be a string", "health.service");
  if (Status s = ReadSpecString(h, "host", &health->host); !s.ok())
    return Status::Invalid("health.host must be a string", "health.host");
  if (!health->host.empty() && health->type != HealthProbeType::kHttp)
    return Status::Invalid("health.host is only for http checks", "health.host");
  for (unsigned char c : health->host)
    if (c <= ' ' || c == 0x7f || c == '/')
      return Status::Invalid("health.host must be a host name such as app.example.com",
                             "health.host");
  return Status::Ok();
}

Status ReadTiming(const json& h, HealthSpec* health) {
  double retries = health->retries;
  for (Status s :
       {ReadSpecNumber(h, "interval", "health.interval", 0.1, 86400, false, &health->interval_s),
        ReadSpecNumber(h, "timeout", "health.timeout", 0.1, 3600, false, &health->timeout_s),
        ReadSpecNumber(h, "retries", "health.retries", 1, 1000, true, &retries)})
    if (!s.ok()) return s;
  health->retries = static_cast<int>(retries);
  return Status::Ok();
}

}  // namespace

const char* to_string(HealthProbeType type) {
  switch (type) {
    case HealthProbeType::kHttp:
      return "http";
    case HealthProbeType::kTcp:
      return "tcp";
    case HealthProbeType::kExec:
      return "exec";
  }
  return "http";
}

Status ParseHealthSpec(const json& j, std::optional<HealthSpec>* out) {
  if (!Has(j, "health")) return Status::Ok();
  const json& h = j.at("health");
  if (!h.is_object()) return Status::Invalid(kShape, "health");
  if (Status s = CheckFields(h); !s.ok()) return s;
  HealthSpec health;
  for (auto* read : {&ReadProbe, &ReadStatuses, &ReadTarget, &ReadTiming})
    if (Status s = read(h, &health); !s.ok()) return s;
  *out = std::move(health);
  return Status::Ok();
}

json HealthSpecToJson(const std::optional<HealthSpec>& health) {
  if (!health) return nullptr;
  json j;
  switch (health->type) {
    case HealthProbeType::kHttp:
      j["http"] = health->path;
      j["host"] = health->host.empty() ? json(nullptr) : json(health->host);
      j["status"] = health->status.empty() ? json(nullptr) : json(health->status);
      break;
    case HealthProbeType::kTcp:
      j["tcp"] = true;
      break;
    case HealthProbeType::kExec:
      j["exec"] = health->command;
      break;
  }
  j["interval"] = SpecNumber(health->interval_s);
  j["timeout"] = SpecNumber(health->timeout_s);
  j["retries"] = health->retries;
  if (health->type != HealthProbeType::kExec)
    j["port"] = health->port ? json(*health->port) : json(nullptr);
  if (!health->service.empty()) j["service"] = health->service;
  return j;
}

bool PassesHttpCheck(const HealthSpec& health, long status) {
  if (health.status.empty()) return status >= 200 && status < 400;
  for (int wanted : health.status)
    if (status == wanted) return true;
  return false;
}

}  // namespace berth
