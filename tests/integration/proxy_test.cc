// The built-in proxy end to end: berthd routes hosts and paths to process apps running
// proxy_backend.py, with real clients (libcurl, raw sockets) on the other side.
#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include "tests/integration/proxy_support.h"
#include "tests/integration/raw_connection.h"

namespace berth::testing {
namespace {

using nlohmann::json;

class ProxyTest : public ProxyFixture {};

TEST_F(ProxyTest, RoutesByHostAndLongestPathAndStripsThePrefix) {
  ASSERT_TRUE(StartBerthd());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}}));
  ASSERT_TRUE(DefineBackend("api", {{{"host", "shop.test"}, {"path", "/api"}, {"strip_prefix", true}}}));
  ASSERT_TRUE(DefineBackend("wild", {{{"host", "*.shop.test"}}}));
  EXPECT_NE(ViaProxy("GET", "/", "shop.test").body.find("hello from web"), std::string::npos);
  EXPECT_NE(ViaProxy("GET", "/apix", "shop.test").body.find("hello from web"), std::string::npos);
  HttpResponse api = ViaProxy("GET", "/api/headers?x=1", "Shop.Test");
  ASSERT_EQ(api.status, 200) << api.Describe();
  EXPECT_EQ(api.json()["path"], "/headers?x=1");
  EXPECT_NE(ViaProxy("GET", "/", "eu.shop.test").body.find("hello from wild"), std::string::npos);

  HttpResponse none = ViaProxy("GET", "/", "other.test");
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("No app is routed"), std::string::npos);
  HttpResponse json_none = ViaProxy("GET", "/", "other.test", "", {"Accept: application/json"});
  EXPECT_EQ(json_none.json()["error"]["code"], "not_found") << json_none.Describe();
}

TEST_F(ProxyTest, ARouteAnotherAppHasIsAConflictNamingIt) {
  ASSERT_TRUE(StartBerthd());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}, {"path", "/api/"}}}, json::object(), false));
  json spec = {{"command", {"sleep", "100"}},
               {"port", FreeTcpPort()},
               {"routes", {{{"host", "other.test"}}, {{"host", "SHOP.test"}, {"path", "/api"}}}}};
  HttpResponse taken = berthd_->Put("/v1/apps/second", spec);
  EXPECT_EQ(taken.status, 409) << taken.Describe();
  EXPECT_EQ(taken.json()["error"]["field"], "routes[1]");
  EXPECT_NE(taken.json()["error"]["message"].get<std::string>().find("'web'"), std::string::npos);
  spec["routes"][1]["path"] = "/api/v2";
  EXPECT_EQ(berthd_->Put("/v1/apps/second", spec).status, 201);
}

TEST_F(ProxyTest, SetsForwardingHeadersAndDropsHopByHopOnes) {
  ASSERT_TRUE(StartBerthd());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}}));
  HttpResponse r = ViaProxy("GET", "/headers", "shop.test", "",
                            {"X-Forwarded-For: 6.6.6.6", "Forwarded: for=6.6.6.6",
                             "X-Forwarded-Proto: https", "Connection: keep-alive, X-Secret",
                             "X-Secret: hop", "Keep-Alive: timeout=5", "X-Kept: yes"});
  ASSERT_EQ(r.status, 200) << r.Describe();
  json headers = r.json()["headers"];
  EXPECT_EQ(headers["X-Forwarded-For"], "127.0.0.1") << headers.dump();
  EXPECT_EQ(headers["X-Forwarded-Proto"], "http");
  EXPECT_EQ(headers["X-Forwarded-Host"], "shop.test");
  EXPECT_EQ(headers["Forwarded"], "for=127.0.0.1;proto=http;host=\"shop.test\"");
  EXPECT_EQ(headers["Host"], "shop.test");
  EXPECT_EQ(headers["X-Kept"], "yes");
  EXPECT_FALSE(headers.contains("X-Secret"));
  EXPECT_FALSE(headers.contains("Keep-Alive"));
}

