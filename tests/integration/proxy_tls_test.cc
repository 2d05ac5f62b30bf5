// The built-in proxy over TLS: certificates per host from --tls-dir chosen by SNI (checked with
// openssl s_client and curl), wildcards, TLS 1.2 as the floor, reloads when a certificate
// arrives, the redirect from HTTP to HTTPS, and a small answer sent as one record.
#include <nlohmann/json.hpp>

#include "tests/integration/nginx_support.h"
#include "tests/integration/proxy_support.h"

namespace berth::testing {
namespace {

using nlohmann::json;

class ProxyTlsTest : public ProxyFixture {
 protected:
  void SetUp() override {
    if (std::string missing = MissingProgram(FindProgram("openssl"), "openssl"); !missing.empty())
      GTEST_SKIP() << missing;
    ASSERT_FALSE(scratch_.path().empty());
    tls_dir_ = scratch_.path();
  }

  // A self-signed certificate for `host` as <host>.pem and <host>.key in the TLS dir.
  ::testing::AssertionResult MakeCertificate(const std::string& host) {
    std::string base = tls_dir_ + "/" + host;
    // Written beside and renamed in, as a deploy tool would, so a reload never sees half.
    CommandResult made = RunCommand({FindProgram("openssl"), "req", "-x509", "-newkey", "ec",
                                     "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                     "-keyout", base + ".key.tmp", "-out", base + ".pem.tmp",
                                     "-days", "2", "-subj", "/CN=" + host, "-addext",
                                     "subjectAltName=DNS:" + host});
    if (made.exit_code != 0) return ::testing::AssertionFailure() << made.Describe();
    if (rename((base + ".key.tmp").c_str(), (base + ".key").c_str()) != 0 ||
        rename((base + ".pem.tmp").c_str(), (base + ".pem").c_str()) != 0)
      return ::testing::AssertionFailure() << "rename failed";
    return ::testing::AssertionSuccess();
  }

  ::testing::AssertionResult Start() {
    return StartBerthd({"--proxy-tls-listen", "127.0.0.1:0", "--tls-dir", tls_dir_});
  }

  // The subject of the certificate the proxy presents for the server name `name`.
  std::string SubjectFor(const std::string& name, const std::string& extra = "") {
    std::vector<std::string> argv = {FindProgram("openssl"), "s_client", "-connect",
                                     "127.0.0.1:" + std::to_string(tls_port_), "-servername", name};
    if (!extra.empty()) argv.push_back(extra);
    CommandResult r = RunCommand(argv, {}, milliseconds(10000));
    size_t at = r.out.find("subject=");
    return at == std::string::npos ? "<none> " + r.err : r.out.substr(at, r.out.find('\n', at) - at);
  }

  CommandResult Curl(const std::string& host, const std::string& path) {
    std::string port = std::to_string(tls_port_);
    return RunCommand({FindProgram("curl"), "-sS", "--cacert", tls_dir_ + "/" + host + ".pem",
                       "--resolve", host + ":" + port + ":127.0.0.1",
                       "https://" + host + ":" + port + path});
  }

  ScratchDir scratch_{"berth-tls"};
  std::string tls_dir_;
};

TEST_F(ProxyTlsTest, PresentsEachHostsCertificateBySni) {
  ASSERT_TRUE(MakeCertificate("shop.test"));
  ASSERT_TRUE(MakeCertificate("*.wild.test"));
  ASSERT_TRUE(Start());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}, {{"host", "*.wild.test"}}}));
  EXPECT_EQ(SubjectFor("shop.test"), "subject=CN = shop.test");
  EXPECT_EQ(SubjectFor("eu.wild.test"), "subject=CN = *.wild.test");
  CommandResult verified = Curl("shop.test", "/headers");
  ASSERT_EQ(verified.exit_code, 0) << verified.Describe();
  json seen = json::parse(verified.out, nullptr, false);
  EXPECT_EQ(seen["headers"]["X-Forwarded-Proto"], "https") << verified.out;
  EXPECT_NE(seen["headers"]["Forwarded"].get<std::string>().find("proto=https"), std::string::npos);
  // TLS 1.1 and older are refused.
  EXPECT_NE(SubjectFor("shop.test", "-tls1_1").rfind("subject=", 0), 0u);
}

TEST_F(ProxyTlsTest, CarriesLargeBodiesBothWays) {
  ASSERT_TRUE(MakeCertificate("shop.test"));
  ASSERT_TRUE(Start());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}}));
  std::string port = std::to_string(tls_port_);
  std::vector<std::string> curl = {FindProgram("curl"), "-sS", "--cacert", tls_dir_ + "/shop.test.pem",
                                   "--resolve", "shop.test:" + port + ":127.0.0.1"};
  std::vector<std::string> get = curl;
  get.insert(get.end(), {"-o", "/dev/null", "-w", "%{size_download}",
                         "https://shop.test:" + port + "/big?n=8000000"});
  CommandResult big = RunCommand(get);
  EXPECT_EQ(big.exit_code, 0) << big.Describe();
  EXPECT_EQ(big.out, "8000000");
  std::string upload = tls_dir_ + "/upload";
  ASSERT_TRUE(WriteFile(upload, std::string(3 << 20, 'u')));
  std::vector<std::string> post = curl;
  post.insert(post.end(), {"--data-binary", "@" + upload, "https://shop.test:" + port + "/echo"});
  CommandResult echoed = RunCommand(post);
  EXPECT_EQ(echoed.exit_code, 0) << echoed.Describe();
  EXPECT_NE(echoed.out.find("\"length\": 3145728"), std::string::npos) << echoed.out;
}

