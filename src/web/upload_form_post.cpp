#include "web/upload_form_post.h"

#include <chrono>
#include <map>

#include "datasets/blob_store.h"
#include "datasets/file_names.h"
#include "datasets/file_types.h"
#include "datasets/upload_service.h"
#include "observe/log.h"
#include "observe/metrics.h"
#include "security/csrf.h"
#include "web/blocking_work.h"
#include "web/multipart_parser.h"

namespace iv::web {
namespace {

using datasets::BlobArea;

constexpr std::size_t kMaxFieldBytes = 4096;
constexpr auto kCsrfOk = security::CsrfProtector::Verdict::ok;

Response see_other(const std::string& location) {
  Response response;
  response.status = 303;
  response.headers = {
      {"Location", location}, {"Content-Type", "text/html; charset=utf-8"}, {"Cache-Control", "no-store"}};
  response.body =
      "<!doctype html><title>Uploaded</title><p><a href=\"" + location + "\">See your upload</a></p>";
  return response;
}

}  // namespace

struct UploadFormPost::Consumer final : BodyConsumer, MultipartHandler {
  // Shared with the completion task, which may outlive the consumer.
  struct State {
    UploadFormPost* owner = nullptr;
    Request request;  // head only: for the CSRF check and re-rendering the form
    std::map<std::string, std::string> fields;
    std::string id = datasets::new_upload_id();
    std::unique_ptr<datasets::BlobWriter> writer;
    std::string file_name;
    int file_parts = 0;
    std::string refusal;  // set early (wrong type): the bytes are read and dropped
    int refusal_status = 0;
    std::uint64_t file_bytes = 0;
    bool write_failed = false;
    bool too_large = false;
  };

  std::shared_ptr<State> state;
  std::unique_ptr<MultipartParser> parser;
  PartHeaders part;
  std::string* field = nullptr;  // the small field being read, if any

  bool on_part_begin(const PartHeaders& headers) override {
    State& s = *state;
    part = headers;
    field = nullptr;
    if (headers.has_filename) {
      if (++s.file_parts > 1) {
        s.refusal = "Send one file at a time.";
        s.refusal_status = 422;
        return true;
      }
      s.file_name = headers.filename;
      if (s.file_name.empty()) return true;  // no file chosen: reported at the end
      // Our form sends the token before the file: a forged post writes nothing to disk.
      if (s.fields.contains("csrf_token") &&
          s.owner->csrf_verdict(s.request, s.fields["csrf_token"]) != kCsrfOk) {
        return true;
      }
      if (auto format = datasets::format_from_name(datasets::sanitize_file_name(s.file_name)); !format) {
        s.refusal = format.error();
        s.refusal_status = 415;
        return true;
      }
      auto writer = s.owner->uploads_.blobs().append(BlobArea::uploads, s.id, 0);
      if (!writer) {
        s.write_failed = true;
        return true;
      }
      s.writer = std::move(*writer);
      return true;
    }
    if (headers.name == "csrf_token" || headers.name == "email" || headers.name == "consent") {
      field = &s.fields[headers.name];
    }
    return true;
  }

  bool on_part_data(std::string_view data) override {
    State& s = *state;
    if (!part.has_filename) {
      if (field) {
        if (field->size() + data.size() > kMaxFieldBytes) return false;
        field->append(data);
      }
      return true;
    }
    s.file_bytes += data.size();
    if (s.file_bytes > static_cast<std::uint64_t>(s.owner->uploads_.max_upload_bytes())) {
      s.too_large = true;
      return false;
    }
    s.owner->bytes_received_.inc(static_cast<double>(data.size()));
    if (s.writer && !s.write_failed && !s.writer->write(data)) s.write_failed = true;
    return true;
  }

  bool on_part_end() override {
    field = nullptr;
    return true;
  }

  bool consume(std::string_view chunk) override { return parser->feed(chunk); }

  Response finish(bool complete) override {
    auto pending = std::make_shared<PendingResponse>();
    const bool parsed = complete && parser->done();
    state->owner->work_.post([state = state, pending, parsed] { pending->fulfil(conclude(*state, parsed)); });
    Response response;
    response.pending = pending;
    return response;
  }

