// Tests of the heads the proxy sends on: hop-by-hop headers dropped, forwarding headers set or
// appended by trust, HTTP/1.0 clients, upgrades; trusted networks; the proxy's own pages.
#include "proxy/forward_heads.h"

#include <gtest/gtest.h>

#include "proxy/error_page.h"

namespace berth {
namespace {

MessageHead Request(std::vector<std::pair<std::string, std::string>> headers) {
  MessageHead head;
  head.method = "GET";
  head.target = "/x";
  head.headers = std::move(headers);
  return head;
}

TEST(ForwardHeadsTest, DropsHopByHopHeadersAndThoseConnectionNames) {
  MessageHead request = Request({{"Host", "a.test"},
                                 {"Connection", "keep-alive, X-Private"},
                                 {"X-Private", "1"},
                                 {"Keep-Alive", "timeout=5"},
                                 {"Proxy-Authorization", "Basic x"},
                                 {"TE", "trailers"},
                                 {"Transfer-Encoding", "chunked"},
                                 {"Accept", "*/*"}});
  std::string head = UpstreamRequestHead(request, "/y", {.ip = "192.0.2.1"});
  EXPECT_EQ(head.rfind("GET /y HTTP/1.1\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Host: a.test\r\n"), std::string::npos);
  EXPECT_NE(head.find("Accept: */*\r\n"), std::string::npos);
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos);  // the body's framing
  for (const char* gone : {"Connection", "X-Private", "Keep-Alive", "Proxy-Authorization", "TE:"})
    EXPECT_EQ(head.find(gone), std::string::npos) << gone << " in\n" << head;
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
}

TEST(ForwardHeadsTest, ReplacesForwardingHeadersFromAnUntrustedClient) {
  MessageHead request = Request({{"Host", "a.test"},
                                 {"X-Forwarded-For", "6.6.6.6"},
                                 {"X-Forwarded-Proto", "https"},
                                 {"Forwarded", "for=6.6.6.6"}});
  std::string head = UpstreamRequestHead(request, "/x", {.ip = "192.0.2.1", .tls = true});
  EXPECT_NE(head.find("X-Forwarded-For: 192.0.2.1\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Forwarded-Proto: https\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Forwarded-Host: a.test\r\n"), std::string::npos);
  EXPECT_NE(head.find("Forwarded: for=192.0.2.1;proto=https;host=\"a.test\"\r\n"),
            std::string::npos);
  EXPECT_EQ(head.find("6.6.6.6"), std::string::npos);
}

TEST(ForwardHeadsTest, AppendsToATrustedProxysHeadersAndQuotesIpv6) {
  MessageHead request = Request({{"Host", "a.test"},
                                 {"X-Forwarded-For", "203.0.113.5"},
                                 {"X-Forwarded-For", "10.0.0.2"},
                                 {"X-Forwarded-Proto", "https"},
                                 {"Forwarded", "for=203.0.113.5"}});
  std::string head = UpstreamRequestHead(request, "/x", {.ip = "2001:db8::1", .trusted = true});
  EXPECT_NE(head.find("X-Forwarded-For: 203.0.113.5, 10.0.0.2, 2001:db8::1\r\n"),
            std::string::npos)
      << head;
  EXPECT_NE(head.find("X-Forwarded-Proto: https\r\n"), std::string::npos);
  EXPECT_NE(head.find("Forwarded: for=203.0.113.5, for=\"[2001:db8::1]\";proto=http;host=\"a.test\""),
            std::string::npos);
}

TEST(ForwardHeadsTest, KeepsAnUpgradeAndAsksKeepAliveForHttp10) {
  MessageHead upgrade = Request({{"Host", "a"}, {"Connection", "Upgrade"}, {"Upgrade", "websocket"}});
  upgrade.upgrade = true;
  std::string head = UpstreamRequestHead(upgrade, "/ws", {.ip = "127.0.0.1"});
  EXPECT_NE(head.find("Connection: upgrade\r\nUpgrade: websocket\r\n"), std::string::npos) << head;
  MessageHead old = Request({{"Host", "a"}});
  old.minor = 0;
  head = UpstreamRequestHead(old, "/", {.ip = "127.0.0.1"});
  EXPECT_EQ(head.rfind("GET / HTTP/1.0\r\n", 0), 0u);
  EXPECT_NE(head.find("Connection: keep-alive\r\n"), std::string::npos);
}

TEST(ForwardHeadsTest, ResponseHeadsSayWhenTheConnectionCloses) {
  MessageHead response;
  response.status = 200;
  response.reason = "OK";
  response.headers = {{"Content-Length", "2"}, {"Connection", "keep-alive"}, {"Keep-Alive", "x"}};
  MessageHead request = Request({});
  EXPECT_EQ(ClientResponseHead(response, request, false),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(ClientResponseHead(response, request, true),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n");
}

TEST(ForwardHeadsTest, TrustedNetworks) {
  std::vector<Network> networks(2);
  ASSERT_TRUE(ParseNetwork("10.0.0.0/8", &networks[0]));
  ASSERT_TRUE(ParseNetwork("2001:db8::/33", &networks[1]));
  EXPECT_TRUE(InNetworks(networks, "10.1.2.3"));
  EXPECT_FALSE(InNetworks(networks, "11.1.2.3"));
  EXPECT_TRUE(InNetworks(networks, "2001:db8:7fff::1"));
  EXPECT_FALSE(InNetworks(networks, "2001:db8:8000::1"));
  EXPECT_FALSE(InNetworks(networks, "not an address"));
  Network one;
  ASSERT_TRUE(ParseNetwork("192.0.2.7", &one));
  EXPECT_TRUE(InNetworks({one}, "192.0.2.7"));
  EXPECT_FALSE(InNetworks({one}, "192.0.2.8"));
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "example.com", "10.0.0.0/8x", ""})
    EXPECT_FALSE(ParseNetwork(bad, &one)) << bad;
}

TEST(ErrorPageTest, NamesTheAppAndNothingElseInHtmlOrJson) {
  std::string html = ProxyErrorResponse(502, "shop", false, false);
  EXPECT_EQ(html.rfind("HTTP/1.1 502 Bad Gateway\r\n", 0), 0u);
  EXPECT_NE(html.find("App 'shop' did not give a valid answer."), std::string::npos) << html;
  EXPECT_EQ(html.find("Connection: close"), std::string::npos);
  std::string json = ProxyErrorResponse(503, "shop", true, true);
  EXPECT_NE(json.find("Content-Type: application/json"), std::string::npos);
  EXPECT_NE(json.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(json.find("\"code\":\"unavailable\""), std::string::npos) << json;
  std::string body = html.substr(html.find("\r\n\r\n") + 4);
  EXPECT_EQ(html.find("Content-Length: " + std::to_string(body.size())), html.find("Content-Length"));
  std::string api = "application/json";
  EXPECT_TRUE(AcceptsJson(&api));
  std::string browser = "text/html,application/xhtml+xml,*/*;q=0.8";
  EXPECT_FALSE(AcceptsJson(&browser));
  EXPECT_FALSE(AcceptsJson(nullptr));
}

}  // namespace
}  // namespace berth