// berthd's resident memory in KiB.
long RssKib(pid_t pid) {
  std::string status = ReadFile("/proc/" + std::to_string(pid) + "/status");
  size_t at = status.find("VmRSS:");
  return at == std::string::npos ? -1 : std::stol(status.substr(at + 6));
}

// A TLS client that asks for 64 MB and reads none of it: berthd stops reading the app instead
// of holding the answer in memory.
TEST_F(ProxyTlsTest, AClientThatDoesNotReadHoldsBackTheAppNotBerthdsMemory) {
  ASSERT_TRUE(MakeCertificate("shop.test"));
  ASSERT_TRUE(Start());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}}));
  long before = RssKib(berthd_->pid());
  // s_client writes what it reads to a pipe nobody reads: once that is full it reads no more.
  ChildProcess client;
  ASSERT_TRUE(client.Start(
      {"/bin/sh", "-c",
       "(printf 'GET /big?n=64000000 HTTP/1.1\\r\\nHost: shop.test\\r\\n\\r\\n'; sleep 60) | " +
           FindProgram("openssl") + " s_client -quiet -connect 127.0.0.1:" +
           std::to_string(tls_port_) + " -servername shop.test | sleep 60"},
      {}, tls_dir_ + "/client.log"));
  long peak = before;
  EXPECT_FALSE(WaitUntil([&] {
    peak = std::max(peak, RssKib(berthd_->pid()));
    return peak > before + 24 * 1024;
  }, milliseconds(4000))) << "berthd grew from " << before << " to " << peak << " KiB";
  client.Stop(milliseconds(100));
}

TEST_F(ProxyTlsTest, SendsASmallAnswerAsOneRecord) {
  ASSERT_TRUE(MakeCertificate("shop.test"));
  ASSERT_TRUE(Start());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}}));
  // s_client -msg shows every record; the inner type of application data is 17.
  std::string client = FindProgram("openssl") + " s_client -tls1_3 -quiet -msg -ign_eof " +
                       "-connect 127.0.0.1:" + std::to_string(tls_port_) +
                       " -servername shop.test";
  CommandResult r = RunCommand(
      {"/bin/sh", "-c",
       "printf 'GET /whole HTTP/1.1\\r\\nHost: shop.test\\r\\nConnection: close\\r\\n\\r\\n' | " +
           client});
  ASSERT_NE(r.out.find("whole"), std::string::npos) << r.Describe();
  int records = 0;
  for (size_t at = 0; (at = r.out.find("<<< TLS 1.3, InnerContent", at)) != std::string::npos; ++at)
    if (r.out.compare(r.out.find('\n', at), 8, "\n    17\n") == 0) ++records;
  EXPECT_EQ(records, 1) << r.out;  // head and body together
}

TEST_F(ProxyTlsTest, LoadsACertificateThatArrivesLater) {
  ASSERT_TRUE(MakeCertificate("shop.test"));
  ASSERT_TRUE(Start());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "shop.test"}}, {{"host", "new.test"}}}));
  EXPECT_EQ(SubjectFor("new.test"), "subject=CN = shop.test");  // the default one meanwhile
  ASSERT_TRUE(MakeCertificate("new.test"));
  EXPECT_TRUE(WaitUntil([&] { return SubjectFor("new.test") == "subject=CN = new.test"; }))
      << SubjectFor("new.test");
  CommandResult verified = Curl("new.test", "/");
  EXPECT_EQ(verified.exit_code, 0) << verified.Describe();
  EXPECT_NE(verified.out.find("hello from web"), std::string::npos);
}

TEST_F(ProxyTlsTest, RedirectsPlainHttpToHttpsWhereTheRouteAsks) {
  ASSERT_TRUE(MakeCertificate("shop.test"));
  ASSERT_TRUE(Start());
  ASSERT_TRUE(DefineBackend("web", {{{"host", "open.test"}}, {{"host", "shop.test"}, {"https_redirect", true}}}));
  HttpResponse plain = ViaProxy("GET", "/cart?item=1", "shop.test");
  EXPECT_EQ(plain.status, 308) << plain.Describe();
  EXPECT_EQ(plain.header("Location"), "https://shop.test/cart?item=1");
  EXPECT_EQ(ViaProxy("GET", "/", "open.test").status, 200);
  CommandResult secure = Curl("shop.test", "/cart");
  EXPECT_EQ(secure.exit_code, 0) << secure.Describe();
  EXPECT_NE(secure.out.find("hello from web"), std::string::npos);
}

}  // namespace
}  // namespace berth::testing
