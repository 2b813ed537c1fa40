#include "web/api/uploads_api.h"

#include <chrono>
#include <cstdio>

#include <boost/json.hpp>

#include "datasets/upload_service.h"
#include "observe/log.h"
#include "web/api/problem.h"
#include "web/api/rfc3339.h"

namespace iv::web {
namespace {

namespace json = boost::json;

Response json_response(int status, const json::value& body) {
  Response response;
  response.status = status;
  response.headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}};
  response.body = json::serialize(body);
  return response;
}

// RFC 3339 from the repository's epoch milliseconds.
std::string iso_utc(std::int64_t epoch_ms) {
  return rfc3339_utc(std::chrono::system_clock::time_point(std::chrono::milliseconds(epoch_ms)));
}

bool is_json(const Request& request) {
  std::string_view type = request.header("content-type").value_or("");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return iequals(type, "application/json");
}

}  // namespace

UploadsApi::UploadsApi(UploadsApiSettings settings, datasets::UploadService& uploads,
                       security::RateLimiter& limiter, observe::Logger& logger)
    : settings_(std::move(settings)), uploads_(uploads), limiter_(limiter), logger_(logger) {}

void UploadsApi::register_routes(Router& router) {
  const RouteOptions api{.kind = RouteOptions::Kind::api};
  const std::string item = settings_.api_base + "/{id}";
  router.add(
      Method::post, settings_.api_base, [this](const Request& r, const RouteParams&) { return create(r); },
      RouteOptions{.max_body_bytes = 16 * 1024, .kind = RouteOptions::Kind::api});
  router.add(
      Method::get, item, [this](const Request& r, const RouteParams& p) { return status(r, p.get("id")); },
      api);
  router.add(
      Method::get, item + "/analysis",
      [this](const Request& r, const RouteParams& p) { return analysis(r, p.get("id")); }, api);
  router.add(
      Method::del, item, [this](const Request& r, const RouteParams& p) { return remove(r, p.get("id")); },
      api);
}

Response UploadsApi::create(const Request& request) {
  if (!is_json(request)) {
    return problem_response(415, "Send the request as application/json.", "unsupported-media-type", {},
                            request.path);
  }
  boost::system::error_code error;
  const json::value body = json::parse(request.body, error);
  if (error || !body.is_object()) {
    return problem_response(400, "The body is not a JSON object.", "malformed-json", {}, request.path);
  }
  const json::object& object = body.get_object();
  datasets::CreateUpload input;
  std::vector<FieldError> errors;
  for (const auto& member : object) {
    const std::string_view name = member.key();
    const json::value& value = member.value();
    if (name == "filename") {
      if (value.is_string()) {
        input.file_name = value.get_string();
      } else {
        errors.push_back({"filename", "Must be a string: the name of the file."});
      }
    } else if (name == "size") {
      if (value.is_int64()) {
        input.size = value.get_int64();
      } else if (value.is_uint64()) {
        input.size = std::numeric_limits<std::int64_t>::max();
      } else {
        errors.push_back({"size", "Must be an integer: the size of the file in bytes."});
      }
    } else if (name == "email") {
      if (value.is_string()) {
        input.email = value.get_string();
      } else if (!value.is_null()) {
        errors.push_back({"email", "Must be a string (an e-mail address) or null."});
      }
    } else {
      errors.push_back({std::string(name), "Unknown field. Send filename, size and optionally email."});
    }
  }
  if (!object.contains("filename") && errors.empty()) errors.push_back({"filename", "Required."});
  if (!object.contains("size") && errors.empty()) errors.push_back({"size", "Required."});
  if (!errors.empty()) {
    return problem_response(422, "Some fields are missing or invalid.", "invalid-fields", std::move(errors),
                            request.path);
  }

  const auto decision =
      limiter_.take(settings_.per_address, request.remote_address, std::chrono::steady_clock::now());
  if (!decision.allowed) {
    Response response = problem_response(429, "Too many uploads from this address; try again later.",
                                         "rate-limited", {}, request.path);
    response.set_header("Retry-After", std::to_string(decision.retry_after.count()));
    return response;
  }

  auto created = uploads_.create(input);
  if (!created) {
    const auto& failure = created.error();
    using Kind = datasets::CreateError::Kind;
    const int status = failure.kind == Kind::too_large ? 413 : failure.kind == Kind::unsupported ? 415 : 422;
    const std::string_view slug = failure.kind == Kind::too_large     ? "upload-too-large"
                                  : failure.kind == Kind::unsupported ? "unsupported-file-type"
                                                                      : "invalid-fields";
    return problem_response(status, failure.message, slug, {{failure.field, failure.message}}, request.path);
  }
  const auto& upload = created->upload;
  const std::string status_url = settings_.api_base + "/" + upload.id;
  json::object answer{{"id", upload.id},
                      {"token", created->token},
                      {"tus_url", settings_.tus_path},
                      {"upload_url", settings_.tus_path + "/" + upload.id},
                      {"status_url", status_url},
                      {"results_url", "/uploads/" + upload.id},
                      {"expires_at", iso_utc(upload.expires_at_ms)},
                      {"max_size", uploads_.max_upload_bytes()}};
  Response response = json_response(201, answer);
  response.headers.push_back({"Location", status_url});
  logger_.info("upload created",
               {{"upload_id", upload.id}, {"format", upload.format}, {"size", upload.declared_size}});
  return response;
}

