// DeploySpec: when an app deploys (the `deploy` field of every kind): by hand only, by polling
// its source (or its image's tag), or on a signed webhook from its Git host; and how long a
// deployment may take to become healthy.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/status.h"

namespace berth {

enum class DeployStrategy { kManual, kPolling, kWebhook };

const char* to_string(DeployStrategy strategy);

struct DeploySpec {
  DeployStrategy strategy = DeployStrategy::kManual;
  int interval_s = 300;  // polling: seconds between polls (±10 % jitter), at least 10
  // webhook: the one header that carries the signature (any case): one of
  // kWebhookSignatureHeaders, or another that carries "<algorithm>=<hex>"; empty: the first of
  // the known ones present.
  std::string signature_header;
  std::string secret;   // webhook: never shown, stored sealed
  int timeout_s = 180;  // a deployment's wait for its services to be running and healthy
  // A redeploy starts the new release beside the old, switches the app's routes to it once it
  // is healthy, and drains the old (ZeroDowntime() in app_spec.h). nullopt: on when the app
  // has routes and a health check and can run twice at once.
  std::optional<bool> zero_downtime;
  // How long the old instance keeps what it still serves (tunnelled WebSockets, slow requests)
  // after the switch, before it is stopped.
  int drain_seconds = 30;
  bool operator==(const DeploySpec&) const = default;
};

inline constexpr int kMinPollIntervalS = 10;

// The signature headers a webhook may name in `signature_header`, as Git hosts send them.
inline constexpr const char* kWebhookSignatureHeaders[] = {
    "X-Hub-Signature-256", "X-Hub-Signature", "X-Gitea-Signature", "X-Forgejo-Signature",
    "X-Gitlab-Token"};

// Reads the `deploy` field of the app definition `json` into `*deploy`; Invalid naming the
// field at fault. Whether the strategy suits the app's kind and source is checked by the caller,
// which knows them (ParseAppSpec).
Status ParseDeploySpec(const nlohmann::json& json, DeploySpec* deploy);
// The canonical JSON of `deploy`; the secret reads "***" unless `reveal_secrets`.
nlohmann::json DeploySpecToJson(const DeploySpec& deploy, bool reveal_secrets);

}  // namespace berth