TEST_F(ProxyTest, KeepsForwardingHeadersFromATrustedProxy) {
  ASSERT_TRUE(StartBerthd({"--trusted-proxy", "127.0.0.0/8"}));
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}}));
  HttpResponse r = ViaProxy("GET", "/headers", "shop.test", "",
                            {"X-Forwarded-For: 203.0.113.9", "X-Forwarded-Proto: https",
                             "Forwarded: for=203.0.113.9;proto=https"});
  json headers = r.json()["headers"];
  EXPECT_EQ(headers["X-Forwarded-For"], "203.0.113.9, 127.0.0.1") << r.Describe();
  EXPECT_EQ(headers["X-Forwarded-Proto"], "https");
  EXPECT_EQ(headers["Forwarded"],
            "for=203.0.113.9;proto=https, for=127.0.0.1;proto=http;host=\"shop.test\"");
}

TEST_F(ProxyTest, KeepsClientsAliveAndAnswersPipelinedRequestsInOrder) {
  ASSERT_TRUE(StartBerthd());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}}));
  RawConnection client(proxy_port_);
  ASSERT_TRUE(client.connected());
  std::string get = "GET /status?code=201 HTTP/1.1\r\nHost: shop.test\r\n\r\n";
  ASSERT_TRUE(client.Send(get + "GET /status?code=202 HTTP/1.1\r\nHost: shop.test\r\n\r\n"));
  ASSERT_TRUE(client.ReceiveUntil("202 Accepted", milliseconds(5000))) << client.received();
  EXPECT_LT(client.received().find("201 Created"), client.received().find("202 Accepted"));
  // The answer to HEAD announces a body it does not have; the next answer follows it.
  ASSERT_TRUE(client.Send("HEAD / HTTP/1.1\r\nHost: shop.test\r\n\r\n"
                          "GET /status?code=203 HTTP/1.1\r\nHost: shop.test\r\n\r\n"));
  ASSERT_TRUE(client.ReceiveUntil("203 Non-Authoritative", milliseconds(5000))) << client.received();
  std::string after = client.received().substr(client.received().find("202 Accepted"));
  EXPECT_LT(after.find("200 OK"), after.find("203 Non")) << after;
  EXPECT_FALSE(client.ClosedWithin(milliseconds(200)));
}

TEST_F(ProxyTest, StreamsBodiesBothWays) {
  ASSERT_TRUE(StartBerthd());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}}));
  std::string big(5 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i / 4096 % 26);
  HttpResponse posted = ViaProxy("POST", "/echo", "shop.test", big);
  ASSERT_EQ(posted.status, 200) << posted.Describe();
  EXPECT_EQ(posted.json()["length"], big.size());
  HttpResponse chunked = ViaProxy("POST", "/echo", "shop.test", big, {"Transfer-Encoding: chunked"});
  ASSERT_EQ(chunked.status, 200) << chunked.Describe();
  EXPECT_EQ(chunked.json()["sha256"], posted.json()["sha256"]);

  // An event stream flows as it is written: the first event arrives before the app wrote the
  // last one.
  RawConnection client(proxy_port_);
  ASSERT_TRUE(client.Send("GET /stream?n=3&gap=1 HTTP/1.1\r\nHost: shop.test\r\n\r\n"));
  ASSERT_TRUE(client.ReceiveUntil("data: 0", milliseconds(5000))) << client.received();
  EXPECT_EQ(client.received().find("data: 2"), std::string::npos);
  EXPECT_NE(client.received().find("Transfer-Encoding: chunked"), std::string::npos);
  ASSERT_TRUE(client.ReceiveUntil("0\r\n\r\n", milliseconds(5000))) << client.received();
}

