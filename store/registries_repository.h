// RegistriesRepository: the `registries` table, one row per named registry credential, with
// its password sealed by a SecretBox so that the database never holds it in clear.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"
#include "store/secret_box.h"

namespace berth {

struct StoredRegistry {
  std::string host;        // "ghcr.io", "127.0.0.1:5000"
  std::string username;
  std::string password;    // in clear here; sealed in the table. Secret: never log it.
  std::string created_at;  // RFC 3339 UTC with milliseconds, set by the caller
  std::string updated_at;
};

// Reads and writes registry credentials. Does not own the Database, which must outlive it.
// `secrets` gives the box that seals passwords; it is called only when one is written or read,
// so that no key file is made before a credential exists.
class RegistriesRepository {
 public:
  using SecretsSource = std::function<Result<SecretBox*>()>;
  RegistriesRepository(Database* db, SecretsSource secrets);

  // Every registry, sorted by host, passwords unsealed.
  Result<std::vector<StoredRegistry>> List();
  // The registry for `host`, or nullopt if there is none.
  Result<std::optional<StoredRegistry>> Get(const std::string& host);
  // Inserts `registry`, or replaces the username, password and updated_at of an existing one
  // (keeping its created_at).
  Status Put(const StoredRegistry& registry);
  // Deletes the registry for `host`; NotFound if there is none.
  Status Remove(const std::string& host);

 private:
  Result<StoredRegistry> Read(const Statement& stmt);

  Database* db_;
  SecretsSource secrets_;
  std::optional<Statement> list_;
  std::optional<Statement> get_;
  std::optional<Statement> put_;
  std::optional<Statement> remove_;
};

}  // namespace berth
