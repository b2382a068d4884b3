#include "events/email_sink.h"

#include <cstring>
#include <ctime>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "events/curl.h"

namespace tandem::events {
namespace {

// Header-safe text: line breaks and other control characters become spaces.
std::string header_text(std::string_view text) {
  std::string clean(text);
  for (char& c : clean) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return clean;
}

std::string base64(std::string_view bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    auto n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
             static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  if (i < bytes.size()) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// An RFC 2047 encoded word when the text is not plain ASCII.
std::string encode_header(std::string_view text) {
  bool ascii = true;
  for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return std::string(text);
  return fmt::format("=?UTF-8?B?{}?=", base64(text));
}

std::string rfc2822_date(std::int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &utc);
  return buffer;
}

// Body lines end in CRLF as SMTP requires.
std::string crlf_lines(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\r') continue;
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  std::size_t left = upload->data->size() - upload->offset;
  std::size_t chunk = std::min(left, size * count);
  std::memcpy(buffer, upload->data->data() + upload->offset, chunk);
  upload->offset += chunk;
  return chunk;
}

std::string smtp_url(const SmtpOptions& smtp) {
  const char* scheme = smtp.tls == SmtpTls::implicit ? "smtps" : "smtp";
  bool ipv6 = smtp.host.find(':') != std::string::npos;
  return ipv6 ? fmt::format("{}://[{}]:{}", scheme, smtp.host, smtp.port)
              : fmt::format("{}://{}:{}", scheme, smtp.host, smtp.port);
}

}  // namespace

std::string compose_email(const EventPayload& payload, const std::string& sender, const std::string& recipient,
                          const std::string& public_url, const std::string& event_id, std::int64_t now_ms) {
  const std::string title = payload.doc_title.empty() ? "Untitled" : payload.doc_title;
  const bool mention = payload.type == "mention";
  const std::string subject = mention ? fmt::format("{} mentioned you in \"{}\"", payload.actor_id, title)
                                      : fmt::format("{} assigned you a task in \"{}\"", payload.actor_id, title);
  std::string body = mention ? fmt::format("{} mentioned you in \"{}\":\n\n", payload.actor_id, title)
                             : fmt::format("{} assigned you a task in \"{}\":\n\n", payload.actor_id, title);
  if (!payload.excerpt.empty()) body += fmt::format("    {}\n\n", header_text(payload.excerpt));
  body += fmt::format("Open the document: {}/documents/{}\n", public_url, payload.doc_id);

  std::string message;
  message += fmt::format("Date: {}\r\n", rfc2822_date(now_ms));
  message += fmt::format("From: Tandem <{}>\r\n", header_text(sender));
  message += fmt::format("To: <{}>\r\n", header_text(recipient));
  message += fmt::format("Subject: {}\r\n", encode_header(header_text(subject)));
  message += fmt::format("Message-ID: <{}@tandem>\r\n", event_id);
  message += fmt::format("X-Tandem-Event-Id: {}\r\n", event_id);
  message += "MIME-Version: 1.0\r\n";
  message += "Content-Type: text/plain; charset=utf-8\r\n";
  message += "Content-Transfer-Encoding: 8bit\r\n\r\n";
  message += crlf_lines(body);
  return message;
}

EmailSink::EmailSink(storage::Store& store, SmtpOptions smtp, std::string public_url, bool email_default)
    : store_(store), smtp_(std::move(smtp)), public_url_(std::move(public_url)), email_default_(email_default) {
  init_curl();
}

Outcome EmailSink::deliver(const storage::QueuedMessage& message, const EventPayload& payload) {
  const storage::OutboxEvent& event = message.event;
  auto settings = store_.notification_settings(payload.user_id);
  if (!settings) return Outcome::fail(fmt::format("reading settings failed: {}", settings.error().message));
  if (!settings->value_or(storage::NotificationSettings{email_default_}).email) {
    return Outcome::skip("the user turned email notifications off");
  }
  // NOTE: addresses are stored from tokens seen on the REST API; a user who
  // has only connected over WebSocket has none yet and is skipped.
  auto user = store_.find_user(payload.user_id);
  if (!user) return Outcome::fail(fmt::format("reading the user failed: {}", user.error().message));
  if (!*user || (*user)->email.empty()) return Outcome::skip("no email address is known for the user");
  const std::string& recipient = (*user)->email;
  if (recipient.find_first_of("\r\n<>") != std::string::npos) {
    return Outcome::reject("the user's email address contains characters not allowed in an address");
  }

  return send(recipient, compose_email(payload, smtp_.sender, recipient, public_url_, event.id, now_unix_ms()),
              event.id);
}

Outcome EmailSink::send(const std::string& recipient, const std::string& message, const std::string& event_id) {
  CurlHandle curl(curl_easy_init());
  if (!curl) return Outcome::fail("libcurl could not create a handle");
  char detail[CURL_ERROR_SIZE] = {0};
  const std::string url = smtp_url(smtp_);
  const std::string from = fmt::format("<{}>", smtp_.sender);
  CurlList recipients;
  append(recipients, fmt::format("<{}>", recipient));
  Upload upload{&message};

  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(handle, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(handle, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(handle, CURLOPT_READFUNCTION, &read_upload);
  curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
  curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(smtp_.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, detail);
  if (smtp_.tls == SmtpTls::starttls) curl_easy_setopt(handle, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!smtp_.user.empty()) {
    curl_easy_setopt(handle, CURLOPT_USERNAME, smtp_.user.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, smtp_.password.c_str());
  }

  CURLcode code = curl_easy_perform(handle);
  if (code != CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    return Outcome::fail(status != 0 ? fmt::format("SMTP to {} failed with reply {}: {}", url, status,
                                                   describe(code, detail))
                                     : fmt::format("SMTP to {} failed: {}", url, describe(code, detail)));
  }
  spdlog::debug("events: emailed notification {}", event_id);
  return Outcome::ok();
}

}  // namespace tandem::events
