// Parsing the `deploy` field of app definitions.
#include "supervise/deploy_spec.h"

#include <strings.h>

#include <cctype>

#include "supervise/spec_fields.h"

namespace berth {
namespace {

using nlohmann::json;

const char* const kFields[] = {"strategy", "interval",      "signature_header", "secret",
                               "timeout",  "zero_downtime", "drain_seconds"};

Status ReadStrategy(const json& d, DeploySpec* deploy) {
  std::string strategy = to_string(deploy->strategy);
  if (Status s = ReadSpecString(d, "strategy", &strategy); !s.ok())
    return Status::Invalid("deploy.strategy must be a string", "deploy.strategy");
  for (DeployStrategy candidate :
       {DeployStrategy::kManual, DeployStrategy::kPolling, DeployStrategy::kWebhook})
    if (strategy == to_string(candidate)) return deploy->strategy = candidate, Status::Ok();
  return Status::Invalid(
      "deploy.strategy must be manual, polling or webhook, not \"" + strategy + "\"",
      "deploy.strategy");
}

Status ReadSignatureHeader(const json& d, DeploySpec* deploy) {
  if (Status s = ReadSpecString(d, "signature_header", &deploy->signature_header); !s.ok())
    return Status::Invalid("deploy.signature_header must be a string", "deploy.signature_header");
  std::string& name = deploy->signature_header;
  if (name.empty()) return Status::Ok();
  for (const char* header : kWebhookSignatureHeaders) {
    if (strcasecmp(header, name.c_str()) == 0) {
      name = header;  // canonical case
      return Status::Ok();
    }
  }
  // Another header carries "<algorithm>=<hex>", the HMAC of the body. Its name must be one a
  // request can send: letters, digits and '-', as header names are.
  bool token = name.size() <= 64;
  for (char c : name) token = token && (isalnum(static_cast<unsigned char>(c)) || c == '-');
  if (token) return Status::Ok();
  return Status::Invalid("deploy.signature_header must be a header name (letters, digits and "
                         "'-', at most 64), such as X-Hub-Signature-256 (got \"" + name + "\")",
                         "deploy.signature_header");
}

}  // namespace

const char* to_string(DeployStrategy strategy) {
  switch (strategy) {
    case DeployStrategy::kManual:
      return "manual";
    case DeployStrategy::kPolling:
      return "polling";
    case DeployStrategy::kWebhook:
      return "webhook";
  }
  return "manual";
}

Status ParseDeploySpec(const json& j, DeploySpec* deploy) {
  if (!j.contains("deploy") || j.at("deploy").is_null()) return Status::Ok();
  const json& d = j.at("deploy");
  if (!d.is_object())
    return Status::Invalid("deploy must be an object {strategy, interval, ...}", "deploy");
  for (const auto& [key, value] : d.items()) {
    bool known = false;
    for (const char* field : kFields) known = known || key == field;
    if (!known) return Status::Invalid("deploy has no field '" + key + "'", "deploy." + key);
  }
  if (Status s = ReadStrategy(d, deploy); !s.ok()) return s;
  double interval = deploy->interval_s, timeout = deploy->timeout_s;
  if (Status s = ReadSpecNumber(d, "interval", "deploy.interval", kMinPollIntervalS, 7 * 86400,
                                true, &interval);
      !s.ok())
    return s;
  if (Status s = ReadSpecNumber(d, "timeout", "deploy.timeout", 1, 86400, true, &timeout); !s.ok())
    return s;
  double drain = deploy->drain_seconds;
  if (Status s = ReadSpecNumber(d, "drain_seconds", "deploy.drain_seconds", 0, 3600, true, &drain);
      !s.ok())
    return s;
  deploy->interval_s = static_cast<int>(interval);
  deploy->timeout_s = static_cast<int>(timeout);
  deploy->drain_seconds = static_cast<int>(drain);
  if (d.contains("zero_downtime") && !d.at("zero_downtime").is_null()) {
    if (!d.at("zero_downtime").is_boolean())
      return Status::Invalid("deploy.zero_downtime must be true, false or null (automatic)",
                             "deploy.zero_downtime");
    deploy->zero_downtime = d.at("zero_downtime").get<bool>();
  }
  if (Status s = ReadSignatureHeader(d, deploy); !s.ok()) return s;
  if (Status s = ReadSpecString(d, "secret", &deploy->secret); !s.ok())
    return Status::Invalid("deploy.secret must be a string", "deploy.secret");
  if (deploy->strategy == DeployStrategy::kWebhook && deploy->secret.empty())
    return Status::Invalid(
        "deploy.secret is required for the webhook strategy: the secret your Git host signs "
        "its webhooks with",
        "deploy.secret");
  return Status::Ok();
}

json DeploySpecToJson(const DeploySpec& deploy, bool reveal_secrets) {
  return {{"strategy", to_string(deploy.strategy)},
          {"interval", deploy.interval_s},
          {"signature_header", deploy.signature_header},
          {"secret", deploy.secret.empty() || reveal_secrets ? deploy.secret : "***"},
          {"timeout", deploy.timeout_s},
          {"zero_downtime", deploy.zero_downtime ? json(*deploy.zero_downtime) : json(nullptr)},
          {"drain_seconds", deploy.drain_seconds}};
}

}  // namespace berth
