#include "http/router.h"

namespace tandem::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
  add_async(std::move(method), std::move(pattern),
            [handler = std::move(handler)](Request& request, Respond respond) { respond(handler(request)); });
}

void Router::add_async(std::string method, std::string pattern, AsyncHandler handler) {
  std::vector<std::string> segments;
  for (std::string_view segment : split_path(pattern)) {
    segments.emplace_back(segment);
  }
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

void Router::set_fallback(std::string method, std::string label, Handler handler) {
  fallbacks_.push_back({std::move(method), std::move(label), {},
                        [handler = std::move(handler)](Request& request, Respond respond) {
                          respond(handler(request));
                        }});
}

Router::Match Router::match(Request& request) const {
  Match result{nullptr, "unmatched", false};
  auto segments = split_path(request.path);

  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;

    std::map<std::string, std::string> params;
    bool matched = true;
    for (std::size_t i = 0; i < segments.size() && matched; ++i) {
      const std::string& expected = route.segments[i];
      if (expected.size() > 2 && expected.front() == '{' && expected.back() == '}') {
        auto decoded = percent_decode(segments[i], false);
        matched = decoded.has_value() && !decoded->empty();
        if (matched) params[expected.substr(1, expected.size() - 2)] = std::move(*decoded);
      } else {
        matched = expected == segments[i];
      }
    }
    if (!matched) continue;

    if (route.method != request.method) {
      result.path_known = true;
      result.route = route.pattern;
      continue;
    }
    request.params = std::move(params);
    return {&route.handler, route.pattern, true};
  }
  if (!result.path_known) {
    for (const Route& fallback : fallbacks_) {
      if (fallback.method == request.method) return {&fallback.handler, fallback.pattern, true};
    }
  }
  return result;
}

}  // namespace tandem::http
