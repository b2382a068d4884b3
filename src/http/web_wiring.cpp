#include "http/web_wiring.h"

#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace tandem::http {

Result<WebClientRoutes> add_web_client_routes(Router& router, const config::Config& config, RestContext& context,
                                              std::string demo_workspace_id) {
  WebClientRoutes routes;

  if (!config.web_root.empty()) {
    std::error_code ec;
    auto index = std::filesystem::path(config.web_root) / "index.html";
    if (!std::filesystem::is_regular_file(index, ec)) {
      return fail(ErrorCode::invalid_request,
                  fmt::format("invalid web root '{}': it has no index.html; build the page with `make web` "
                              "or point --web-root at web/dist",
                              config.web_root));
    }
    routes.files = std::make_unique<StaticFiles>(StaticFilesOptions{.root = config.web_root});
    StaticFiles* files = routes.files.get();
    router.set_fallback("GET", "static", [files](Request& request) { return files->serve(request); });
    spdlog::info("serving the web client from {}", config.web_root);
  }

  if (config.dev_login) {
    routes.dev_login = std::make_unique<DevLoginContext>(DevLoginContext{context, std::move(demo_workspace_id)});
    add_dev_routes(router, *routes.dev_login);
    spdlog::warn("dev login is on: anyone who reaches this server can get a token for any user "
                 "(POST /v1/dev/token); never enable it in production");
  }
  return routes;
}

}  // namespace tandem::http
