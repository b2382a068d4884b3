// The push sink: an HTTP POST of the event payload to a webhook, signed
// with X-Tandem-Signature: sha256=<hex HMAC-SHA256 of the body>.
#pragma once

#include <string>

#include "events/options.h"
#include "events/sink.h"

namespace tandem::events {

class PushSink final : public Sink {
 public:
  // `webhook.url` must be set (the pipeline leaves the sink out otherwise).
  explicit PushSink(WebhookOptions webhook);

  // A 2xx reply is delivered; any other status, a timeout or a connection
  // failure is a failed attempt. Redirects are not followed.
  Outcome deliver(const storage::QueuedMessage& message, const EventPayload& payload) override;

 private:
  WebhookOptions webhook_;
};

// "sha256=" and the lowercase hex HMAC-SHA256 of `body` under `secret`.
std::string webhook_signature(const std::string& secret, const std::string& body);

}  // namespace tandem::events
