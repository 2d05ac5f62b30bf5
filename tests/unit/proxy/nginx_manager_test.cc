// Tests of nginx mode's options: the probe's default address and the checks that keep nginx
// syntax out of paths and listen addresses. The transactions themselves are tested against a
// real nginx in tests/integration/nginx_mode_test.cc.
#include "proxy/nginx_manager.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(NginxManagerTest, TheProbeAsksWhereNginxListens) {
  const std::pair<const char*, const char*> kCases[] = {
      {"80", "http://127.0.0.1:80"},
      {"127.0.0.1:8080", "http://127.0.0.1:8080"},
      {"203.0.113.5:80", "http://203.0.113.5:80"},
      {"0.0.0.0:8080", "http://127.0.0.1:8080"},
      {"*:81", "http://127.0.0.1:81"},
      {"[::]:8080", "http://127.0.0.1:8080"},
      {"[::1]:8080", "http://[::1]:8080"},
      {"[::1]", "http://[::1]:80"},
  };
  for (const auto& [listen, probe] : kCases) EXPECT_EQ(DefaultNginxProbe(listen), probe) << listen;
}

NginxModeOptions Good() {
  NginxModeOptions options;
  options.probe = "http://127.0.0.1:80";
  options.tls_dir = "/etc/berth/tls";
  options.render.acme_webroot = "/var/lib/berth/acme";
  return options;
}

TEST(NginxManagerTest, OptionsThatNginxCouldMisreadAreRefusedNamingTheFlag) {
  EXPECT_TRUE(CheckNginxModeOptions(Good()).ok());
  struct Case {
    void (*spoil)(NginxModeOptions*);
    const char* flag;
  };
  const Case cases[] = {
      {[](NginxModeOptions* o) { o->dir = "berth"; }, "--nginx-dir"},
      {[](NginxModeOptions* o) { o->dir = "/etc/nginx/a;b"; }, "--nginx-dir"},
      {[](NginxModeOptions* o) { o->main_conf = ""; }, "--nginx-conf"},
      {[](NginxModeOptions* o) { o->tls_dir = "/tls/$host"; }, "--tls-dir"},
      {[](NginxModeOptions* o) { o->render.acme_webroot = "/a b"; }, "--acme-webroot"},
      {[](NginxModeOptions* o) { o->render.listen = "80; include x"; }, "--nginx-listen"},
      {[](NginxModeOptions* o) { o->render.listen_tls = ""; }, "--nginx-listen-tls"},
      {[](NginxModeOptions* o) { o->probe = "127.0.0.1:80"; }, "--nginx-probe"},
  };
  for (const Case& c : cases) {
    NginxModeOptions options = Good();
    c.spoil(&options);
    Status s = CheckNginxModeOptions(options);
    EXPECT_FALSE(s.ok()) << c.flag;
    EXPECT_EQ(s.message().rfind(c.flag, 0), 0u) << s.message();
  }
}

}  // namespace
}  // namespace berth
