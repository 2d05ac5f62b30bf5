// The decisions about a webhook delivery: conflict, ping, duplicate, skip, deploy or queue.
#include "supervise/webhook_intake.h"

#include "reactor/log.h"

namespace berth {
namespace {

bool IsPing(const std::string& event) { return event == "ping" || event == "diagnostics:ping"; }

// Events that announce new commits (GitHub, Gitea and Forgejo, GitLab, Bitbucket Server); a
// delivery without an event header counts as a push.
bool IsPush(const std::string& event) {
  return event.empty() || event == "push" || event == "Push Hook" || event == "Tag Push Hook" ||
         event == "repo:refs_changed";
}

}  // namespace

std::string PushMismatch(const std::string& pushed, const std::string& source_ref,
                         const std::string& default_branch) {
  if (pushed.empty()) return "";
  std::string wanted = source_ref.empty() ? default_branch : source_ref;
  if (wanted.empty()) return "";
  bool full = wanted.rfind("refs/", 0) == 0;
  if (full ? pushed == wanted : pushed == "refs/heads/" + wanted || pushed == "refs/tags/" + wanted)
    return "";
  return "push to " + pushed + ", the app deploys " + wanted;
}

WebhookOutcome WebhookIntake::Take(App* app, const WebhookDelivery& delivery, int64_t now_ms) {
  WebhookOutcome outcome = Decide(app, delivery, now_ms);
  app->CountWebhook(outcome.result);
  LogInfo("app " + app->spec().name + ": webhook " +
          (delivery.delivery.empty() ? "" : delivery.delivery + " ") + to_string(outcome.result) +
          (outcome.result == WebhookResult::kAccepted
               ? ": deployment " + std::to_string(outcome.deploy.deployment)
               : ""));
  return outcome;
}

WebhookOutcome WebhookIntake::Decide(App* app, const WebhookDelivery& delivery, int64_t now_ms) {
  const AppSpec& spec = app->spec();
  if (spec.deploy.strategy != DeployStrategy::kWebhook)
    return {WebhookResult::kConflict,
            "app '" + spec.name + "' deploys by " + to_string(spec.deploy.strategy) +
                ", not on webhooks: set deploy.strategy to webhook",
            {}};
  if (!delivery.delivery.empty() && deliveries_.SeenBefore(spec.name + "\n" + delivery.delivery, now_ms))
    return {WebhookResult::kDuplicate, delivery.delivery, {}};
  if (IsPing(delivery.event)) return {WebhookResult::kPing, "", {}};
  if (!IsPush(delivery.event))
    return {WebhookResult::kSkipped, "event '" + delivery.event + "' is not a push", {}};
  if (spec.source) {
    std::string mismatch = PushMismatch(delivery.ref, spec.source->ref, delivery.default_branch);
    if (!mismatch.empty()) return {WebhookResult::kSkipped, mismatch, {}};
  }
  Result<PushDeploy> deploy = app->DeployOnPush();
  if (!deploy.ok()) return {WebhookResult::kConflict, deploy.status().message(), {}};
  return {deploy->queued ? WebhookResult::kQueued : WebhookResult::kAccepted, "", *deploy};
}

}  // namespace berth