// A masked client frame with a text payload (RFC 6455 5.2).
std::string TextFrame(const std::string& text) {
  std::string frame = {'\x81', static_cast<char>(0x80 | text.size()), 1, 2, 3, 4};
  for (size_t i = 0; i < text.size(); ++i) frame += static_cast<char>(text[i] ^ (1 + i % 4));
  return frame;
}

TEST_F(ProxyTest, TunnelsWebSockets) {
  ASSERT_TRUE(StartBerthd());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}}));
  RawConnection client(proxy_port_);
  ASSERT_TRUE(client.Send("GET /ws HTTP/1.1\r\nHost: shop.test\r\nConnection: Upgrade\r\n"
                          "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
  ASSERT_TRUE(client.ReceiveUntil("\r\n\r\n", milliseconds(5000)));
  EXPECT_EQ(client.received().rfind("HTTP/1.1 101", 0), 0u) << client.received();
  EXPECT_NE(client.received().find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos)
      << client.received();
  ASSERT_TRUE(client.Send(TextFrame("hello there")));
  ASSERT_TRUE(client.ReceiveUntil("hello there", milliseconds(5000)));
  ASSERT_TRUE(client.Send(TextFrame("and again")));
  ASSERT_TRUE(client.ReceiveUntil("and again", milliseconds(5000)));
}

TEST_F(ProxyTest, RefusesBodiesOverTheRoutesLimit) {
  ASSERT_TRUE(StartBerthd());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}, {"max_body", "1k"}}}));
  EXPECT_EQ(ViaProxy("POST", "/echo", "shop.test", std::string(1024, 'x')).status, 200);
  HttpResponse big = ViaProxy("POST", "/echo", "shop.test", std::string(2048, 'x'),
                              {"Accept: application/json"});
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.json()["error"]["code"], "too_large") << big.Describe();
  EXPECT_EQ(ViaProxy("POST", "/echo", "shop.test", std::string(2048, 'x'),
                     {"Transfer-Encoding: chunked"}).status,
            413);
}

TEST_F(ProxyTest, AnswersForAppsThatCannotAnswerNamingOnlyTheApp) {
  ASSERT_TRUE(StartBerthd({"--proxy-timeout", "1"}));
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}}));
  HttpResponse slow = ViaProxy("GET", "/sleep?s=3", "shop.test", "", {"Accept: application/json"});
  EXPECT_EQ(slow.status, 504) << slow.Describe();
  EXPECT_NE(slow.body.find("'web'"), std::string::npos);

  int port = FreeTcpPort();  // nothing listens there
  json silent = {{"command", {"sleep", "100"}}, {"port", port}, {"routes", {{{"host", "mute.test"}}}}};
  ASSERT_EQ(berthd_->Put("/v1/apps/mute", silent).status, 201);
  ASSERT_TRUE(berthd_->WaitForState("mute", "running"));
  HttpResponse bad = ViaProxy("GET", "/", "mute.test");
  EXPECT_EQ(bad.status, 502) << bad.Describe();
  EXPECT_NE(bad.body.find("'mute'"), std::string::npos);
  EXPECT_EQ(bad.body.find(std::to_string(port)), std::string::npos) << bad.body;
  EXPECT_EQ(bad.body.find("127.0.0.1"), std::string::npos) << bad.body;

  ASSERT_EQ(berthd_->Post("/v1/apps/web/control", json{{"command", "stop"}}).status, 202);
  ASSERT_TRUE(berthd_->WaitForState("web", "stopped"));
  HttpResponse stopped = ViaProxy("GET", "/", "shop.test");
  EXPECT_EQ(stopped.status, 503) << stopped.Describe();
  EXPECT_NE(stopped.body.find("'web'"), std::string::npos);
}

