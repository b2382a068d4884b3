// Wires the web client into the router: the built files at / (when
// `web_root` is set) and the development sign-in (when `dev_login` is on).
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "core/error.h"
#include "http/dev_routes.h"
#include "http/rest_routes.h"
#include "http/router.h"
#include "http/static_files.h"

namespace tandem::http {

// Owns what the registered routes refer to; keep it alive as long as the router.
struct WebClientRoutes {
  std::unique_ptr<StaticFiles> files;
  std::unique_ptr<DevLoginContext> dev_login;
};

// Registers the routes the configuration enables. Fails (invalid_request)
// when `web_root` is set but holds no index.html, so a wrong path stops the
// server at start instead of serving 404s.
Result<WebClientRoutes> add_web_client_routes(Router& router, const config::Config& config, RestContext& context,
                                              std::string demo_workspace_id);

}  // namespace tandem::http
