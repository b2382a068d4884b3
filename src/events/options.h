// Settings of the notification pipeline. Every field has a default; the
// defaults send nothing to any external host (email and push are off until
// a server or URL is configured).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"

namespace tandem::events {

struct QueueOptions {
  std::string name;                   // e.g. "inbox"
  std::string sink;                   // "inbox", "email" or "push"
  std::vector<std::string> bindings;  // topic patterns, e.g. "doc.mention.*"
  int prefetch = 8;                   // deliveries in flight at once, 1 to 64
  int max_attempts = 5;               // attempts before a message is dead-lettered, 1 to 100
  std::chrono::milliseconds backoff_base{1000};  // delay after the first failure
  std::chrono::milliseconds backoff_max{300000};  // maximum delay between attempts
};

enum class SmtpTls { off, starttls, implicit };

struct SmtpOptions {
  std::string host;  // empty: the email sink is off
  int port = 25;
  std::string sender = "tandem@localhost";  // envelope and From address
  SmtpTls tls = SmtpTls::starttls;           // starttls requires the upgrade
  std::string user;                          // empty: no SMTP AUTH
  std::string password;
  std::chrono::milliseconds timeout{10000};  // whole conversation
};

struct WebhookOptions {
  std::string url;     // empty: the push sink is off
  std::string secret;  // HMAC-SHA256 key of X-Tandem-Signature; empty: header omitted
  std::chrono::milliseconds timeout{5000};  // whole request
};

struct Options {
  std::vector<QueueOptions> queues;
  SmtpOptions smtp;
  WebhookOptions webhook;
  std::string public_url;      // base of document links in emails, e.g. https://tandem.example.com
  bool email_default = true;   // email on for users who never changed their setting
  std::chrono::milliseconds poll_interval{1000};  // maximum wait before looking for work again
};

// The default queues inbox, email and push, each bound to doc.mention.* and
// doc.assign.*.
std::vector<QueueOptions> default_queues();

// invalid_request naming the queue and the value when an option is out of
// range, a pattern is invalid, a sink is unknown or a name repeats.
Status validate(const Options& options);

}  // namespace tandem::events
