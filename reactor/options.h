// berthd's command line and environment: flags first, then BERTH_* and systemd's variables.
#pragma once

#include <string>
#include <vector>

namespace berth {

extern const char* const kUsage;

struct Options {
  std::string state_dir;
  std::string config_dir;
  std::vector<std::string> listen;
  std::string log_level = "info";
  std::string log_target = "auto";
  std::string log_forward = "yes";  // apps' output lines into berthd's log: yes or no
  std::string app_host;  // HOST given to apps: the address they should bind
  std::string docker_host;  // the Docker Engine's socket, unix:///path
  size_t max_connections = 0;  // open API connections at most; 0: half the open-files limit
  int header_timeout = 10;     // seconds for a request's head to arrive
  int audit_days = 90;         // days the audit trail keeps an entry (--audit-days)
  // The proxy (docs/proxy.md). Each flag also reads the BERTH_* variable named beside it.
  std::string proxy = "builtin";  // --proxy builtin|nginx|off (BERTH_PROXY)
  // The built-in proxy: where it listens for plain HTTP and for TLS (none: off, unless systemd
  // passes sockets named "proxy" or "proxy-tls"), whose forwarding headers it trusts.
  std::vector<std::string> proxy_listen;
  std::vector<std::string> proxy_tls_listen;
  std::vector<std::string> trusted_proxies;
  int proxy_timeout = 60;  // seconds an app may stay silent before the proxy answers 504
  std::string tls_dir;            // --tls-dir (BERTH_TLS_DIR): <host>.pem + <host>.key
  std::string acme_webroot;       // --acme-webroot (BERTH_ACME_WEBROOT); "": <state>/acme
  // nginx mode (--proxy nginx).
  std::string nginx_dir = "/etc/nginx/berth";        // --nginx-dir (BERTH_NGINX_DIR)
  std::string nginx_conf = "/etc/nginx/nginx.conf";  // --nginx-conf (BERTH_NGINX_CONF)
  std::string nginx = "nginx";  // --nginx (BERTH_NGINX): the binary, for `nginx -t`
  std::string nginx_reload;     // --nginx-reload (BERTH_NGINX_RELOAD); "": "<nginx> -s reload"
  std::string nginx_probe;      // --nginx-probe (BERTH_NGINX_PROBE); "": http://127.0.0.1:<port>
  std::string nginx_listen = "80";       // --nginx-listen (BERTH_NGINX_LISTEN)
  std::string nginx_listen_tls = "443";  // --nginx-listen-tls (BERTH_NGINX_LISTEN_TLS)
};

// Fills `options` from flags, then the environment; false (with a message) on a bad flag.
// --help and --version print and exit.
bool ParseOptions(int argc, char** argv, Options* options, std::string* error);

}  // namespace berth
