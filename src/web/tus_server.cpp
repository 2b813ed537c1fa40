#include "web/tus_server.h"

#include <charconv>
#include <ctime>
#include <utility>

#include <openssl/evp.h>

#include "datasets/blob_store.h"
#include "datasets/upload_service.h"
#include "observe/log.h"
#include "observe/metrics.h"
#include "web/blocking_work.h"

namespace iv::web {
namespace {

using datasets::BlobArea;
using datasets::UploadStatus;

constexpr std::string_view kVersion = "1.0.0";
constexpr std::string_view kOctetStream = "application/offset+octet-stream";

Response tus_response(int status, std::string_view text = {}) {
  Response response;
  response.status = status;
  response.headers = {{"Tus-Resumable", std::string(kVersion)}, {"Cache-Control", "no-store"}};
  if (!text.empty()) {
    response.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    response.body = std::string(text) + "\n";
  }
  return response;
}

std::optional<std::uint64_t> parse_size(std::optional<std::string_view> text) {
  if (!text || text->empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc{} || end != text->data() + text->size()) return std::nullopt;
  return value;
}

std::optional<std::string> base64_decode(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const std::size_t value = kAlphabet.find(c);
    if (value == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

std::string_view media_type(const Request& request) {
  std::string_view type = request.header("content-type").value_or("");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

}  // namespace

std::optional<std::string> parse_upload_checksum(std::string_view header) {
  const std::size_t space = header.find(' ');
  if (space == std::string_view::npos || header.substr(0, space) != "sha256") return std::nullopt;
  auto digest = base64_decode(header.substr(space + 1));
  if (!digest || digest->size() != 32) return std::nullopt;
  return digest;
}

std::optional<std::string> upload_metadata_value(std::string_view header, std::string_view key) {
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view pair = header.substr(0, comma);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const std::size_t space = pair.find(' ');
    if (pair.substr(0, space) == key) {
      if (space == std::string_view::npos) return std::string();
      return base64_decode(pair.substr(space + 1));
    }
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
  }
  return std::nullopt;
}

std::string http_date(std::int64_t epoch_ms) {
  const std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return text;
}

// State shared by the body consumer (I/O thread) and the commit task
// (BlockingWork), which may outlive the consumer.
struct TusServer::Receiver final : BodyConsumer {
  struct State {
    TusServer* server = nullptr;
    std::string id;
    std::uint64_t length = 0;  // Upload-Length
    std::uint64_t offset = 0;  // where this request started
    int success_status = 204;
    std::unique_ptr<datasets::BlobWriter> writer;
    std::optional<std::string> expected_digest;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> digest{nullptr, &EVP_MD_CTX_free};
    bool too_long = false;
    bool write_failed = false;
    bool locked = true;
    // The next PATCH may start as soon as this one is answered, whoever still holds the state.
    void release() {
      if (std::exchange(locked, false)) server->unlock(id);
    }
    ~State() { release(); }
  };
  std::shared_ptr<State> state;

  bool consume(std::string_view chunk) override {
    State& s = *state;
    if (s.offset + s.writer->written() + chunk.size() > s.length) {
      s.too_long = true;
      return false;
    }
    if (!s.writer->write(chunk)) {
      s.write_failed = true;
      return false;
    }
    if (s.digest) EVP_DigestUpdate(s.digest.get(), chunk.data(), chunk.size());
    s.server->bytes_received_.inc(static_cast<double>(chunk.size()));
    return true;
  }

  Response finish(bool complete) override {
    auto pending = std::make_shared<PendingResponse>();
    state->server->work_.post([state = state, pending, complete] {
      Response response = commit(*state, complete);
      state->writer.reset();
      state->release();
      pending->fulfil(std::move(response));
    });
    Response response;
    response.pending = pending;
    return response;
  }

  // Runs off the I/O thread: fsync, progress, finalize.
  static Response commit(State& s, bool complete) {
    try {
      if (s.write_failed) {
        s.writer->discard();
        return tus_response(500, "The bytes could not be stored. Please try again.");
      }
      if (s.too_long) {
        s.writer->discard();
        return tus_response(413, "The body goes beyond Upload-Length.");
      }
      if (s.expected_digest) {
        std::string actual(EVP_MAX_MD_SIZE, '\0');
        unsigned int size = 0;
        EVP_DigestFinal_ex(s.digest.get(), reinterpret_cast<unsigned char*>(actual.data()), &size);
        actual.resize(size);
        if (!complete || actual != *s.expected_digest) {
          s.writer->discard();
          return tus_response(460, "Checksum Mismatch: the chunk was discarded; send it again.");
        }
      }
      auto committed = s.writer->commit();
      if (!committed) {
        s.writer->discard();
        s.server->logger_.error("tus commit failed", {{"error", committed.error().message}});
        return tus_response(500, "The bytes could not be stored. Please try again.");
      }
      auto& uploads = s.server->uploads_;
      uploads.record_progress(s.id, static_cast<std::int64_t>(*committed));
      if (*committed == s.length) uploads.finalize(s.id);
      Response response = tus_response(s.success_status);
      response.headers.push_back({"Upload-Offset", std::to_string(*committed)});
      if (s.success_status == 201) {
        response.headers.push_back({"Location", s.server->settings_.base_path + "/" + s.id});
      }
      return response;
    } catch (const std::exception& e) {
      s.server->logger_.error("tus commit failed", {{"error", e.what()}});
      return tus_response(500, "The upload could not be recorded. Please try again.");
    }
  }
};

TusServer::TusServer(TusSettings settings, datasets::UploadService& uploads, BlockingWork& work,
                     observe::Logger& logger, observe::MetricsRegistry& metrics)
    : settings_(std::move(settings)),
      uploads_(uploads),
      work_(work),
      logger_(logger),
      bytes_received_(metrics.counter("iv_upload_bytes_received_total", "Upload bytes received, by protocol",
                                      {{"protocol", "tus"}})) {}

TusServer::~TusServer() = default;

void TusServer::register_routes(Router& router) {
  const std::string item = settings_.base_path + "/{id}";
  const RouteOptions small{.kind = RouteOptions::Kind::api};
  // A chunk may be as large as the whole file.
  const RouteOptions body{.max_body_bytes = static_cast<std::size_t>(uploads_.max_upload_bytes()),
                          .kind = RouteOptions::Kind::api};
  const auto options = [this](const Request&, const RouteParams&) { return this->options(); };
  router.add(Method::options, settings_.base_path, options, small);
  router.add(Method::options, item, options, small);
  router.add_stream(
      Method::post, settings_.base_path, [this](const Request& r, const RouteParams&) { return create(r); },
      body);
  router.add_stream(
      Method::patch, item, [this](const Request& r, const RouteParams& p) { return patch(r, p.get("id")); },
      body);
  router.add(
      Method::head, item, [this](const Request& r, const RouteParams& p) { return head(r, p.get("id")); },
      small);
  router.add(
      Method::del, item, [this](const Request& r, const RouteParams& p) { return terminate(r, p.get("id")); },
      small);
}

Response TusServer::options() const {
  Response response = tus_response(204);
  response.headers.push_back({"Tus-Version", std::string(kVersion)});
  response.headers.push_back(
      {"Tus-Extension", "creation,creation-with-upload,termination,expiration,checksum"});
  response.headers.push_back({"Tus-Max-Size", std::to_string(uploads_.max_upload_bytes())});
  response.headers.push_back({"Tus-Checksum-Algorithm", "sha256"});
  return response;
}

namespace {

std::optional<Response> refuse_version(const Request& request) {
  if (request.header("tus-resumable") == kVersion) return std::nullopt;
  Response response = tus_response(412, "Send Tus-Resumable: 1.0.0.");
  response.headers.push_back({"Tus-Version", std::string(kVersion)});
  return response;
}

std::string_view bearer_token(const Request& request) {
  std::string_view value = request.header("authorization").value_or("");
  if (value.size() < 7 || !iequals(value.substr(0, 7), "Bearer ")) return {};
  value.remove_prefix(7);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return value;
}

}  // namespace

std::optional<Response> TusServer::refuse_access(const Request& request, std::string_view id) const {
  const std::string_view token = bearer_token(request);
  if (token.empty()) {
    Response response = tus_response(401, "Send the upload token as Authorization: Bearer <token>.");
    response.headers.push_back({"WWW-Authenticate", "Bearer"});
    return response;
  }
  if (!datasets::is_valid_upload_id(id)) return tus_response(404, "No such upload.");
  switch (uploads_.tokens().verify(token, id, uploads_.now())) {
    case datasets::TokenCheck::ok:
      return std::nullopt;
    case datasets::TokenCheck::expired: {
      Response response = tus_response(401, "The upload token has expired. Start the upload again.");
      response.headers.push_back({"WWW-Authenticate", R"(Bearer error="invalid_token")"});
      return response;
    }
    default: {
      Response response = tus_response(401, "The upload token is not valid for this upload.");
      response.headers.push_back({"WWW-Authenticate", R"(Bearer error="invalid_token")"});
      return response;
    }
  }
}

StreamResult TusServer::create(const Request& request) {
  if (auto refused = refuse_version(request)) return *refused;
  const std::string id(datasets::UploadTokens::upload_id_of(bearer_token(request)));
  if (auto refused = refuse_access(request, id)) return *refused;
  if (request.header("upload-defer-length"))
    return tus_response(400, "Upload-Defer-Length is not supported.");
  const auto length = parse_size(request.header("upload-length"));
  if (!length) return tus_response(400, "Send Upload-Length, the size of the file in bytes.");
  if (*length > static_cast<std::uint64_t>(uploads_.max_upload_bytes())) {
    return tus_response(413, "The file is larger than Tus-Max-Size.");
  }
  const auto upload = uploads_.find(id);
  if (!upload) return tus_response(404, "No such upload.");
  if (*length != static_cast<std::uint64_t>(upload->declared_size)) {
    return tus_response(400, "Upload-Length must equal the size given when the upload was created.");
  }
  const auto content_length = parse_size(request.header("content-length")).value_or(0);
  if (content_length > 0 || media_type(request) == kOctetStream) {
    if (media_type(request) != kOctetStream) {
      return tus_response(415, "Send the bytes as application/offset+octet-stream.");
    }
    return receive(request, id, 0, 201);
  }
  // An empty file is complete at creation.
  if (*length == 0 && (upload->status == UploadStatus::pending)) {
    if (auto writer = uploads_.blobs().append(BlobArea::uploads, id, 0); writer) (void)(*writer)->commit();
    uploads_.finalize(id);
  }
  Response response = tus_response(201);
  response.headers.push_back({"Location", settings_.base_path + "/" + id});
  response.headers.push_back({"Upload-Expires", http_date(upload->expires_at_ms)});
  return response;
}

StreamResult TusServer::patch(const Request& request, std::string_view id) {
  if (auto refused = refuse_version(request)) return *refused;
  if (auto refused = refuse_access(request, id)) return *refused;
  if (media_type(request) != kOctetStream) {
    return tus_response(415, "Send the bytes as application/offset+octet-stream.");
  }
  const auto offset = parse_size(request.header("upload-offset"));
  if (!offset) return tus_response(400, "Send Upload-Offset.");
  return receive(request, id, *offset, 204);
}

StreamResult TusServer::receive(const Request& request, std::string_view id, std::uint64_t offset,
                                int success_status) {
  const auto upload = uploads_.find(id);
  if (!upload) return tus_response(404, "No such upload.");
  if (upload->status != UploadStatus::pending && upload->status != UploadStatus::receiving) {
    Response response = tus_response(409, "The upload is already complete.");
    response.headers.push_back({"Upload-Offset", std::to_string(upload->declared_size)});
    return response;
  }
  std::optional<std::string> digest;
  if (const auto header = request.header("upload-checksum")) {
    digest = parse_upload_checksum(*header);
    if (!digest) return tus_response(400, "Upload-Checksum must be \"sha256 <base64 digest>\".");
  }
  const std::uint64_t length = static_cast<std::uint64_t>(upload->declared_size);
  if (const auto content_length = parse_size(request.header("content-length"));
      content_length && offset + *content_length > length) {
    return tus_response(413, "The body goes beyond Upload-Length.");
  }
  const std::string key(id);
  if (!lock(key))
    return tus_response(423, "Another request is sending bytes for this upload; try again soon.");
  auto state = std::make_shared<Receiver::State>();
  state->server = this;  // from here on, the state's destructor unlocks
  state->id = key;
  const std::uint64_t stored = uploads_.blobs().partial_size(BlobArea::uploads, key);
  if (stored != offset) {
    Response response = tus_response(409, "Upload-Offset does not match the bytes stored.");
    response.headers.push_back({"Upload-Offset", std::to_string(stored)});
    return response;
  }
  auto writer = uploads_.blobs().append(BlobArea::uploads, key, offset);
  if (!writer) {
    logger_.error("tus append failed", {{"error", writer.error().message}});
    return tus_response(409, "Upload-Offset does not match the bytes stored.");
  }
  state->length = length;
  state->offset = offset;
  state->success_status = success_status;
  state->writer = std::move(*writer);
  if (digest) {
    state->expected_digest = std::move(digest);
    state->digest.reset(EVP_MD_CTX_new());
    EVP_DigestInit_ex(state->digest.get(), EVP_sha256(), nullptr);
  }
  auto receiver = std::make_unique<Receiver>();
  receiver->state = std::move(state);
  return std::unique_ptr<BodyConsumer>(std::move(receiver));
}

Response TusServer::head(const Request& request, std::string_view id) {
  if (auto refused = refuse_version(request)) return *refused;
  if (auto refused = refuse_access(request, id)) return *refused;
  const auto upload = uploads_.find(id);
  if (!upload) return tus_response(404);
  const bool receiving = upload->status == UploadStatus::pending || upload->status == UploadStatus::receiving;
  const std::uint64_t offset = receiving ? uploads_.blobs().partial_size(BlobArea::uploads, id)
                                         : static_cast<std::uint64_t>(upload->declared_size);
  Response response = tus_response(200);
  response.headers.push_back({"Upload-Offset", std::to_string(offset)});
  response.headers.push_back({"Upload-Length", std::to_string(upload->declared_size)});
  if (receiving) response.headers.push_back({"Upload-Expires", http_date(upload->expires_at_ms)});
  return response;
}

Response TusServer::terminate(const Request& request, std::string_view id) {
  if (auto refused = refuse_version(request)) return *refused;
  if (auto refused = refuse_access(request, id)) return *refused;
  if (!lock(std::string(id)))
    return tus_response(423, "Bytes are being sent for this upload; try again soon.");
  bool removed = false;
  try {
    removed = uploads_.remove(id);
  } catch (...) {
    unlock(std::string(id));
    throw;
  }
  unlock(std::string(id));
  return tus_response(removed ? 204 : 404);
}

bool TusServer::lock(const std::string& id) {
  std::lock_guard guard(locks_mutex_);
  return locked_.insert(id).second;
}

void TusServer::unlock(const std::string& id) {
  std::lock_guard guard(locks_mutex_);
  locked_.erase(id);
}

}  // namespace iv::web