TEST_F(ProxyTest, CutsOffSlowClientsWithoutSlowingOthers) {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = std::max<rlim_t>(files.rlim_cur, std::min<rlim_t>(files.rlim_max, 4096));
  setrlimit(RLIMIT_NOFILE, &files);
  ASSERT_TRUE(StartBerthd());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}}));
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(std::make_unique<RawConnection>(proxy_port_));
    ASSERT_TRUE(idle.back()->connected()) << i;
  }
  RawConnection slowloris(proxy_port_);
  ASSERT_TRUE(slowloris.Send("GET / HTTP/1.1\r\nHost: shop.test\r\n"));
  auto began = Clock::now();
  int answered = 0;
  bool cut = false;
  // While the slow client trickles its head (a header line every 100 ms), another client's
  // requests go through; the slow one is cut off after --header-timeout (2 s).
  while (!cut && Clock::now() - began < seconds(6)) {
    slowloris.Send("X-Slow: 1\r\n");
    HttpResponse r = ViaProxy("GET", "/status?code=204", "shop.test");
    ASSERT_EQ(r.status, 204) << r.Describe();
    ++answered;
    cut = slowloris.ClosedWithin(milliseconds(100));
  }
  EXPECT_TRUE(cut);
  EXPECT_GE(Clock::now() - began, milliseconds(1900));
  EXPECT_NE(slowloris.received().find("408"), std::string::npos) << slowloris.received();
  EXPECT_GT(answered, 5);
  // The idle connections are closed after the header timeout too, never answered.
  EXPECT_TRUE(idle.front()->ClosedWithin(milliseconds(5000)));
  EXPECT_EQ(idle.front()->received(), "");
}

TEST_F(ProxyTest, SendsNothingToAnAppUntilItsHealthCheckPasses) {
  ASSERT_TRUE(StartBerthd());
  json failing = {{"health", {{"http", "/status?code=503"}, {"interval", 0.2}, {"retries", 1}}}};
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}}, failing, false));
  ASSERT_TRUE(berthd_->WaitForApp("web", [](const json& app) {
    return app["status"]["health"].is_object() && app["status"]["health"]["status"] == "unhealthy";
  })) << berthd_->LastSeen();
  HttpResponse refused = ViaProxy("GET", "/", "shop.test");
  EXPECT_EQ(refused.status, 503) << refused.Describe();
  EXPECT_NE(refused.body.find("not healthy"), std::string::npos);
  ASSERT_EQ(berthd_->Patch("/v1/apps/web", json{{"health", {{"http", "/headers"}}}}).status, 200);
  EXPECT_TRUE(WaitUntil([&] { return ViaProxy("GET", "/", "shop.test").status == 200; }));
}

TEST_F(ProxyTest, CountsRequestsPerRouteInMetrics) {
  ASSERT_TRUE(StartBerthd());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}}));
  ViaProxy("GET", "/status?code=418", "shop.test");
  HttpResponse metrics = berthd_->Get("/metrics");
  EXPECT_NE(metrics.body.find("berth_proxy_requests_total{app=\"web\",route=\"shop.test/\",code=\"4xx\"} 1"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("berth_proxy_request_duration_seconds_count{app=\"web\",route=\"shop.test/\"}"),
            std::string::npos);
}

TEST_F(ProxyTest, ServesAcmeChallengesOnEveryHost) {
  ASSERT_TRUE(StartBerthd());
  std::string dir = berthd_->state_dir() + "/acme/.well-known/acme-challenge";
  ASSERT_EQ(system(("mkdir -p " + dir).c_str()), 0);
  ASSERT_TRUE(WriteFile(dir + "/tok-EN_1", "tok-EN_1.thumbprint"));
  HttpResponse r = ViaProxy("GET", "/.well-known/acme-challenge/tok-EN_1", "any.test");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "tok-EN_1.thumbprint");
  EXPECT_EQ(ViaProxy("GET", "/.well-known/acme-challenge/..%2Fberth.db", "any.test").status, 404);
  EXPECT_EQ(ViaProxy("GET", "/.well-known/acme-challenge/missing", "any.test").status, 404);
}

}  // namespace
}  // namespace berth::testing