Response UploadsApi::status(const Request& request, std::string_view id) {
  const auto upload = uploads_.find(id);
  if (!upload)
    return problem_response(404, "There is no upload with this id.", "not-found", {}, request.path);
  json::array steps;
  for (const auto& step : upload->steps) {
    json::object item{
        {"name", step.name}, {"status", datasets::step_status_name(step.status)}, {"detail", step.detail}};
    if (step.started_at_ms) item["started_at"] = iso_utc(step.started_at_ms);
    if (step.finished_at_ms) item["finished_at"] = iso_utc(step.finished_at_ms);
    if (step.started_at_ms && step.finished_at_ms)
      item["duration_ms"] = step.finished_at_ms - step.started_at_ms;
    steps.push_back(std::move(item));
  }
  json::object answer{{"id", upload->id},
                      {"status", datasets::status_name(upload->status)},
                      {"file_name", upload->file_name},
                      {"format", upload->format},
                      {"size", upload->declared_size},
                      {"received_bytes", upload->received_bytes},
                      {"progress", upload->progress_percent()},
                      {"steps", std::move(steps)},
                      {"created_at", iso_utc(upload->created_at_ms)},
                      {"updated_at", iso_utc(upload->updated_at_ms)},
                      {"results_url", "/uploads/" + upload->id}};
  if (!upload->reason.empty()) answer["reason"] = upload->reason;
  if (!datasets::is_final(upload->status) && upload->expires_at_ms) {
    answer["expires_at"] = iso_utc(upload->expires_at_ms);
  }
  if (upload->status == datasets::UploadStatus::completed) {
    answer["analysis_url"] = settings_.api_base + "/" + upload->id + "/analysis";
  }
  return json_response(200, answer);
}

Response UploadsApi::analysis(const Request& request, std::string_view id) {
  const auto upload = uploads_.find(id);
  if (!upload)
    return problem_response(404, "There is no upload with this id.", "not-found", {}, request.path);
  if (upload->status != datasets::UploadStatus::completed) {
    return problem_response(404,
                            "The analysis is not available: the upload is " +
                                std::string(datasets::status_name(upload->status)) + ".",
                            "analysis-not-ready", {}, request.path);
  }
  auto document = uploads_.analysis_json(id);
  if (!document) {
    return problem_response(404, "The analysis has been deleted.", "not-found", {}, request.path);
  }
  Response response;
  response.headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}};
  response.body = std::move(*document);
  return response;
}

Response UploadsApi::remove(const Request& request, std::string_view id) {
  if (!uploads_.remove(id)) {
    return problem_response(404, "There is no upload with this id.", "not-found", {}, request.path);
  }
  logger_.info("upload deleted", {{"upload_id", std::string(id)}});
  Response response;
  response.status = 204;
  response.headers = {{"Cache-Control", "no-store"}};
  return response;
}

}  // namespace iv::web
