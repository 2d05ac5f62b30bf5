// Black-box tests of berthctl's login, logout, users, grant, revoke, tokens and audit against a
// real berthd: what they change there, what they save, what they print.
#include <sys/stat.h>

#include <sstream>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

using nlohmann::json;

constexpr char kAlicePassword[] = "alice-password-8d2f";

class BerthctlUsersTest : public BerthdTest {
 protected:
  void SetUp() override {
    BerthdTest::SetUp();
    config_home_ = berthd().root_dir() + "/xdg";
  }

  // berthctl --url <berthd> <args>, with `input` on its stdin, its own XDG_CONFIG_HOME and no
  // token but the one given in `args` or saved by login (no state dir to take the admin's from).
  CommandResult Ctl(const std::vector<std::string>& args, const std::string& input = "") {
    std::vector<std::string> argv = {
        "/bin/sh",     "-c",    "printf '%s' \"$CTL_INPUT\" | \"$0\" \"$@\"",
        BERTHCTL_PATH, "--url", berthd().base_url()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv,
                      {"BERTH_URL", "BERTH_TOKEN", "BERTH_STATE_DIR=" + config_home_ + "/none",
                       "XDG_CONFIG_HOME=" + config_home_, "CTL_INPUT=" + input});
  }

  // The same as the admin.
  CommandResult AdminCtl(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"--token", berthd().token()});
    return Ctl(args, input);
  }

  void AddUser(const std::string& name, const std::string& password, const json& grants) {
    HttpResponse created = berthd().Post(
        "/v1/users", json{{"name", name}, {"password", password}, {"grants", grants}});
    ASSERT_EQ(201, created.status) << created.Describe();
  }

  json Tokens(const std::string& user) {
    HttpResponse tokens = berthd().Get("/v1/users/" + user + "/tokens");
    EXPECT_EQ(200, tokens.status) << tokens.Describe();
    return tokens.json();
  }

  std::string CredentialsFile() const { return config_home_ + "/berth/credentials.json"; }

  std::string config_home_;
};

