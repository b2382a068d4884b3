#include "events/push_sink.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "events/curl.h"

namespace tandem::events {
namespace {

std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

}  // namespace

std::string webhook_signature(const std::string& secret, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  std::string hex = "sha256=";
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

PushSink::PushSink(WebhookOptions webhook) : webhook_(std::move(webhook)) {
  init_curl();
}

Outcome PushSink::deliver(const storage::QueuedMessage& message, const EventPayload&) {
  const storage::OutboxEvent& event = message.event;
  CurlHandle curl(curl_easy_init());
  if (!curl) return Outcome::fail("libcurl could not create a handle");
  char detail[CURL_ERROR_SIZE] = {0};
  const std::string& body = event.payload_json;

  CurlList headers;
  append(headers, "Content-Type: application/json");
  append(headers, "X-Tandem-Event-Id: " + event.id);
  append(headers, "X-Tandem-Topic: " + event.topic);
  if (!webhook_.secret.empty()) append(headers, "X-Tandem-Signature: " + webhook_signature(webhook_.secret, body));

  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, webhook_.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_POST, 1L);
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &discard_body);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(webhook_.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, detail);

  CURLcode code = curl_easy_perform(handle);
  if (code != CURLE_OK) return Outcome::fail(fmt::format("webhook request failed: {}", describe(code, detail)));
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) return Outcome::fail(fmt::format("webhook replied with HTTP {}", status));
  return Outcome::ok();
}

}  // namespace tandem::events
