// Tests of berthctl's login, logout, users, grant, revoke, tokens and audit commands against
// a FakeClient: what they send, save, print and exit with.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <sstream>

#include "cli/credentials.h"
#include "cli/dispatch.h"
#include "tests/unit/cli/fake_client.h"

namespace berth::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kUrl = "http://127.0.0.1:7070";

class UserCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "berth-login-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    file_ = dir_ / "berth" / "credentials.json";
  }
  void TearDown() override { fs::remove_all(dir_); }

  ExitCode run(const std::vector<std::string>& args, const std::string& input = "") {
    in_.str(input);
    auto make_client = [this](const Endpoint& endpoint) -> std::unique_ptr<Client> {
      endpoint_ = endpoint;
      return std::make_unique<ForwardingClient>(&client_);
    };
    EnvLookup env = [this](const char* name) -> std::optional<std::string> {
      if (std::string_view(name) == "XDG_CONFIG_HOME") return dir_.string();
      if (std::string_view(name) == "BERTH_STATE_DIR") return (dir_ / "no-state").string();
      return std::nullopt;
    };
    Io io{in_, out_, err_};
    return run_berthctl(args, io, env, make_client, *parse_timestamp("2026-11-25T08:00:00Z"));
  }

  json Body(size_t call) { return json::parse(*client_.calls.at(call).body); }

  fs::path dir_;
  fs::path file_;
  FakeClient client_;
  Endpoint endpoint_;
  std::istringstream in_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(UserCommandsTest, LoginMakesATokenWithTheSessionAndSavesIt) {
  client_.answer(200, R"({"user":"alice","csrf_token":"csrf-1","grants":[]})",
                 {{"set-cookie", "berth_session=s3ss; HttpOnly; SameSite=Strict; Path=/"}});
  client_.answer(201, R"({"id":7,"name":"berthctl@h","token":"berth_secret7"})");
  client_.answer(204, "");
  ASSERT_EQ(run({"login", "--user", "alice"}, "pw-alice\n"), ExitCode::kOk) << err_.str();
  ASSERT_EQ(client_.calls.size(), 3u);
  EXPECT_EQ(client_.calls[0].method, "POST");
  EXPECT_EQ(client_.calls[0].path, "/v1/session");
  EXPECT_EQ(Body(0), json::parse(R"({"name":"alice","password":"pw-alice"})"));
  EXPECT_FALSE(client_.calls[0].options.with_token);
  EXPECT_EQ(client_.calls[1].path, "/v1/users/alice/tokens");
  EXPECT_TRUE(Body(1)["name"].get<std::string>().starts_with("berthctl")) << Body(1);
  EXPECT_EQ(client_.calls[1].options.headers,
            (std::vector<std::string>{"Cookie: berth_session=s3ss", "X-CSRF-Token: csrf-1"}));
  EXPECT_FALSE(client_.calls[1].options.with_token);
  EXPECT_EQ(client_.calls[2].method, "DELETE");
  EXPECT_EQ(client_.calls[2].path, "/v1/session");
  std::optional<SavedLogin> saved = find_saved_login(file_, kUrl);
  ASSERT_TRUE(saved);
  EXPECT_EQ(saved->token, "berth_secret7");
  EXPECT_EQ(saved->user, "alice");
  EXPECT_EQ(saved->token_id, 7);
  EXPECT_EQ(out_.str().find("berth_secret7"), std::string::npos) << out_.str();
  // From now on the saved token is the one berthctl sends to that URL.
  client_.answer(200, "[]");
  ASSERT_EQ(run({"ls"}), ExitCode::kOk);
  EXPECT_EQ(endpoint_.token, "berth_secret7");
}

TEST_F(UserCommandsTest, LoginShowsTheRefusal) {
  client_.answer(401,
                 R"({"error":{"code":"unauthorized","message":"wrong user name or password"}})");
  EXPECT_EQ(run({"login", "--user", "alice"}, "nope\n"), ExitCode::kFailure);
  EXPECT_EQ(err_.str(), "berthctl: wrong user name or password\n");
  EXPECT_FALSE(fs::exists(file_));
}