  // Off the I/O thread: checks, fsync, create + finalize.
  static Response conclude(State& s, bool parsed) {
    UploadFormPost& owner = *s.owner;
    const std::string email = s.fields.contains("email") ? s.fields["email"] : std::string();
    const auto refuse = [&](int status, const std::string& message) {
      s.writer.reset();
      (void)owner.uploads_.blobs().remove(BlobArea::uploads, s.id);
      return owner.render_form_(s.request, status, email, message);
    };
    try {
      if (s.too_large) {
        return refuse(413, "The file is too large: the limit is " +
                               std::to_string(owner.uploads_.max_upload_bytes() / (1024 * 1024)) + " MB.");
      }
      if (!parsed)
        return refuse(400, "The upload did not arrive completely. Please choose the file and send it again.");
      if (const auto verdict = owner.csrf_verdict(s.request, s.fields["csrf_token"]); verdict != kCsrfOk) {
        owner.logger_.info("upload form refused", {{"request_id", s.request.request_id},
                                                   {"reason", security::CsrfProtector::describe(verdict)}});
        return refuse(403,
                      "For your security the form has to be sent again from this page. Choose the file "
                      "once more and press the button.");
      }
      if (s.refusal_status != 0) return refuse(s.refusal_status, s.refusal);
      if (s.file_parts == 0 || s.file_name.empty()) return refuse(422, "Choose a file to upload.");
      if (s.fields["consent"].empty()) {
        return refuse(422, "Please agree that we may process the file to profile it.");
      }
      if (s.write_failed || !s.writer)
        return refuse(503, "The file could not be stored. Please try again later.");
      if (auto committed = s.writer->commit(); !committed) {
        owner.logger_.error("upload form commit failed", {{"error", committed.error().message}});
        return refuse(503, "The file could not be stored. Please try again later.");
      }
      s.writer.reset();
      auto created = owner.uploads_.create_received(
          datasets::CreateUpload{s.file_name, static_cast<std::int64_t>(s.file_bytes), email}, s.id);
      if (!created) {
        using Kind = datasets::CreateError::Kind;
        const auto& error = created.error();
        return refuse(error.kind == Kind::too_large     ? 413
                      : error.kind == Kind::unsupported ? 415
                                                        : 422,
                      error.message);
      }
      owner.logger_.info("upload received",
                         {{"upload_id", s.id}, {"channel", "form"}, {"bytes", s.file_bytes}});
      return see_other("/uploads/" + s.id);
    } catch (const std::exception& e) {
      owner.logger_.error("upload form failed", {{"error", e.what()}});
      return refuse(503, "The file could not be stored. Please try again later.");
    }
  }
};

security::CsrfProtector::Verdict UploadFormPost::csrf_verdict(const Request& request,
                                                              std::string_view token) const {
  const std::string cookie(request.header("cookie").value_or(""));
  return csrf_
      .verify(cookie, token, request.header("origin"), request.header("referer"),
              std::chrono::system_clock::now())
      .verdict;
}

UploadFormPost::UploadFormPost(datasets::UploadService& uploads, const security::CsrfProtector& csrf,
                               BlockingWork& work, UploadFormRenderer render_form,
                               security::RateLimiter& limiter, security::RateRule per_address,
                               observe::Logger& logger, observe::MetricsRegistry& metrics)
    : uploads_(uploads),
      csrf_(csrf),
      work_(work),
      render_form_(std::move(render_form)),
      limiter_(limiter),
      per_address_(std::move(per_address)),
      logger_(logger),
      bytes_received_(metrics.counter("iv_upload_bytes_received_total", "Upload bytes received, by protocol",
                                      {{"protocol", "multipart"}})) {}

void UploadFormPost::register_routes(Router& router) {
  router.add_stream(
      Method::post, "/upload", [this](const Request& r, const RouteParams&) { return open(r); },
      RouteOptions{.max_body_bytes = static_cast<std::size_t>(uploads_.max_upload_bytes()) + 64 * 1024});
}

StreamResult UploadFormPost::open(const Request& request) {
  const auto boundary = boundary_from_content_type(request.header("content-type").value_or(""));
  if (!boundary) return render_form_(request, 415, "", "Send the form as multipart/form-data.");
  if (!limiter_.take(per_address_, request.remote_address, std::chrono::steady_clock::now()).allowed) {
    return render_form_(request, 429, "", "Too many uploads from your address. Please try again in an hour.");
  }
  auto consumer = std::make_unique<Consumer>();
  consumer->state = std::make_shared<Consumer::State>();
  consumer->state->owner = this;
  consumer->state->request = request;
  consumer->parser = std::make_unique<MultipartParser>(*boundary, *consumer);
  return std::unique_ptr<BodyConsumer>(std::move(consumer));
}

}  // namespace iv::web
