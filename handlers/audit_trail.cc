// AuditTrail: recording, pruning by age, and the masked summaries of request bodies.
#include "handlers/audit_trail.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "handlers/exchange.h"
#include "handlers/router.h"
#include "reactor/clock.h"
#include "reactor/log.h"

namespace berth {
namespace {

constexpr int64_t kDayMs = int64_t{24} * 60 * 60 * 1000;
constexpr long kPrunePeriodMs = 60L * 60 * 1000;
constexpr std::string_view kMask = "***";
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // "…"

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

bool IsSecretKey(std::string_view key) {
  // `secrets` is not here: MaskedObject keeps the names of a secrets object.
  static constexpr std::array<std::string_view, 8> kNames = {
      "password", "token",  "secret",      "webhook_secret",
      "api_key",  "apikey", "private_key", "credentials"};
  static constexpr std::array<std::string_view, 3> kSuffixes = {"_password", "_token", "_secret"};
  std::string lower = Lower(key);
  if (std::find(kNames.begin(), kNames.end(), lower) != kNames.end()) return true;
  return std::any_of(kSuffixes.begin(), kSuffixes.end(),
                     [&](std::string_view suffix) { return lower.ends_with(suffix); });
}

nlohmann::json Masked(const nlohmann::json& value);

// A `secrets` object keeps its names, so that the trail says which secrets were set.
nlohmann::json MaskedSecrets(const nlohmann::json& secrets) {
  if (!secrets.is_object()) return kMask;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : secrets.items()) out[name] = kMask;
  return out;
}

nlohmann::json MaskedObject(const nlohmann::json& object) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : object.items()) {
    if (Lower(key) == "secrets")
      out[key] = MaskedSecrets(value);
    else if (IsSecretKey(key))
      out[key] = kMask;
    else
      out[key] = Masked(value);
  }
  return out;
}

nlohmann::json Masked(const nlohmann::json& value) {
  if (value.is_object()) return MaskedObject(value);
  if (!value.is_array()) return value;
  nlohmann::json out = nlohmann::json::array();
  for (const nlohmann::json& item : value) out.push_back(Masked(item));
  return out;
}

// The app a request is about: the {name} of an /v1/apps/{name}... route (or the app a
// /stacks/{uuid} names), or the name a POST /v1/apps or /stacks creates; "" for none.
std::string AppOf(const Exchange& exchange, const Route* route) {
  if (!route) return "";
  const std::string& pattern = route->pattern;
  if (pattern.starts_with("/v1/apps/{name}") || pattern.starts_with("/stacks/{uuid}"))
    return exchange.param("name");
  const nlohmann::json& body = exchange.json();
  bool creates = route->pattern == "/v1/apps" || route->pattern == "/stacks";
  if (creates && body.is_object() && body.contains("name") &&
      body["name"].is_string())
    return body["name"].get<std::string>();
  return "";
}

// `text` cut to at most `max` bytes ending in "…", without splitting a UTF-8 character.
std::string Shortened(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max - kEllipsis.size();
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text.append(kEllipsis);
}

}  // namespace

std::string AuditOutcome(int status) {
  if (status >= 200 && status < 400) return "ok";
  if (status == 401 || status == 403 || status == 429) return "refused";
  return "failed";
}

std::string AuditSummary(std::string_view method, const nlohmann::json& body) {
  if (method == "GET" || method == "HEAD" || body.is_null() || body.is_discarded()) return "";
  return Shortened(DumpJson(Masked(body)), kMaxAuditSummaryBytes);
}

bool IsAudited(std::string_view method, int status) {
  bool reads = method == "GET" || method == "HEAD" || method == "OPTIONS";
  return !reads || AuditOutcome(status) == "refused";
}

AuditEntry AuditEntryOf(const Exchange& exchange, const Route* route, int status, int64_t ts_ms) {
  return AuditEntry{.ts_ms = ts_ms,
                    .principal = exchange.principal().label,
                    .user = exchange.principal().user,
                    .client = exchange.client(),
                    .method = exchange.method(),
                    .route = exchange.path(),
                    .app = AppOf(exchange, route),
                    .status = status,
                    .outcome = AuditOutcome(status),
                    .summary = AuditSummary(exchange.method(), exchange.json())};
}

AuditTrail::AuditTrail(EventLoop* loop, Database* db, int keep_days)
    : db_(db),
      repository_(db),
      keep_days_(keep_days),
      prune_timer_(loop, [this] { Prune(); }),
      flush_timer_(loop, [this] { Flush(); }) {
  Prune();
  prune_timer_.StartRepeating(kPrunePeriodMs);
}

AuditTrail::~AuditTrail() { Flush(); }

void AuditTrail::Record(AuditEntry entry) {
  if (entry.outcome.empty()) entry.outcome = AuditOutcome(entry.status);
  if (entry.principal != "anonymous") return Write(entry);
  if (pending_.size() < kMaxPending)
    pending_.push_back(std::move(entry));
  else
    ++dropped_;
  if (!flush_timer_.pending()) flush_timer_.Start(kFlushMs);
}

void AuditTrail::Flush() {
  flush_timer_.Stop();
  if (pending_.empty() && dropped_ == 0) return;
  if (dropped_ > 0) {
    AuditEntry last = pending_.back();
    pending_.push_back({.ts_ms = last.ts_ms,
                        .principal = "anonymous",
                        .client = "",
                        .method = "",
                        .route = "",
                        .status = 0,
                        .outcome = "refused",
                        .summary = std::to_string(dropped_) +
                                   " more requests without valid credentials in that second, "
                                   "not recorded one by one"});
  }
  std::vector<AuditEntry> batch = std::move(pending_);
  pending_.clear();
  dropped_ = 0;
  Status stored = db_->Transaction([&] {
    for (const AuditEntry& entry : batch)
      if (Status s = repository_.Append(entry); !s.ok()) return s;
    return Status::Ok();
  });
  if (!stored.ok())
    LogError("cannot record " + std::to_string(batch.size()) +
             " requests without valid credentials in the audit trail: " + stored.message());
}

void AuditTrail::Write(const AuditEntry& entry) {
  Status stored = repository_.Append(entry);
  if (!stored.ok())
    LogError("cannot record " + entry.method + " " + entry.route + " by " + entry.principal +
             " in the audit trail: " + stored.message());
}

Result<std::vector<AuditEntry>> AuditTrail::Find(const AuditFilter& filter) {
  return repository_.Find(filter);
}

void AuditTrail::Prune() {
  Result<int64_t> pruned = repository_.PruneBefore(WallClockMs() - keep_days_ * kDayMs);
  if (!pruned.ok()) return LogError("cannot prune the audit trail: " + pruned.status().message());
  if (*pruned > 0)
    LogInfo("audit trail: removed " + std::to_string(*pruned) + " entries older than " +
            std::to_string(keep_days_) + " days");
}

}  // namespace berth
