// WebhookIntake: what berth does with a Git host's webhook delivery once its signature is
// checked (handlers/webhook.cc): refuse it when the app does not deploy by webhook, answer a
// ping, drop a redelivery, skip a push to a branch the app does not deploy, and otherwise deploy
// (trigger "webhook"), coalescing a burst into one running and one queued deployment.
#pragma once

#include <cstdint>
#include <string>

#include "supervise/app.h"
#include "supervise/delivery_cache.h"

namespace berth {

// What the handler read from a delivery.
struct WebhookDelivery {
  std::string event;           // the host's event header: "push", "ping", "Push Hook", ... or ""
  std::string delivery;        // the host's delivery id, "" when it sent none
  std::string ref;             // the pushed ref ("refs/heads/main"), "" when the payload has none
  std::string default_branch;  // the repository's default branch, "" when the payload has none
};

struct WebhookOutcome {
  WebhookResult result;
  std::string message;  // kSkipped: why; kConflict: what to do; kDuplicate: the delivery id
  PushDeploy deploy;    // kAccepted, kQueued
};

class WebhookIntake {
 public:
  // REQUIRES: the delivery's signature proved the app's deploy.secret. Counts the outcome.
  WebhookOutcome Take(App* app, const WebhookDelivery& delivery, int64_t now_ms);
  // A delivery whose signature did not prove the secret.
  void Unauthorized(App* app) { app->CountWebhook(WebhookResult::kUnauthorized); }

 private:
  WebhookOutcome Decide(App* app, const WebhookDelivery& delivery, int64_t now_ms);

  DeliveryCache deliveries_;
};

// Why a push to `pushed` does not concern an app deploying `source_ref` ("" when it does): a
// branch or tag name matches refs/heads/ or refs/tags/ of that name, a full ref itself; an
// empty source ref follows `default_branch` (any push when that is unknown too).
std::string PushMismatch(const std::string& pushed, const std::string& source_ref,
                         const std::string& default_branch);

}  // namespace berth
