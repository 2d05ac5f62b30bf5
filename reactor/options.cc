// Parsing berthd's flags and environment.
#include "reactor/options.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace berth {
namespace {

std::string Env(const char* name) {
  const char* value = getenv(name);
  return value ? value : "";
}

// systemd's *_DIRECTORY variables may list several paths; the first is ours.
std::string FirstPath(const std::string& list) { return list.substr(0, list.find(':')); }

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find_first_of(", ", start);
    if (end == std::string::npos) end = text.size();
    if (end > start) items.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

void ApplyEnvironment(Options* options) {
  if (!Env("STATE_DIRECTORY").empty()) options->state_dir = FirstPath(Env("STATE_DIRECTORY"));
  if (options->state_dir.empty()) options->state_dir = Env("BERTH_STATE_DIR");
  if (options->state_dir.empty()) options->state_dir = geteuid() == 0 ? "/var/lib/berth" : ".berth";
  if (options->config_dir.empty()) options->config_dir = Env("BERTH_CONFIG_DIR");
  if (options->config_dir.empty())
    options->config_dir = Env("CONFIGURATION_DIRECTORY").empty()
                              ? "/etc/berth"
                              : FirstPath(Env("CONFIGURATION_DIRECTORY"));
  if (options->listen.empty()) options->listen = SplitList(Env("BERTH_LISTEN"));
  if (!Env("BERTH_LOG_LEVEL").empty() && options->log_level == "info")
    options->log_level = Env("BERTH_LOG_LEVEL");
  if (!Env("BERTH_LOG_TARGET").empty() && options->log_target == "auto")
    options->log_target = Env("BERTH_LOG_TARGET");
  if (!Env("BERTH_LOG_FORWARD").empty() && options->log_forward == "yes")
    options->log_forward = Env("BERTH_LOG_FORWARD");
  if (options->app_host.empty()) options->app_host = Env("BERTH_APP_HOST");
  if (options->app_host.empty()) options->app_host = "127.0.0.1";
  if (options->docker_host.empty()) options->docker_host = Env("BERTH_DOCKER_HOST");
  if (options->docker_host.empty()) options->docker_host = Env("DOCKER_HOST");
  if (options->docker_host.empty()) options->docker_host = "unix:///var/run/docker.sock";
  if (options->proxy_listen.empty()) options->proxy_listen = SplitList(Env("BERTH_PROXY_LISTEN"));
  if (options->proxy_tls_listen.empty())
    options->proxy_tls_listen = SplitList(Env("BERTH_PROXY_TLS_LISTEN"));
  if (options->trusted_proxies.empty())
    options->trusted_proxies = SplitList(Env("BERTH_TRUSTED_PROXIES"));
}

// A whole number from 1 to `max`, or 0.
long Count(const std::string& text, long max) {
  char* end = nullptr;
  long value = text.empty() ? 0 : strtol(text.c_str(), &end, 10);
  return end && *end == '\0' && value >= 1 && value <= max ? value : 0;
}

// --max-connections, --header-timeout and --proxy-timeout, from their flags (when given) or
// the environment.
bool ApplyLimits(const std::string& max_connections, const std::string& header_timeout,
                 const std::string& proxy_timeout, Options* options, std::string* error) {
  std::string upstream = !proxy_timeout.empty() ? proxy_timeout : Env("BERTH_PROXY_TIMEOUT");
  if (!upstream.empty() && !(options->proxy_timeout = static_cast<int>(Count(upstream, 86400))))
    return *error = "--proxy-timeout (BERTH_PROXY_TIMEOUT) must be a number of seconds from "
                    "1 to 86400, not \"" + upstream + "\"", false;
  std::string connections = !max_connections.empty() ? max_connections
                                                      : Env("BERTH_MAX_CONNECTIONS");
  std::string timeout = !header_timeout.empty() ? header_timeout : Env("BERTH_HEADER_TIMEOUT");
  if (!connections.empty() && !(options->max_connections = Count(connections, 1 << 30)))
    return *error = "--max-connections (BERTH_MAX_CONNECTIONS) must be a number of connections "
                    "from 1 up, not \"" + connections + "\"", false;
  if (!timeout.empty() && !(options->header_timeout = static_cast<int>(Count(timeout, 3600))))
    return *error = "--header-timeout (BERTH_HEADER_TIMEOUT) must be a number of seconds from "
                    "1 to 3600, not \"" + timeout + "\"", false;
  return true;
}

// --audit-days, from its flag (when given) or BERTH_AUDIT_DAYS.
bool ApplyAuditDays(const std::string& flag, Options* options, std::string* error) {
  std::string days = !flag.empty() ? flag : Env("BERTH_AUDIT_DAYS");
  if (!days.empty() && !(options->audit_days = static_cast<int>(Count(days, 3650))))
    return *error = "--audit-days (BERTH_AUDIT_DAYS) must be a number of days from 1 to 3650, "
                    "not \"" + days + "\"", false;
  return true;
}

// The proxy's flags: each a string, the flag first, else its variable, else the default.
struct StringFlag {
  const char* flag;
  const char* env;
  std::string Options::*member;
};
const StringFlag kStringFlags[] = {
    {"--proxy", "BERTH_PROXY", &Options::proxy},
    {"--tls-dir", "BERTH_TLS_DIR", &Options::tls_dir},
    {"--acme-webroot", "BERTH_ACME_WEBROOT", &Options::acme_webroot},
    {"--nginx-dir", "BERTH_NGINX_DIR", &Options::nginx_dir},
    {"--nginx-conf", "BERTH_NGINX_CONF", &Options::nginx_conf},
    {"--nginx", "BERTH_NGINX", &Options::nginx},
    {"--nginx-reload", "BERTH_NGINX_RELOAD", &Options::nginx_reload},
    {"--nginx-probe", "BERTH_NGINX_PROBE", &Options::nginx_probe},
    {"--nginx-listen", "BERTH_NGINX_LISTEN", &Options::nginx_listen},
    {"--nginx-listen-tls", "BERTH_NGINX_LISTEN_TLS", &Options::nginx_listen_tls},
};

const StringFlag* FindStringFlag(const std::string& arg) {
  for (const StringFlag& flag : kStringFlags)
    if (arg == flag.flag) return &flag;
  return nullptr;
}

bool ApplyStringFlags(const std::vector<std::string>& given, Options* options,
                      std::string* error) {
  for (const StringFlag& flag : kStringFlags) {
    bool set = std::find(given.begin(), given.end(), flag.flag) != given.end();
    if (!set && !Env(flag.env).empty()) options->*flag.member = Env(flag.env);
  }
  if (options->proxy != "builtin" && options->proxy != "nginx" && options->proxy != "off")
    return *error = "--proxy (BERTH_PROXY) must be builtin, nginx or off, not \"" +
                    options->proxy + "\"", false;
  return true;
}

}  // namespace

