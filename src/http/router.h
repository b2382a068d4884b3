// Maps a method and a path to a handler. Patterns are literal segments and
// `{name}` placeholders that capture one decoded segment each.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/request.h"
#include "http/response.h"

namespace tandem::http {

using Handler = std::function<Response(Request&)>;
// Completes a request later, from any thread, exactly once.
using Respond = std::function<void(Response)>;
// A handler that finishes asynchronously (e.g. after a durable commit).
using AsyncHandler = std::function<void(Request&, Respond)>;

class Router {
 public:
  // Registers a route; `pattern` doubles as the route's metrics label.
  void add(std::string method, std::string pattern, Handler handler);
  void add_async(std::string method, std::string pattern, AsyncHandler handler);
  // Handles requests of `method` whose path matches no route (for example
  // static files); `label` is its metrics label.
  void set_fallback(std::string method, std::string label, Handler handler);

  struct Match {
    const AsyncHandler* handler = nullptr;  // null: no route for this path or method
    std::string route;                 // the matched pattern, or "unmatched"
    bool path_known = false;           // the path exists under another method
  };

  // Finds the route and fills `request.params`. Thread-safe after setup.
  Match match(Request& request) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    AsyncHandler handler;
  };
  std::vector<Route> routes_;
  std::vector<Route> fallbacks_;  // pattern holds the label; segments unused
};

}  // namespace tandem::http
