// Router: method + path pattern ("/v1/apps/{name}/logs") to handler, with the allowed methods
// of a path for 405 answers.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace berth {

class Exchange;
class Api;

using Handler = std::function<void(Api& api, const std::shared_ptr<Exchange>& exchange)>;

struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  bool takes_json = false;    // the body must be JSON (413/415/400 checked before the handler)
  bool public_route = false;  // no token needed
  std::set<std::string> query_keys;  // any other query key is a 400
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