const char* const kUsage =
    "usage: berthd [--state-dir DIR] [--config-dir DIR] [--listen ADDR]... "
    "[--log-level debug|info|warn|error] [--log-target auto|journal|stderr]\n"
    "       [--app-host ADDR] [--log-forward yes|no] [--max-connections N]\n"
    "       [--header-timeout SECONDS] [--docker-host unix:///PATH] [--audit-days N]\n"
    "       [--proxy-listen ADDR]... [--proxy-tls-listen ADDR]... [--trusted-proxy NET]...\n"
    "       [--tls-dir DIR] [--acme-webroot DIR] [--proxy-timeout SECONDS]\n"
    "  ADDR is host:port, [v6]:port or unix:/path (repeatable; default 127.0.0.1:7070 and\n"
    "  unix:<runtime dir>/api.sock). Under socket activation berthd serves the sockets named\n"
    "  \"api\" and binds nothing itself. Each flag also reads BERTH_STATE_DIR, BERTH_CONFIG_DIR,\n"
    "  BERTH_LISTEN (comma-separated), BERTH_LOG_LEVEL, BERTH_LOG_TARGET, BERTH_APP_HOST and\n"
    "  BERTH_LOG_FORWARD.\n"
    "  --app-host is the IP address apps are told to bind, as $HOST (default 127.0.0.1; 0.0.0.0\n"
    "  in a container, whose ports are published from outside).\n"
    "  --log-forward no keeps apps' output out of berthd's log (default yes: stdout lines at\n"
    "  info, stderr lines at error, each when --log-level lets it through).\n"
    "  --max-connections caps the open API connections; more are closed as they come (default\n"
    "  half the open-files limit, which berthd raises to its hard limit, 4096 at most). --header-timeout is\n"
    "  the time a request's headers have to arrive (default 10 s); its body gets as long again\n"
    "  plus a second per 16 KiB. Also BERTH_MAX_CONNECTIONS and BERTH_HEADER_TIMEOUT.\n"
    "  --audit-days is how many days the audit trail (GET /v1/audit) keeps who did what through\n"
    "  the API (default 90, 1 to 3650); older entries are removed hourly. Also BERTH_AUDIT_DAYS.\n"
    "  --docker-host is the Docker Engine's socket for container apps (default BERTH_DOCKER_HOST,\n"
    "  else DOCKER_HOST, else unix:///var/run/docker.sock; only unix:// is supported).\n"
    "  --proxy-listen and --proxy-tls-listen are where the built-in proxy serves the apps'\n"
    "  routes over HTTP and HTTPS (default: nowhere; under socket activation, the sockets named\n"
    "  \"proxy\" and \"proxy-tls\"). --trusted-proxy (an address or CIDR network, repeatable) is\n"
    "  a proxy in front of berth whose X-Forwarded-* and Forwarded headers are kept.\n"
    "  --proxy-timeout is how long an app may stay silent (connecting, answering) before the\n"
    "  proxy answers 504 (default 60 s). A request's head has --header-timeout to arrive there\n"
    "  too. Also BERTH_PROXY_LISTEN, BERTH_PROXY_TLS_LISTEN, BERTH_TRUSTED_PROXIES and\n"
    "  BERTH_PROXY_TIMEOUT.\n"
    "proxy: [--proxy builtin|nginx|off] [--tls-dir DIR] [--acme-webroot DIR]\n"
    "  --tls-dir holds <host>.pem and <host>.key per host (*.example.com.pem for a wildcard),\n"
    "  reloaded on change by the built-in proxy; --acme-webroot is served at\n"
    "  /.well-known/acme-challenge/ (default <state>/acme), for certbot certonly --webroot -w\n"
    "  DIR. Also BERTH_PROXY, BERTH_TLS_DIR, BERTH_ACME_WEBROOT.\n"
    "nginx mode (--proxy nginx): [--nginx-dir DIR] [--nginx-conf FILE] [--nginx PATH]\n"
    "       [--nginx-reload \"COMMAND ARGS\"] [--nginx-probe URL] [--nginx-listen ADDR]\n"
    "       [--nginx-listen-tls ADDR]\n"
    "  berth writes one server block per host into DIR/live/ (default /etc/nginx/berth), which\n"
    "  FILE (default /etc/nginx/nginx.conf) must include in its http block:\n"
    "  include DIR/live/*.conf; every change is checked with `PATH -t` (default nginx), then\n"
    "  nginx is reloaded with COMMAND (split on spaces, no shell; default \"nginx -s reload\") and\n"
    "  probed at URL (default http://<address of --nginx-listen>); on failure the last\n"
    "  good set is restored. Server blocks listen on ADDR (default 80, and 443 with TLS).\n"
    "  Each also reads BERTH_NGINX_DIR, BERTH_NGINX_CONF, BERTH_NGINX, BERTH_NGINX_RELOAD,\n"
    "  BERTH_NGINX_PROBE, BERTH_NGINX_LISTEN and BERTH_NGINX_LISTEN_TLS.\n";

