// Internal to src/integrations: the libcurl glue shared by CurlHttpClient and
// SmtpMailer. Include it only from their .cpp files; it pulls in <curl/curl.h>,
// which must stay out of the public headers.
//
// Owning handles free what libcurl allocated when they go out of scope, so
// every early return from a transfer releases the easy handle and its lists.
#pragma once

#include <memory>
#include <string>

#include <curl/curl.h>

namespace iv::integrations::curl_handles {

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
// One transfer's easy handle, from curl_easy_init (null when that failed).
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
// A string list (request headers, SMTP recipients); empty is null.
using SlistHandle = std::unique_ptr<curl_slist, SlistDeleter>;

// Appends a copy of `item` to `list`. Returns false, leaving `list` as it was,
// when libcurl is out of memory. curl_slist_append returns the (possibly new)
// head, so ownership moves to it only on success.
inline bool append(SlistHandle& list, const std::string& item) {
  curl_slist* head = curl_slist_append(list.get(), item.c_str());
  if (head == nullptr) return false;
  (void)list.release();
  list.reset(head);
  return true;
}

}  // namespace iv::integrations::curl_handles
