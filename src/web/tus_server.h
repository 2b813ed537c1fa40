// The tus 1.0.0 resumable upload protocol (https://tus.io/protocols/resumable-upload)
// at /api/v1/uploads/tus, with the extensions creation,
// creation-with-upload, termination, expiration and checksum (sha256).
//
// An upload is first created with POST /api/v1/uploads (uploads_api.h),
// which returns a token; every tus request except OPTIONS carries it as
// "Authorization: Bearer <token>". The token names its upload, so the tus
// POST needs no id: it checks Upload-Length against the declared size and
// answers 201 with Location /api/v1/uploads/tus/{id}.
//
//   PATCH  Upload-Offset must equal the stored size (else 409); the body is
//          application/offset+octet-stream (else 415) and written to the blob
//          store as it arrives. With Upload-Checksum "sha256 <base64>", a
//          chunk whose digest differs (or that did not arrive whole) is
//          discarded and answered 460; without one, the bytes of a dropped
//          connection are kept, as tus requires. Bytes are fsync'ed before the
//          204 with the new Upload-Offset. A second PATCH while one runs on
//          the same upload gets 423. The last byte finalizes the upload (the
//          pipeline job is enqueued).
//   HEAD   Upload-Offset, Upload-Length, Upload-Expires; Cache-Control: no-store.
//   DELETE termination: removes the upload and its bytes (204).
//   OPTIONS Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm.
// Every answer carries Tus-Resumable: 1.0.0; a request with another
// Tus-Resumable gets 412.
//
// The lock against concurrent PATCHes lives in this process; with several
// servers behind a balancer the blob store's offset check still refuses the
// loser (409).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "web/http.h"
#include "web/router.h"

namespace iv::datasets {
class UploadService;
}
namespace iv::observe {
class Logger;
class MetricsRegistry;
class Counter;
}  // namespace iv::observe

namespace iv::web {

class BlockingWork;

struct TusSettings {
  std::string base_path = "/api/v1/uploads/tus";
};

class TusServer {
 public:
  // References must outlive this object and every body consumer it made.
  TusServer(TusSettings settings, datasets::UploadService& uploads, BlockingWork& work,
            observe::Logger& logger, observe::MetricsRegistry& metrics);
  ~TusServer();

  void register_routes(Router& router);

  // The route handlers (public for unit tests).
  Response options() const;
  StreamResult create(const Request& request);
  StreamResult patch(const Request& request, std::string_view id);
  Response head(const Request& request, std::string_view id);
  Response terminate(const Request& request, std::string_view id);

  struct Receiver;  // the body consumer of PATCH and POST-with-upload

 private:
  // 401/403/404 when the request may not touch upload `id`; nullopt when it may.
  std::optional<Response> refuse_access(const Request& request, std::string_view id) const;
  StreamResult receive(const Request& request, std::string_view id, std::uint64_t offset, int success_status);
  bool lock(const std::string& id);
  void unlock(const std::string& id);

  TusSettings settings_;
  datasets::UploadService& uploads_;
  BlockingWork& work_;
  observe::Logger& logger_;
  observe::Counter& bytes_received_;
  std::mutex locks_mutex_;
  std::set<std::string> locked_;  // uploads with a PATCH in progress
};

// Parses "sha256 <base64>" into the 32-byte digest; nullopt when malformed
// or another algorithm.
std::optional<std::string> parse_upload_checksum(std::string_view header);
// Parses tus Upload-Metadata ("key base64,key2 base64"); the value of `key`.
std::optional<std::string> upload_metadata_value(std::string_view header, std::string_view key);
// RFC 9110 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::int64_t epoch_ms);

}  // namespace iv::web