TEST_F(UserCommandsTest, LoginNeedsAPassword) {
  EXPECT_EQ(run({"login", "--user", "alice"}, ""), ExitCode::kFailure);
  EXPECT_EQ(err_.str(), "berthctl: no password given on stdin\n");
  EXPECT_TRUE(client_.calls.empty());
}

TEST_F(UserCommandsTest, LogoutDeletesTheTokenAsItselfAndForgetsIt) {
  ASSERT_TRUE(save_login(file_, kUrl, SavedLogin{"berth_secret7", "alice", 7}).ok());
  client_.answer(204, "");
  ASSERT_EQ(run({"logout"}), ExitCode::kOk) << err_.str();
  EXPECT_EQ(client_.calls[0].method, "DELETE");
  EXPECT_EQ(client_.calls[0].path, "/v1/users/alice/tokens/7");
  EXPECT_EQ(client_.calls[0].options.headers,
            (std::vector<std::string>{"Authorization: Bearer berth_secret7"}));
  EXPECT_FALSE(find_saved_login(file_, kUrl));
  EXPECT_EQ(out_.str(), std::string("logged out of ") + kUrl + "\n");
  EXPECT_EQ(run({"logout"}), ExitCode::kFailure);
  EXPECT_EQ(err_.str(), std::string("berthctl: not logged in to ") + kUrl + "\n");
}

TEST_F(UserCommandsTest, UsersListsAddsRemovesAndSetsPasswords) {
  client_.answer(200, R"([{"name":"alice","has_password":true,"created":"2026-11-25T08:00:00.000Z",
                           "grants":[{"scope":"app:shop","actions":["view","control"]}]}])");
  ASSERT_EQ(run({"users"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(),
            "NAME    PASSWORD   GRANTS                   CREATED\n"
            "alice   yes        app:shop: view,control   2026-11-25T08:00:00.000Z\n");
  client_.answer(201, "{}");
  ASSERT_EQ(run({"users", "add", "bob", "--password-stdin", "--grant", "global=create_apps",
                 "--grant", "app:shop-*=view"},
                "pw-bob\n"),
            ExitCode::kOk)
      << err_.str();
  EXPECT_EQ(client_.calls[1].path, "/v1/users");
  EXPECT_EQ(Body(1), json::parse(R"({"name":"bob","password":"pw-bob","grants":[
      {"scope":"global","actions":["create_apps"]},{"scope":"app:shop-*","actions":["view"]}]})"));
  client_.answer(200, "{}");
  ASSERT_EQ(run({"users", "passwd", "bob", "--password-stdin"}, "pw-new\n"), ExitCode::kOk);
  EXPECT_EQ(client_.calls[2].method, "PATCH");
  EXPECT_EQ(client_.calls[2].path, "/v1/users/bob");
  EXPECT_EQ(Body(2), json::parse(R"({"password":"pw-new"})"));
  client_.answer(204, "");
  ASSERT_EQ(run({"users", "rm", "bob"}), ExitCode::kOk);
  EXPECT_EQ(client_.calls[3].method, "DELETE");
  EXPECT_EQ(client_.calls[3].path, "/v1/users/bob");
  EXPECT_EQ(run({"users", "add", "carol", "--grant", "view"}), ExitCode::kUsage);
  EXPECT_EQ(run({"users", "frobnicate", "x"}), ExitCode::kUsage);
}

TEST_F(UserCommandsTest, GrantAddsToTheScopesGrant) {
  client_.answer(200, R"({"name":"alice","grants":[{"scope":"app:shop","actions":["view"]}]})");
  client_.answer(
      200, R"({"name":"alice","grants":[{"scope":"app:shop","actions":["view","control"]}]})");
  ASSERT_EQ(run({"grant", "alice", "app:shop", "control,view"}), ExitCode::kOk) << err_.str();
  EXPECT_EQ(client_.calls[0].path, "/v1/users/alice");
  EXPECT_EQ(client_.calls[1].method, "PATCH");
  EXPECT_EQ(Body(1),
            json::parse(R"({"grants":[{"scope":"app:shop","actions":["view","control"]}]})"));
  EXPECT_EQ(out_.str(), "alice: app:shop: view,control\n");
}

