// The routes × permissions table of docs/api.md, cell by cell, against the real berthd: for
// each route and each action, a user holding only that action on the route's scope is let
// through (any answer but 401/403) or refused (403 forbidden), as the table says.
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

const std::vector<std::string> kActions = {"view",   "view_logs",   "control",
                                           "deploy", "edit_env",    "edit_configuration",
                                           "manage", "create_apps", "manage_users"};

struct Cell {
  std::string route;  // the table's first column, without backticks
  std::string scope;  // "app" or "global"
  std::map<std::string, bool> allowed;
};

std::string Trim(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  while (!text.empty() && text.front() == ' ') text.erase(0, 1);
  return text;
}

// The rows of the table whose header starts "| route | scope | view |".
std::vector<Cell> ReadTable() {
  std::ifstream in(BERTH_SOURCE_DIR "/docs/api.md");
  std::string line;
  bool inside = false;
  std::vector<Cell> rows;
  while (std::getline(in, line)) {
    if (line.rfind("| route | scope | view |", 0) == 0) {
      inside = true;
      continue;
    }
    if (!inside || line.rfind("| ---", 0) == 0) continue;
    if (line.empty() || line[0] != '|') break;
    std::vector<std::string> cells;
    std::stringstream split(line.substr(1));
    for (std::string cell; std::getline(split, cell, '|');) cells.push_back(Trim(cell));
    EXPECT_EQ(cells.size(), 2 + kActions.size()) << line;
    if (cells.size() != 2 + kActions.size()) continue;
    Cell row{std::regex_replace(cells[0], std::regex("`"), ""), cells[1], {}};
    for (size_t i = 0; i < kActions.size(); ++i) row.allowed[kActions[i]] = cells[2 + i] == "✓";
    rows.push_back(row);
  }
  return rows;
}

struct Call {
  std::string method;
  std::string path;
  nlohmann::json body;  // null: no body
};

class PermissionsMatrixTest : public BerthdTest {
 protected:
  void SetUp() override {
    BerthdTest::SetUp();
    ASSERT_EQ(201, berthd().Post("/v1/apps", App(0)).status);
    stack_ = NewStack("matrix-stack");
    for (const std::string& action : kActions) {
      bool app_action = action != "create_apps" && action != "manage_users";
      if (app_action)
        tokens_["app:" + action] = UserToken("m-app-" + action, "app:matrix-*", action);
      tokens_["global:" + action] = UserToken("m-global-" + action, "global", action);
    }
  }

  // The app the edits go to; `n` makes each PUT a real change.
  static nlohmann::json App(int n) {
    return {{"name", "matrix-app"},
            {"command", {"sleep", std::to_string(1000 + n)}},
            {"autostart", false},
            {"env", {{"N", std::to_string(n)}}}};
  }

  // matrix-app's definition as it is now.
  nlohmann::json Current() {
    nlohmann::json app = berthd().Get("/v1/apps/matrix-app").json();
    return {{"name", "matrix-app"},
            {"command", app["command"]},
            {"autostart", false},
            {"env", app["env"]}};
  }

  std::string UserToken(const std::string& user, const std::string& scope,
                        const std::string& action) {
    nlohmann::json grants = {{{"scope", scope}, {"actions", {action}}}};
    HttpResponse created =
        berthd().Post("/v1/users", nlohmann::json{{"name", user}, {"grants", grants}});
    EXPECT_EQ(201, created.status) << created.Describe();
    HttpResponse token =
        berthd().Post("/v1/users/" + user + "/tokens", nlohmann::json{{"name", "t"}});
    EXPECT_EQ(201, token.status) << token.Describe();
    return token.json().value("token", "");
  }

  // A compose app from git that never starts (a stack of /stacks); returns its uuid.
  std::string NewStack(const std::string& name) {
    nlohmann::json app = {{"kind", "compose"},
                          {"autostart", false},
                          {"source", {{"git", {{"url", "file:///nonexistent/repo.git"}}}}}};
    EXPECT_EQ(201, berthd().Put("/v1/apps/" + name, app).status);
    for (const nlohmann::json& stack : berthd().Get("/stacks").json())
      if (stack.value("name", "") == name) return stack.value("uuid", "");
    ADD_FAILURE() << "no stack for " << name;
    return "";
  }

