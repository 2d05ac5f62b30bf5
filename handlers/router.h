// Router: method + path pattern ("/v1/apps/{name}/logs") to handler, with the allowed methods
// of a path for 405 answers.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "handlers/grants.h"

namespace berth {

class Exchange;
class Api;

using Handler = std::function<void(Api& api, const std::shared_ptr<Exchange>& exchange)>;

// Where a route's permission is checked.
enum class Over {
  kGlobal,         // the global scope
  kApp,            // the app named by the {name} path parameter
  kGlobalOrSelf,   // the global scope, unless {name} is the caller's own user name
};

// One permission a route needs.
struct Need {
  Action action;
  Over over = Over::kGlobal;
};

// The permissions a request needs, when the route's depend on its body or query (a control
// command, the fields a PATCH changes). Runs before the handler, after the body is parsed.
using NeedsOf = std::function<std::vector<Need>(Api& api, const Exchange& exchange)>;

struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  bool takes_json = false;    // the body must be JSON (413/415/400 checked before the handler)
  bool public_route = false;  // no credentials needed
  // A route of the Supervisor-compatible /stacks API: the Supervisor API key is a credential
  // here, and a 401 has Supervisor's body.
  bool supervisor_compat = false;
  std::set<std::string> query_keys;  // any other query key is a 400
  // What the caller must be allowed: `needs`, or what `needs_of` says for this request. Every
  // route that is not public names at least one.
  std::vector<Need> needs;
  NeedsOf needs_of;
};

class Router {
 public:
  void Add(Route route);
  // The route for `method` and `path`, filling `params`; null when none. Then `allowed` lists
  // the methods the path does have (empty: no such path).
  const Route* Match(const std::string& method, const std::string& path,
                     std::map<std::string, std::string>* params,
                     std::vector<std::string>* allowed) const;

 private:
  struct Compiled {
    Route route;
    std::vector<std::string> segments;
  };
  static bool MatchSegments(const std::vector<std::string>& pattern,
                            const std::vector<std::string>& path,
                            std::map<std::string, std::string>* params);
  std::vector<Compiled> routes_;
};

std::vector<std::string> SplitPath(const std::string& path);

}  // namespace berth
