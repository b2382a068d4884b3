// Small helpers over libcurl for the email and push sinks.
#pragma once

#include <memory>
#include <string>

#include <curl/curl.h>

namespace tandem::events {

// Initializes libcurl once per process (curl_global_init is not
// thread-safe, so call this before starting any sink thread).
void init_curl();

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlList = std::unique_ptr<curl_slist, SlistDeleter>;

// Appends to a list; the list takes a copy of `text`.
void append(CurlList& list, const std::string& text);

// A description of a failed transfer: curl's message and the detail buffer.
std::string describe(CURLcode code, const char* detail);

}  // namespace tandem::events