mode_t Mode(const std::string& path) {
  struct stat st = {};
  return stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

TEST_F(BerthctlUsersTest, LoginSavesATokenThatLaterCommandsUseAndLogoutDeletesIt) {
  AddUser("alice", kAlicePassword, json::array({{{"scope", "app:*"}, {"actions", {"view"}}}}));
  CommandResult login = Ctl({"login", "--user", "alice"}, std::string(kAlicePassword) + "\n");
  ASSERT_EQ(0, login.exit_code) << login.Describe();
  EXPECT_NE(login.out.find("logged in to " + berthd().base_url() + " as alice"), std::string::npos)
      << login.out;
  EXPECT_EQ(0600u, Mode(CredentialsFile()));
  EXPECT_EQ(0700u, Mode(config_home_ + "/berth"));
  json saved = json::parse(ReadFile(CredentialsFile()), nullptr, false);
  ASSERT_TRUE(saved.contains(berthd().base_url())) << saved;
  EXPECT_EQ(saved[berthd().base_url()]["user"], "alice");
  json tokens = Tokens("alice");
  ASSERT_EQ(1u, tokens.size()) << tokens;
  EXPECT_TRUE(tokens[0]["name"].get<std::string>().starts_with("berthctl@")) << tokens;

  CommandResult ls = Ctl({"ls"});
  EXPECT_EQ(0, ls.exit_code) << ls.Describe();
  CommandResult users = Ctl({"users"});
  EXPECT_EQ(1, users.exit_code) << users.Describe();
  EXPECT_NE(users.err.find("manage_users"), std::string::npos) << users.err;

  CommandResult logout = Ctl({"logout"});
  ASSERT_EQ(0, logout.exit_code) << logout.Describe();
  EXPECT_TRUE(Tokens("alice").empty());
  saved = json::parse(ReadFile(CredentialsFile()), nullptr, false);
  EXPECT_FALSE(saved.contains(berthd().base_url())) << saved;
  CommandResult after = Ctl({"ls"});
  EXPECT_EQ(1, after.exit_code) << after.Describe();
}

TEST_F(BerthctlUsersTest, LoginWithAWrongPasswordSavesNothing) {
  AddUser("alice", kAlicePassword, json::array());
  CommandResult login = Ctl({"login", "--user", "alice"}, "not-the-password\n");
  EXPECT_EQ(1, login.exit_code) << login.Describe();
  EXPECT_NE(login.err.find("wrong user name or password"), std::string::npos) << login.err;
  EXPECT_EQ(0u, Mode(CredentialsFile()));
}

TEST_F(BerthctlUsersTest, UsersGrantRevokeAndPasswd) {
  CommandResult added = AdminCtl(
      {"users", "add", "bob", "--password-stdin", "--grant", "app:shop=view"}, "bob-password-1\n");
  ASSERT_EQ(0, added.exit_code) << added.Describe();
  HttpResponse bob = berthd().Get("/v1/users/bob");
  ASSERT_EQ(200, bob.status) << bob.Describe();
  EXPECT_EQ(bob.json()["has_password"], true);
  EXPECT_EQ(bob.json()["grants"], json::parse(R"([{"scope":"app:shop","actions":["view"]}])"));

  CommandResult granted = AdminCtl({"grant", "bob", "app:shop", "control"});
  ASSERT_EQ(0, granted.exit_code) << granted.Describe();
  EXPECT_NE(granted.out.find("app:shop: "), std::string::npos) << granted.out;
  json actions = berthd().Get("/v1/users/bob").json()["grants"][0]["actions"];
  EXPECT_NE(std::find(actions.begin(), actions.end(), "control"), actions.end()) << actions;

  ASSERT_EQ(0, AdminCtl({"revoke", "bob", "app:shop", "control"}).exit_code);
  actions = berthd().Get("/v1/users/bob").json()["grants"][0]["actions"];
  EXPECT_EQ(std::find(actions.begin(), actions.end(), "control"), actions.end()) << actions;
  ASSERT_EQ(0, AdminCtl({"revoke", "bob", "app:shop"}).exit_code);
  EXPECT_EQ(berthd().Get("/v1/users/bob").json()["grants"], json::array());
  CommandResult missing = AdminCtl({"revoke", "bob", "app:shop"});
  EXPECT_EQ(1, missing.exit_code) << missing.Describe();

  ASSERT_EQ(0,
            AdminCtl({"users", "passwd", "bob", "--password-stdin"}, "bob-password-2\n").exit_code);
  EXPECT_EQ(200, berthd()
                     .Post("/v1/session", json{{"name", "bob"}, {"password", "bob-password-2"}},
                           {"Authorization:"})
                     .status);

  CommandResult list = AdminCtl({"users"});
  ASSERT_EQ(0, list.exit_code) << list.Describe();
  EXPECT_NE(list.out.find("bob"), std::string::npos) << list.out;
  ASSERT_EQ(0, AdminCtl({"users", "rm", "bob"}).exit_code);
  EXPECT_EQ(404, berthd().Get("/v1/users/bob").status);
  CommandResult gone = AdminCtl({"users", "rm", "bob"});
  EXPECT_EQ(1, gone.exit_code) << gone.Describe();
}

TEST_F(BerthctlUsersTest, TokensAddPrintsOnceListsAndRemoves) {
  AddUser("carol", "carol-password-1",
          json::array({{{"scope", "global"}, {"actions", {"manage"}}}}));
  CommandResult added =
      AdminCtl({"tokens", "add", "carol", "ci", "--grant", "app:shop=view", "--expires", "30d"});
  ASSERT_EQ(0, added.exit_code) << added.Describe();
  std::string token = added.out.substr(0, added.out.find('\n'));
  EXPECT_TRUE(token.starts_with("berth_")) << added.out;
  HttpResponse session = berthd().Get("/v1/session", {"Authorization: Bearer " + token});
  ASSERT_EQ(200, session.status) << session.Describe();
  EXPECT_EQ(session.json()["principal"], "token:carol/ci");

  CommandResult list = AdminCtl({"tokens", "carol"});
  ASSERT_EQ(0, list.exit_code) << list.Describe();
  EXPECT_NE(list.out.find("app:shop: view"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find(token), std::string::npos) << "the token is shown only once";
  std::string id = std::to_string(Tokens("carol")[0]["id"].get<int64_t>());
  ASSERT_EQ(0, AdminCtl({"tokens", "rm", "carol", id}).exit_code);
  EXPECT_TRUE(Tokens("carol").empty());
  EXPECT_EQ(401, berthd().Get("/v1/session", {"Authorization: Bearer " + token}).status);
}

TEST_F(BerthctlUsersTest, AuditShowsWhatWasDone) {
  HttpResponse created = berthd().Post("/v1/apps", ProcessApp("audited", Sh("sleep 300")));
  ASSERT_EQ(201, created.status) << created.Describe();
  CommandResult audit;
  EXPECT_TRUE(WaitUntil([&] {
    audit = AdminCtl({"audit", "--app", "audited", "--since", "1h"});
    return audit.exit_code == 0 && audit.out.find("POST /v1/apps") != std::string::npos;
  })) << audit.Describe();
  EXPECT_TRUE(audit.out.starts_with("TIME")) << audit.out;
  EXPECT_NE(audit.out.find("admin"), std::string::npos) << audit.out;
  CommandResult json_out = AdminCtl({"audit", "--json", "-n", "1"});
  ASSERT_EQ(0, json_out.exit_code) << json_out.Describe();
  EXPECT_EQ(json::parse(json_out.out, nullptr, false).size(), 1u) << json_out.out;
}

}  // namespace
}  // namespace berth::testing
