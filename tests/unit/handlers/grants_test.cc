// The permission logic: scopes, inheritance, explanations and the "no wider" rule for tokens.
#include "handlers/grants.h"

#include <gtest/gtest.h>

#include "handlers/principal.h"

namespace berth {
namespace {

Grants Parse(const char* text) {
  auto grants = ParseGrants(nlohmann::json::parse(text));
  EXPECT_TRUE(grants.ok()) << grants.status().message();
  return grants.ok() ? *grants : Grants{};
}

TEST(GrantsTest, AScopeCoversItsAppsOnly) {
  EXPECT_TRUE(ScopeCovers("global", "shop"));
  EXPECT_TRUE(ScopeCovers("global", ""));
  EXPECT_TRUE(ScopeCovers("app:shop", "shop"));
  EXPECT_FALSE(ScopeCovers("app:shop", "shop-api"));
  EXPECT_TRUE(ScopeCovers("app:shop-*", "shop-api"));
  EXPECT_FALSE(ScopeCovers("app:shop-*", "shop"));
  EXPECT_TRUE(ScopeCovers("app:web?", "web1"));
  EXPECT_FALSE(ScopeCovers("app:*", ""));  // an app scope never covers berthd itself
}

TEST(GrantsTest, EveryActionImpliesViewAndManageImpliesTheRest) {
  Grants grants = Parse(R"([{"scope": "app:shop-*", "actions": ["control"]},
                            {"scope": "app:blog", "actions": ["manage"]}])");
  EXPECT_TRUE(Allows(grants, Action::kView, "shop-api"));
  EXPECT_TRUE(Allows(grants, Action::kControl, "shop-api"));
  EXPECT_FALSE(Allows(grants, Action::kViewLogs, "shop-api"));
  EXPECT_FALSE(Allows(grants, Action::kDeploy, "shop-api"));
  EXPECT_FALSE(Allows(grants, Action::kView, "billing"));
  for (Action action : {Action::kView, Action::kViewLogs, Action::kControl, Action::kDeploy,
                        Action::kEditEnv, Action::kEditConfiguration, Action::kManage})
    EXPECT_TRUE(Allows(grants, action, "blog")) << to_string(action);
  // manage on an app is not manage of berthd.
  EXPECT_FALSE(Allows(grants, Action::kCreateApps, ""));
  EXPECT_FALSE(Allows(grants, Action::kView, ""));
}

TEST(GrantsTest, GlobalGrantsReachEveryApp) {
  Grants viewer = Parse(R"([{"scope": "global", "actions": ["view_logs"]}])");
  EXPECT_TRUE(Allows(viewer, Action::kViewLogs, "anything"));
  EXPECT_TRUE(Allows(viewer, Action::kView, ""));
  EXPECT_FALSE(Allows(viewer, Action::kControl, "anything"));
  Grants admin = Parse(R"([{"scope": "global", "actions": ["manage"]}])");
  EXPECT_TRUE(Allows(admin, Action::kManageUsers, ""));
  EXPECT_TRUE(Allows(admin, Action::kCreateApps, ""));
  EXPECT_TRUE(Allows(admin, Action::kEditEnv, "shop"));
}

TEST(GrantsTest, UserAdminsDoNotSeeEveryAppByThat) {
  Grants grants = Parse(R"([{"scope": "global", "actions": ["manage_users", "create_apps"]}])");
  EXPECT_TRUE(Allows(grants, Action::kManageUsers, ""));
  EXPECT_TRUE(Allows(grants, Action::kView, ""));
  EXPECT_FALSE(Allows(grants, Action::kView, "shop"));
}

TEST(GrantsTest, ParsingNamesTheFieldAtFault) {
  struct Case {
    const char* json;
    const char* field;
  };
  for (const Case& c :
       {Case{R"({})", "grants"},
        Case{R"([{"scope": "service:x", "actions": ["view"]}])", "grants[0].scope"},
        Case{R"([{"scope": "app:Shop", "actions": ["view"]}])", "grants[0].scope"},
        Case{R"([{"scope": "app:x", "actions": []}])", "grants[0].actions"},
        Case{R"([{"scope": "app:x", "actions": ["view", "fly"]}])", "grants[0].actions[1]"},
        Case{R"([{"scope": "app:x", "actions": ["manage_users"]}])", "grants[0].actions[0]"},
        Case{R"([{"scope": "global", "actions": ["view"], "x": 1}])", "grants[0].x"}}) {
    auto grants = ParseGrants(nlohmann::json::parse(c.json));
    ASSERT_FALSE(grants.ok()) << c.json;
    EXPECT_EQ(grants.status().field(), c.field) << c.json << ": " << grants.status().message();
  }
}

TEST(GrantsTest, ExplainSaysWhereEachActionComesFrom) {
  Grants grants = Parse(R"([{"scope": "app:shop-*", "actions": ["view_logs", "control"]}])");
  auto why = Explain(grants, "shop-api");
  ASSERT_EQ(why.size(), 3u);
  EXPECT_EQ(why[Action::kControl], "granted on app:shop-*");
  EXPECT_EQ(why[Action::kView], "implied by view_logs on app:shop-*");
  EXPECT_TRUE(Explain(grants, "billing").empty());
}

TEST(GrantsTest, ATokenMayNotReachFurtherThanItsUser) {
  Grants user = Parse(R"([{"scope": "app:shop-*", "actions": ["control", "deploy"]}])");
  EXPECT_EQ(WiderThan(Parse(R"([{"scope": "app:shop-api", "actions": ["deploy"]}])"), user, "g"),
            "");
  EXPECT_EQ(WiderThan(Parse(R"([{"scope": "app:shop-a*", "actions": ["view"]}])"), user, "g"), "");
  EXPECT_NE(WiderThan(Parse(R"([{"scope": "app:*", "actions": ["control"]}])"), user, "g"), "");
  EXPECT_NE(WiderThan(Parse(R"([{"scope": "app:shop-api", "actions": ["manage"]}])"), user, "g"),
            "");
  EXPECT_NE(WiderThan(Parse(R"([{"scope": "global", "actions": ["view"]}])"), user, "g"), "");
  // A ? in the user's pattern does not cover a * in the token's.
  Grants narrow = Parse(R"([{"scope": "app:web?", "actions": ["view"]}])");
  EXPECT_NE(WiderThan(Parse(R"([{"scope": "app:web*", "actions": ["view"]}])"), narrow, "g"), "");
}

TEST(PrincipalTest, ATokenIsLimitedByBothItsGrantsAndItsUsers) {
  Principal token;
  token.kind = PrincipalKind::kToken;
  token.grants = std::make_shared<const GrantSet>(
      Parse(R"([{"scope": "app:shop-*", "actions": ["control"]}])"));
  token.token_grants =
      std::make_shared<const GrantSet>(Parse(R"([{"scope": "app:*", "actions": ["manage"]}])"));
  EXPECT_TRUE(token.Allows(Action::kControl, "shop-api"));
  EXPECT_FALSE(token.Allows(Action::kManage, "shop-api"));  // the user lost it
  EXPECT_FALSE(token.Allows(Action::kView, "billing"));
  Principal anonymous;
  EXPECT_FALSE(anonymous.Allows(Action::kView, "shop-api"));
  Principal admin;
  admin.kind = PrincipalKind::kAdmin;
  EXPECT_TRUE(admin.Allows(Action::kManageUsers, ""));
}

TEST(GrantSetTest, AnswersAsTheGrantsDo) {
  Grants grants = Parse(R"([{"scope": "app:shop-*", "actions": ["control"]},
                            {"scope": "app:blog", "actions": ["manage"]},
                            {"scope": "app:web?", "actions": ["view_logs"]},
                            {"scope": "global", "actions": ["create_apps"]}])");
  GrantSet set(grants);
  for (const char* app : {"", "shop", "shop-api", "blog", "blogs", "web1", "web12", "billing"})
    for (Action action : kAllActions)
      EXPECT_EQ(Allows(grants, action, app), set.Allows(action, app))
          << to_string(action) << " on '" << app << "'";
  GrantSet admin(Parse(R"([{"scope": "global", "actions": ["manage"]}])"));
  for (Action action : kAllActions) EXPECT_TRUE(admin.Allows(action, "x") || !IsAppAction(action));
  EXPECT_TRUE(admin.Allows(Action::kManageUsers, ""));
}

}  // namespace
}  // namespace berth
