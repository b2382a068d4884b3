#include "events/curl.h"

#include <mutex>

#include <fmt/format.h>

namespace tandem::events {

void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void append(CurlList& list, const std::string& text) {
  curl_slist* extended = curl_slist_append(list.get(), text.c_str());
  if (extended != nullptr) {
    (void)list.release();
    list.reset(extended);
  }
}

std::string describe(CURLcode code, const char* detail) {
  if (detail != nullptr && detail[0] != '\0') return fmt::format("{} ({})", curl_easy_strerror(code), detail);
  return curl_easy_strerror(code);
}

}  // namespace tandem::events
