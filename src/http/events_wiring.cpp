#include "http/events_wiring.h"

#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "events/email_sink.h"
#include "events/inbox_sink.h"
#include "events/push_sink.h"

namespace tandem::http {

Result<events::Options> pipeline_options(const config::Config& config, const std::string& listen_url) {
  events::Options options;
  for (const config::QueueSpec& spec : config.notify_queues) {
    options.queues.push_back(events::QueueOptions{
        .name = spec.name,
        .sink = spec.sink,
        .bindings = spec.bindings,
        .prefetch = spec.prefetch > 0 ? spec.prefetch : config.notify_prefetch,
        .max_attempts = config.notify_max_attempts,
        .backoff_base = std::chrono::milliseconds(config.notify_backoff_base_ms),
        .backoff_max = std::chrono::milliseconds(config.notify_backoff_max_ms)});
  }
  options.smtp.host = config.smtp_host;
  options.smtp.port = config.smtp_port;
  options.smtp.sender = config.smtp_sender;
  options.smtp.tls = config.smtp_tls == "off"        ? events::SmtpTls::off
                     : config.smtp_tls == "implicit" ? events::SmtpTls::implicit
                                                     : events::SmtpTls::starttls;
  options.smtp.user = config.smtp_user;
  options.smtp.password = config.smtp_password;
  options.smtp.timeout = std::chrono::milliseconds(config.smtp_timeout_ms);
  options.webhook.url = config.webhook_url;
  options.webhook.secret = config.webhook_secret;
  options.webhook.timeout = std::chrono::milliseconds(config.webhook_timeout_ms);
  options.public_url = config.public_url.empty() ? listen_url : config.public_url;
  while (options.public_url.ends_with('/')) options.public_url.pop_back();
  options.email_default = config.notify_email_default;

  if (auto valid = events::validate(options); !valid) return std::unexpected(valid.error());
  return options;
}

std::unique_ptr<events::Pipeline> make_pipeline(events::Options options, storage::Store& store,
                                                std::shared_ptr<realtime::Engine> engine, Metrics& metrics) {
  events::Sinks sinks;
  sinks.inbox = std::make_shared<events::InboxSink>(
      store, [engine](const std::string& user_id, const std::string& data) {
        auto published = engine->publish("user:" + user_id, data);
        if (!published) {
          spdlog::warn("events: publishing on user:{} failed: {}", user_id, published.error().message);
        }
        return published.has_value();
      });
  if (!options.smtp.host.empty()) {
    sinks.email = std::make_shared<events::EmailSink>(store, options.smtp, options.public_url, options.email_default);
  }
  if (!options.webhook.url.empty()) sinks.push = std::make_shared<events::PushSink>(options.webhook);

  auto pipeline = std::make_unique<events::Pipeline>(
      store, std::move(options), std::move(sinks),
      [&metrics](const std::string& queue, double seconds) { metrics.record_delivery(queue, seconds); });

  events::Pipeline* sampled = pipeline.get();
  metrics.set_queue_source([sampled, &store] {
    std::vector<QueueSample> samples;
    const std::int64_t now = now_unix_ms();
    for (const events::QueueStatus& status : sampled->status()) {
      QueueSample sample{.name = status.name,
                         .in_flight = status.counters.in_flight,
                         .delivered = status.counters.delivered,
                         .skipped = status.counters.skipped,
                         .retried = status.counters.retried,
                         .dead_lettered = status.counters.dead_lettered};
      if (auto depth = store.queue_depth(status.name, now); depth) {
        sample.ready = depth->ready;
        sample.delayed = depth->delayed;
        sample.dead = depth->dead;
      }
      samples.push_back(std::move(sample));
    }
    return samples;
  });
  return pipeline;
}

}  // namespace tandem::http