  // The request a row stands for. Most go to an app or user that does not exist: a caller let
  // through then gets 404 or 422, and nothing changes.
  std::optional<Call> CallFor(const std::string& route) {
    static int n = 0;
    ++n;
    const nlohmann::json none;
    // A caller let through deletes it: a new one each time.
    if (route == "DELETE /stacks/{uuid}")
      return Call{"DELETE", "/stacks/" + NewStack("matrix-del-" + std::to_string(n)), none};
    const std::string stack = "/stacks/" + stack_;
    std::map<std::string, Call> calls = {
        {"GET /v1/apps/{name}", {"GET", "/v1/apps/matrix-none", none}},
        {"GET /v1/apps/{name}/stats", {"GET", "/v1/apps/matrix-none/stats", none}},
        {"GET /v1/apps/{name}/deployments", {"GET", "/v1/apps/matrix-none/deployments", none}},
        {"GET /v1/apps/{name}/deployments/{id}",
         {"GET", "/v1/apps/matrix-none/deployments/1", none}},
        {"GET /v1/apps/{name}/deployments/{id}?log=true",
         {"GET", "/v1/apps/matrix-none/deployments/1?log=true", none}},
        {"GET /v1/apps/{name}/image/tags", {"GET", "/v1/apps/matrix-none/image/tags", none}},
        {"GET /v1/apps/{name}/logs", {"GET", "/v1/apps/matrix-none/logs", none}},
        {"POST /v1/apps/{name}/control start, stop, restart, pause, unpause",
         {"POST", "/v1/apps/matrix-none/control", {{"command", "restart"}}}},
        {"POST /v1/apps/{name}/control redeploy, rollback",
         {"POST", "/v1/apps/matrix-none/control", {{"command", "redeploy"}}}},
        {"POST /v1/control",
         {"POST", "/v1/control", {{"command", "start"}, {"apps", {"matrix-none"}}}}},
        {"PATCH /v1/apps/{name} env or secrets",
         {"PATCH", "/v1/apps/matrix-none", {{"env", {{"A", "1"}}}}}},
        {"PATCH /v1/apps/{name} other fields", {"PATCH", "/v1/apps/matrix-none", {{"port", 9}}}},
        {"PUT /v1/apps/{name} changing env",
         {"PUT", "/v1/apps/matrix-app",
          [&] {
            nlohmann::json app = Current();
            app["env"]["N"] = std::to_string(n);
            return app;
          }()}},
        {"PUT /v1/apps/{name} changing other fields",
         {"PUT", "/v1/apps/matrix-app",
          [&] {
            nlohmann::json app = Current();
            app["command"] = App(n)["command"];
            return app;
          }()}},
        {"DELETE /v1/apps/{name}", {"DELETE", "/v1/apps/matrix-none", none}},
        {"POST /v1/apps", {"POST", "/v1/apps", {{"name", "matrix-new"}, {"kind", "nope"}}}},
        {"PUT /v1/apps/{name} a new app", {"PUT", "/v1/apps/matrix-new", {{"kind", "nope"}}}},
        {"GET /metrics", {"GET", "/metrics", none}},
        {"GET /v1/registries", {"GET", "/v1/registries", none}},
        {"GET /v1/registries/{host}", {"GET", "/v1/registries/none.invalid", none}},
        {"GET /v1/registries/{host}/tags", {"GET", "/v1/registries/none.invalid/tags", none}},
        {"POST /v1/registries", {"POST", "/v1/registries", nlohmann::json::object()}},
        {"PUT /v1/registries/{host}",
         {"PUT", "/v1/registries/none.invalid", nlohmann::json::object()}},
        {"DELETE /v1/registries/{host}", {"DELETE", "/v1/registries/none.invalid", none}},
        {"GET /v1/users", {"GET", "/v1/users", none}},
        {"POST /v1/users", {"POST", "/v1/users", nlohmann::json::object()}},
        {"GET /v1/users/{name}", {"GET", "/v1/users/nobody", none}},
        {"PATCH /v1/users/{name}",
         {"PATCH", "/v1/users/nobody", {{"grants", nlohmann::json::array()}}}},
        {"DELETE /v1/users/{name}", {"DELETE", "/v1/users/nobody", none}},
        {"GET /v1/users/{name}/tokens", {"GET", "/v1/users/nobody/tokens", none}},
        {"POST /v1/users/{name}/tokens", {"POST", "/v1/users/nobody/tokens", {{"name", "x"}}}},
        {"DELETE /v1/users/{name}/tokens/{id}", {"DELETE", "/v1/users/nobody/tokens/1", none}},
        {"GET /v1/users/{name}/permissions", {"GET", "/v1/users/nobody/permissions", none}},
        {"GET /v1/audit", {"GET", "/v1/audit", none}},
        {"GET /stacks/{uuid}", {"GET", stack, none}},
        {"GET /stacks/{uuid}/stats", {"GET", stack + "/stats", none}},
        {"GET /stacks/{uuid}/log", {"GET", stack + "/log", none}},
        {"POST /stacks/{uuid}/control start, stop, restart, pause, unpause",
         {"POST", stack + "/control", {{"command", "stop"}}}},
        {"POST /stacks/{uuid}/control redeploy",
         {"POST", stack + "/control", {{"command", "redeploy"}}}},
        {"PATCH /stacks/{uuid}", {"PATCH", stack, {{"strategy", "nope"}}}},
        {"PUT /stacks/{uuid}", {"PUT", stack, {{"strategy", "nope"}}}},
        {"POST /stacks", {"POST", "/stacks", {{"name", "matrix-new"}, {"strategy", "nope"}}}},
    };
    auto it = calls.find(route);
    if (it == calls.end()) return std::nullopt;
    return it->second;
  }

