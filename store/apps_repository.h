// AppsRepository: the `apps` table, one row per app with the canonical JSON of its spec.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/database.h"
#include "base/status.h"

namespace berth {

struct StoredApp {
  std::string name;
  std::string spec_json;   // canonical JSON of the app spec
  std::string created_at;  // RFC 3339 UTC with milliseconds, set by the caller
  std::string updated_at;
};

// Reads and writes apps. Does not own the Database, which must outlive it. Prepared statements
// are cached on first use.
class AppsRepository {
 public:
  explicit AppsRepository(Database* db);

  // Every app, sorted by name.
  Result<std::vector<StoredApp>> List();
  // The app called `name`, or nullopt if there is none.
  Result<std::optional<StoredApp>> Get(const std::string& name);
  // Inserts `app`, or replaces the spec and updated_at of an existing one (keeping its
  // created_at).
  Status Put(const StoredApp& app);
  // Deletes the app called `name`; NotFound if there is none.
  Status Remove(const std::string& name);

 private:
  Database* db_;
  std::optional<Statement> list_;
  std::optional<Statement> get_;
  std::optional<Statement> put_;
  std::optional<Statement> remove_;
};

}  // namespace berth