TEST_F(UserCommandsTest, RevokeTakesActionsOrTheWholeScope) {
  const char* user = R"({"name":"alice","grants":[{"scope":"app:shop","actions":["view","control"]},
                                                   {"scope":"global","actions":["view"]}]})";
  client_.answer(200, user);
  client_.answer(200, "{}");
  ASSERT_EQ(run({"revoke", "alice", "app:shop", "control"}), ExitCode::kOk) << err_.str();
  EXPECT_EQ(Body(1), json::parse(R"({"grants":[{"scope":"app:shop","actions":["view"]},
                                               {"scope":"global","actions":["view"]}]})"));
  client_.answer(200, user);
  client_.answer(200, "{}");
  ASSERT_EQ(run({"revoke", "alice", "app:shop"}), ExitCode::kOk);
  EXPECT_EQ(Body(3), json::parse(R"({"grants":[{"scope":"global","actions":["view"]}]})"));
  client_.answer(200, user);
  EXPECT_EQ(run({"revoke", "alice", "app:blog"}), ExitCode::kFailure);
  EXPECT_EQ(client_.calls.size(), 5u);  // no PATCH
  EXPECT_NE(err_.str().find("alice: there is no grant on app:blog"), std::string::npos);
}

TEST_F(UserCommandsTest, TokensListsAddsOnceAndRemoves) {
  client_.answer(200,
                 R"([{"id":7,"name":"laptop","grants":null,"created":"2026-11-25T08:00:00.000Z",
                           "expires":null,"last_used":null}])");
  ASSERT_EQ(run({"tokens", "alice"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(),
            "ID   NAME     GRANTS         CREATED                    EXPIRES   LAST USED\n"
            "7    laptop   (the user's)   2026-11-25T08:00:00.000Z   -         -\n");
  out_.str("");
  client_.answer(
      201, R"({"id":8,"name":"ci","token":"berth_tok8","expires":"2026-12-25T08:00:00.000Z"})");
  ASSERT_EQ(run({"tokens", "add", "alice", "ci", "--grant", "app:shop=deploy", "--expires", "30d"}),
            ExitCode::kOk)
      << err_.str();
  EXPECT_EQ(client_.calls[1].path, "/v1/users/alice/tokens");
  EXPECT_EQ(Body(1), json::parse(R"({"name":"ci","expires":"2026-12-25T08:00:00.000Z",
                                     "grants":[{"scope":"app:shop","actions":["deploy"]}]})"));
  EXPECT_EQ(out_.str(), "berth_tok8\n");
  client_.answer(204, "");
  ASSERT_EQ(run({"tokens", "rm", "alice", "8"}), ExitCode::kOk);
  EXPECT_EQ(client_.calls[2].method, "DELETE");
  EXPECT_EQ(client_.calls[2].path, "/v1/users/alice/tokens/8");
  EXPECT_EQ(run({"tokens", "add", "alice", "ci", "--expires", "soon"}), ExitCode::kUsage);
}

TEST_F(UserCommandsTest, AuditPrintsATableAndPassesTheFilters) {
  client_.answer(200, R"([{"id":3,"ts":"2026-11-25T07:59:00.000Z","principal":"user:alice",
      "user":"alice","client":"127.0.0.1","method":"POST","route":"/v1/apps/shop/control",
      "app":"shop","status":202,"outcome":"ok","summary":"{\"command\":\"restart\"}"}])");
  ASSERT_EQ(run({"audit", "--app", "shop", "--user", "alice", "--since", "1h", "--limit", "5"}),
            ExitCode::kOk)
      << err_.str();
  EXPECT_EQ(client_.calls[0].path,
            "/v1/audit?app=shop&user=alice&limit=5&since=2026-11-25T07%3A00%3A00.000Z");
  EXPECT_EQ(out_.str(),
            "TIME                       PRINCIPAL    CLIENT      REQUEST                      APP  "
            "  STATUS   SUMMARY\n"
            "2026-11-25T07:59:00.000Z   user:alice   127.0.0.1   POST /v1/apps/shop/control   shop "
            "  202      {\"command\":\"restart\"}\n");
  client_.answer(403,
                 R"({"error":{"code":"forbidden","message":"you need manage_users on global"}})");
  EXPECT_EQ(run({"audit"}), ExitCode::kFailure);
  EXPECT_EQ(err_.str(), "berthctl: you need manage_users on global\n");
}

}  // namespace
}  // namespace berth::cli