  std::map<std::string, std::string> tokens_;
  std::string stack_;  // matrix-stack's uuid
};

bool IsStackRoute(const std::string& route) { return route.find("/stacks") != std::string::npos; }

// A refusal in /stacks' shape: 403 naming what is missing, or 404 for a stack the caller may
// not even view (`action` reaches no app).
::testing::AssertionResult IsStackRefusal(const HttpResponse& response, const std::string& action) {
  std::string error = response.json().value("error", "");
  if (response.status == 403 && error.find("you need ") != std::string::npos)
    return ::testing::AssertionSuccess();
  bool blind = action == "create_apps" || action == "manage_users";
  if (blind && response.status == 404 && error == "Stack not found")
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "not a refusal";
}

TEST_F(PermissionsMatrixTest, EveryCellOfTheTableHolds) {
  std::vector<Cell> rows = ReadTable();
  ASSERT_GE(rows.size(), 30u) << "the table in docs/api.md was not found";
  size_t checked = 0;
  for (const Cell& row : rows) {
    auto call = CallFor(row.route);
    ASSERT_TRUE(call) << "no request for the row '" << row.route << "'";
    for (const std::string& action : kActions) {
      bool app_action = action != "create_apps" && action != "manage_users";
      std::string key = (row.scope == "app" && app_action ? "app:" : "global:") + action;
      SCOPED_TRACE(row.route + " as " + key);
      auto fresh = CallFor(row.route);  // a PUT changes something new each time
      HeaderLines auth = {"Authorization: Bearer " + tokens_[key]};
      HttpResponse response =
          fresh->body.is_null()
              ? berthd().Request(fresh->method, fresh->path, "", auth)
              : berthd().Request(fresh->method, fresh->path, fresh->body.dump(), auth);
      if (row.allowed.at(action)) {
        EXPECT_NE(401, response.status) << response.Describe();
        EXPECT_NE(403, response.status) << response.Describe();
        EXPECT_NE(0, response.status) << response.Describe();
      } else if (IsStackRoute(row.route)) {
        EXPECT_TRUE(IsStackRefusal(response, action)) << response.Describe();
      } else {
        EXPECT_TRUE(IsApiError(response, 403, "forbidden")) << response.Describe();
        EXPECT_NE(std::string::npos,
                  response.json()["error"].value("message", "").find("you need "))
            << response.Describe();
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, rows.size() * kActions.size());
}

TEST_F(PermissionsMatrixTest, NoCredentialsAre401OnEveryRowOfTheTable) {
  for (const Cell& row : ReadTable()) {
    auto call = CallFor(row.route);
    ASSERT_TRUE(call) << row.route;
    HttpResponse response =
        berthd().Request(call->method, call->path, call->body.is_null() ? "" : call->body.dump(),
                         {"Authorization:"});
    if (IsStackRoute(row.route))
      EXPECT_EQ(nlohmann::json({{"error", "Unauthorized"}}), response.json())
          << row.route << ": " << response.Describe();
    else
      EXPECT_TRUE(IsApiError(response, 401, "unauthorized"))
          << row.route << ": " << response.Describe();
  }
}

}  // namespace
}  // namespace berth::testing