bool ParseOptions(int argc, char** argv, Options* options, std::string* error) {
  std::string max_connections, header_timeout, proxy_timeout, audit_days;
  std::vector<std::string> given;  // the proxy's flags on the command line
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    size_t eq = arg.find('=');
    bool inline_value = arg.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inline_value) value = arg.substr(eq + 1), arg = arg.substr(0, eq);
    if (arg == "--help" || arg == "-h") return std::cout << kUsage, exit(0), true;
    if (arg == "--version") return std::cout << "berthd " << BERTH_VERSION << "\n", exit(0), true;
    bool known = arg == "--state-dir" || arg == "--config-dir" || arg == "--listen" ||
                 arg == "--log-level" || arg == "--log-target" || arg == "--app-host" ||
                 arg == "--log-forward" || arg == "--max-connections" ||
                 arg == "--header-timeout" || arg == "--docker-host" ||
                 arg == "--proxy-listen" || arg == "--proxy-tls-listen" ||
                 arg == "--trusted-proxy" || arg == "--proxy-timeout" ||
                 arg == "--audit-days" || FindStringFlag(arg);
    if (!known) return *error = "unknown option " + arg, false;
    if (!inline_value) {
      if (i + 1 >= argc) return *error = arg + " needs a value", false;
      value = argv[++i];
    }
    if (arg == "--state-dir") options->state_dir = value;
    if (arg == "--config-dir") options->config_dir = value;
    if (arg == "--listen") options->listen.push_back(value);
    if (arg == "--log-level") options->log_level = value;
    if (arg == "--log-target") options->log_target = value;
    if (arg == "--app-host") options->app_host = value;
    if (arg == "--log-forward") options->log_forward = value;
    if (arg == "--max-connections") max_connections = value;
    if (arg == "--header-timeout") header_timeout = value;
    if (arg == "--docker-host") options->docker_host = value;
    if (arg == "--proxy-listen") options->proxy_listen.push_back(value);
    if (arg == "--proxy-tls-listen") options->proxy_tls_listen.push_back(value);
    if (arg == "--trusted-proxy") options->trusted_proxies.push_back(value);
    if (arg == "--proxy-timeout") proxy_timeout = value;
    if (arg == "--audit-days") audit_days = value;
    if (const StringFlag* flag = FindStringFlag(arg)) {
      options->*flag->member = value;
      given.push_back(arg);
    }
  }
  ApplyEnvironment(options);
  return ApplyLimits(max_connections, header_timeout, proxy_timeout, options, error) &&
         ApplyAuditDays(audit_days, options, error) && ApplyStringFlags(given, options, error);
}

}  // namespace berth
