#include "http/app.h"

#include <filesystem>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/secret.h"
#include "documents/demo.h"
#include "documents/live.h"
#include "documents/service.h"
#include "http/events_wiring.h"
#include "http/metrics.h"
#include "http/live_wiring.h"
#include "http/notification_routes.h"
#include "http/rest_routes.h"
#include "http/router.h"
#include "http/server.h"
#include "http/server_api.h"
#include "http/web_wiring.h"
#include "http/websocket_session.h"
#include "realtime/engine.h"
#include "realtime/options.h"
#include "storage/store.h"

namespace tandem::http {
namespace {

Result<std::string> resolve_secret(const config::Config& config) {
  if (!config.secret.empty()) return config.secret;
  bool created = false;
  auto secret = config::load_or_create_secret(config.data_dir, true, created);
  if (secret && created) {
    spdlog::info("generated a new JWT secret in {}/jwt-secret (mode 0600)", config.data_dir);
  }
  return secret;
}

int thread_count(const config::Config& config) {
  if (config.threads > 0) return config.threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

void print_demo_hint(const std::string& workspace_id, const config::Config& config) {
  spdlog::info("demo workspace {} is ready; users: alice (owner), bob (editor), carol (viewer)", workspace_id);
  spdlog::info("get a token with: tandem token --data-dir {} --user alice --name \"Alice Example\"",
               config.data_dir);
}

// Builds the real-time engine from the [realtime] section and the shared
// secrets, with workspace membership read from the store.
Result<std::shared_ptr<realtime::Engine>> make_engine(const config::Config& config, const std::string& secret,
                                                      storage::Store& store) {
  auto options = realtime::parse_options(config.realtime, realtime::default_options());
  if (!options) return std::unexpected(options.error());
  options->api_key = config.api_key;
  options->jwt_secret = secret;
  options->clock_skew_s = config.clock_skew_s;
  options->server_version = TANDEM_VERSION_STRING;
  auto authorizer = std::make_shared<realtime::RuleAuthorizer>(
      [&store](const std::string& user, const std::string& workspace) -> std::optional<std::string> {
        auto role = store.member_role(workspace, user);
        if (!role) {
          spdlog::warn("realtime: membership lookup of user {} in workspace {} failed: {}", user, workspace,
                       role.error().message);
          return std::nullopt;
        }
        if (!*role) return std::nullopt;
        return std::string(role_name(**role));
      });
  return std::make_shared<realtime::Engine>(std::move(*options), std::move(authorizer));
}

// Routes /connection/websocket and POST /api/<method> to the engine.
void add_realtime_routes(Server& server, Router& router, std::shared_ptr<realtime::Engine> engine) {
  server.set_websocket_handler("/connection/websocket",
                               [engine](boost::beast::tcp_stream stream, UpgradeRequest request) {
                                 run_websocket_session(std::move(stream), std::move(request), engine);
                               });
  auto api_handler = [engine](Request& request) {
    auto api_key_query = request.query_value("api_key");
    ServerApiRequest api{.method = request.params["method"],
                         .body = request.body,
                         .x_api_key = request.api_key,
                         .authorization = request.authorization,
                         .api_key_query = api_key_query.value_or(std::string_view()),
                         .error_mode_header = request.error_mode};
    realtime::ApiResponse result = handle_server_api(*engine, api);
    Response response;
    response.status = result.status;
    response.body = std::move(result.body);
    response.content_type = std::move(result.content_type);
    return response;
  };
  router.add("POST", "/api/{method}", api_handler);
  router.add("POST", "/api", api_handler);  // Centrifugo's legacy single endpoint
}

}  // namespace

int run_server(config::Config config) {
  spdlog::info("tandem {} starting; {}", TANDEM_VERSION_STRING, config::summary(config));

  std::error_code fs_error;
  std::filesystem::create_directories(config.data_dir, fs_error);
  if (fs_error) {
    spdlog::error("cannot create data directory {}: {}", config.data_dir, fs_error.message());
    return 1;
  }
  auto secret = resolve_secret(config);
  if (!secret) {
    spdlog::error("{}", secret.error().message);
    return 1;
  }

  Metrics metrics;
  std::string db_path = (std::filesystem::path(config.data_dir) / "tandem.db").string();
  auto store = storage::open_sqlite_store(
      {.path = db_path,
       .read_connections = config.read_connections,
       .on_commit = [&metrics](std::chrono::nanoseconds elapsed, std::size_t) {
         metrics.record_db_commit(std::chrono::duration<double>(elapsed).count());
       }});
  if (!store) {
    spdlog::error("cannot open storage: {}", store.error().message);
    return 1;
  }

  // The engine is created below; metadata events reach it through this slot.
  std::shared_ptr<realtime::Engine> meta_engine;
  documents::Service service(**store, {.max_content_bytes = config.max_content_bytes,
                                       .on_meta = [&meta_engine](const documents::MetaEvent& event) {
                                         if (meta_engine) publish_meta(*meta_engine, event);
                                       }});
  std::string demo_workspace_id;
  if (config.demo) {
    auto demo = documents::seed_demo(service);
    if (!demo) {
      spdlog::error("cannot create demo data: {}", demo.error().message);
      return 1;
    }
    print_demo_hint(*demo, config);
    demo_workspace_id = *demo;
  }

  // The engine outlives the io_context (declared before it), because sessions
  // still queued in the io_context at exit hold a reference to it.
  auto engine = make_engine(config, *secret, **store);
  if (!engine) {
    spdlog::error("invalid configuration: {}", engine.error().message);
    return 1;
  }
  auto epoch = (*store)->database_id();
  if (!epoch) {
    spdlog::error("cannot read the database id: {}", epoch.error().message);
    return 1;
  }

  auto notify_options =
      pipeline_options(config, fmt::format("http://{}:{}", config.listen_host, config.listen_port));
  if (!notify_options) {
    spdlog::error("invalid configuration: {}", notify_options.error().message);
    return 1;
  }
  auto pipeline = make_pipeline(std::move(*notify_options), **store, *engine, metrics);

  int threads = thread_count(config);
  boost::asio::io_context io(threads);

  // Committed ops are published on the storage writer thread, in version
  // order per document; offset = version, so the op log is the history.
  std::shared_ptr<realtime::Engine> shared_engine = *engine;
  meta_engine = shared_engine;
  documents::LiveDocuments live(
      **store, io, {.snapshot_interval = config.snapshot_interval,
       .max_content_bytes = config.max_content_bytes,
       .retained_ops = config.op_retention},
      [shared_engine, notifications = pipeline.get()](const documents::CommittedOp& committed) {
        if (committed.event_count > 0) notifications->wake();
        auto published = shared_engine->publish(document_channel(committed.workspace_id, committed.op.document_id),
                                                op_publication(committed.op),
                                                {.offset = static_cast<std::uint64_t>(committed.op.version)});
        if (!published) {
          spdlog::error("document {}: publishing version {} failed: {}", committed.op.document_id,
                        committed.op.version, published.error().message);
        }
      });
  service.attach_live(&live);
  shared_engine->set_history_source("doc", std::make_shared<OpLogHistory>(**store, live, *epoch));
  add_document_rpc(*shared_engine, service);
  shared_engine->set_presence_listener(
      [engine = shared_engine.get()](std::string_view channel, const realtime::ClientInfo& info, bool joined) {
        publish_presence_change(*engine, channel, info, joined);
      });

  Router router;
  RestContext context{service, **store, metrics, *secret, config.clock_skew_s};
  add_rest_routes(router, context);
  add_presence_route(router, context, shared_engine);
  add_notification_routes(router, context, pipeline.get(), config.notify_email_default);
  auto web_client = add_web_client_routes(router, config, context, demo_workspace_id);
  if (!web_client) {
    spdlog::error("{}", web_client.error().message);
    return 1;
  }
  pipeline->start();

  Server server(io, {.host = config.listen_host,
                     .port = config.listen_port,
                     .max_body_bytes = config.max_body_bytes,
                     .worker_threads = static_cast<std::size_t>(std::max(4, threads * 2)),
                     .shutdown_timeout = std::chrono::seconds(config.shutdown_timeout_s)},
                router, metrics);
  add_realtime_routes(server, router, *engine);
  auto endpoint = server.listen();
  if (!endpoint) {
    spdlog::error("{}", endpoint.error().message);
    return 1;
  }
  spdlog::info("listening on http://{}:{} with {} I/O thread(s)", endpoint->address().to_string(),
               endpoint->port(), threads);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("received signal {}; shutting down", signal);
    (*engine)->shutdown();
    server.shutdown([&io] { io.stop(); });
  });

  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& thread : pool) thread.join();

  pipeline->stop();
  live.flush_snapshots();
  store->reset();
  spdlog::info("tandem stopped");
  return 0;
}

}  // namespace tandem::http
