// Builds the notification pipeline from the configuration: queues, sinks
// (inbox publishing on user:{id}, SMTP, webhook) and per-queue metrics.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "core/error.h"
#include "events/pipeline.h"
#include "http/metrics.h"
#include "realtime/engine.h"
#include "storage/store.h"

namespace tandem::http {

// The pipeline options of `config`; invalid_request for an invalid queue.
// `listen_url` is the link base when public_url is not set.
Result<events::Options> pipeline_options(const config::Config& config, const std::string& listen_url);

// A pipeline that is not started yet. Registers its queue sampler on
// `metrics`; `metrics`, `store` and `engine` must outlive it.
std::unique_ptr<events::Pipeline> make_pipeline(events::Options options, storage::Store& store,
                                                std::shared_ptr<realtime::Engine> engine, Metrics& metrics);

}  // namespace tandem::http
