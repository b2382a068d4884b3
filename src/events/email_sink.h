// The email sink: a plain-text message per event over SMTP (libcurl) to the
// address the user's token carried, unless the user opted out.
#pragma once

#include <string>

#include "events/options.h"
#include "events/sink.h"
#include "storage/store.h"

namespace tandem::events {

class EmailSink final : public Sink {
 public:
  // `smtp.host` must be set (the pipeline leaves the sink out otherwise).
  EmailSink(storage::Store& store, SmtpOptions smtp, std::string public_url, bool email_default);

  // Skips users without an address and users who opted out. Any SMTP
  // failure (connection, TLS, rejection) counts as a failed attempt.
  Outcome deliver(const storage::QueuedMessage& message, const EventPayload& payload) override;

 private:
  Outcome send(const std::string& recipient, const std::string& message, const std::string& event_id);

  storage::Store& store_;
  SmtpOptions smtp_;
  std::string public_url_;
  bool email_default_;
};

// The full message (headers and body, CRLF line ends) for one event.
// Header values are stripped of line breaks, and non-ASCII subjects are
// encoded as RFC 2047 words.
std::string compose_email(const EventPayload& payload, const std::string& sender, const std::string& recipient,
                          const std::string& public_url, const std::string& event_id, std::int64_t now_ms);

}  // namespace tandem::events
