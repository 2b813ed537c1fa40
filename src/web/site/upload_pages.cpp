#include "web/site/upload_pages.h"

#include <chrono>
#include <stdexcept>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "analysis/analysis.h"
#include "security/csrf.h"
#include "web/site/analysis_report.h"
#include "web/site/site_common.h"
#include "web/site/site_pages.h"
#include "web/site/svg_charts.h"

// Why the status page has no plain <meta http-equiv="refresh">: a refresh
// that a script cannot cancel would reload the page under upload.js's own
// poll, and an automatic reload fails axe's meta-refresh rule (WCAG 2.2.1).
// So the refresh sits inside <noscript> in the head: only browsers without
// JavaScript see it (the HTML parser treats noscript content as text when
// scripting is on), and with JavaScript upload.js polls the status API and
// updates the page when something changes. A "Check again" link works for
// everyone, and without JavaScript a "Stop reloading" link (?refresh=off)
// lets a visitor turn the reload off (WCAG 2.2.1 asks for that). Final
// states (completed, failed, rejected) never refresh.

namespace iv::web {
namespace {

using boost::json::array;
using boost::json::object;

constexpr std::string_view kTokenPlaceholder = "IV-CSRF-TOKEN-PLACEHOLDER-51c2e8";
constexpr int kRefreshSeconds = 3;
constexpr std::string_view kAcceptedExtensions = ".csv,.tsv,.txt,.json,.ndjson,.jsonl,.xml,.xlsx";

bool is_upload_id(std::string_view id) {
  if (id.size() != 32) return false;
  for (const char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = byte < 0x80           ? 1
                         : (byte >> 5) == 0x6  ? 2
                         : (byte >> 4) == 0xE  ? 3
                         : (byte >> 3) == 0x1E ? 4
                                               : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

// Secret pages: never cached, never indexed (the meta tags say the same in the page).
Response secret_html(int status, std::string body) {
  Response response = site::html_response(status, std::move(body), "no-store");
  response.headers.push_back({"X-Robots-Tag", "noindex, nofollow"});
  return response;
}

struct StatusCopy {
  std::string_view title, text;
};

StatusCopy status_copy(datasets::UploadStatus status) {
  using enum datasets::UploadStatus;
  switch (status) {
    case pending:
      return {"Waiting for your file",
              "The upload is ready, but no part of the file has arrived yet. If you closed the upload page, "
              "please upload the file again."};
    case receiving:
      return {"Receiving your file",
              "Your file is on its way. Keep the upload page open until it has arrived."};
    case scanning:
      return {"Checking your file",
              "Your file has arrived. We are checking its type and scanning it for malware."};
    case processing:
      return {"Profiling your data",
              "We are reading every row and computing the statistics. This usually takes a few seconds."};
    case completed:
      return {"Your data report", "Here is what we found in your file."};
    case failed:
      return {"We could not profile this file", "Something in the file stopped our profiler."};
    case rejected:
      return {"This file was refused", "We did not process this file."};
  }
  return {"Your upload", ""};
}

std::string_view step_label(std::string_view name) {
  if (name == datasets::kStepValidate) return "Check the file type and size";
  if (name == datasets::kStepScan) return "Scan for malware";
  if (name == datasets::kStepAnalyze) return "Read and profile the data";
  if (name == datasets::kStepStore) return "Save the report";
  if (name == datasets::kStepNotify) return "E-mail the link";
  return name;
}

std::string_view step_status_label(datasets::StepStatus status) {
  using enum datasets::StepStatus;
  switch (status) {
    case pending:
      return "Waiting";
    case running:
      return "In progress";
    case done:
      return "Done";
    case skipped:
      return "Skipped";
    case failed:
      return "Failed";
  }
  return "";
}

array steps_view(const datasets::Upload& upload) {
  array steps;
  for (const auto& step : upload.steps) {
    std::string took;
    if (step.started_at_ms > 0 && step.finished_at_ms >= step.started_at_ms) {
      took = format_duration(static_cast<double>(step.finished_at_ms - step.started_at_ms) / 1000);
    }
    steps.push_back(object{{"label", step_label(step.name)},
                           {"status", datasets::step_status_name(step.status)},
                           {"status_label", step_status_label(step.status)},
                           {"has_took", !took.empty()},
                           {"took", took},
                           {"has_detail", !step.detail.empty()},
                           {"detail", step.detail}});
  }
  return steps;
}

std::string size_limit_text(std::uint64_t bytes) {
  constexpr std::uint64_t kGiB = 1ull << 30;
  constexpr std::uint64_t kMiB = 1ull << 20;
  if (bytes % kGiB == 0) return charts::format_count(bytes / kGiB) + " GB";
  if (bytes % kMiB == 0) return charts::format_count(bytes / kMiB) + " MB";
  return format_bytes(bytes);
}

}  // namespace

struct UploadPages::CachedForm {
  std::string before_token;
  std::string after_token;
};

UploadPages::UploadPages(UploadPagesSettings settings, SitePages& site, const security::CsrfProtector& csrf,
                         UploadLookup& uploads)
    : settings_(std::move(settings)), site_(site), csrf_(csrf), uploads_(uploads) {}

UploadPages::~UploadPages() = default;

void UploadPages::register_routes(Router& router) {
  const RouteOptions options{.kind = RouteOptions::Kind::html};
  router.add(
      Method::get, "/upload", [this](const Request& r, const RouteParams&) { return show_form(r); }, options);
  router.add(
      Method::get, "/uploads/{id}",
      [this](const Request& r, const RouteParams& p) { return show_upload(r, p.get("id")); },
      RouteOptions{.query_params = {"refresh"}, .kind = RouteOptions::Kind::html});
}

std::string UploadPages::render_form(const UploadFormState& state, std::string_view token) {
  const std::string email = is_valid_utf8(state.email) ? state.email : std::string();
  object form{{"csrf_token", token},
              {"email", email},
              {"has_error", !state.error.empty()},
              {"error", state.error},
              {"accept", kAcceptedExtensions},
              {"max_bytes", std::to_string(settings_.max_upload_bytes)},
              {"max_size", size_limit_text(settings_.max_upload_bytes)},
              {"create_url", settings_.api_base + "/uploads"}};
  SitePages::PageHead head{
      .title = "Upload a sample dataset",
      .description =
          "Upload a sample of your data and see within seconds what we see in it: structure, quality, "
          "statistics, personal data and label balance. Free, private, deleted after 30 days.",
      .path = "/upload",
      .breadcrumbs = {{"Home", "/"}, {"Upload a sample", "/upload"}}};
  return site_.render_in_layout(head, "pages/upload",
                                object{{"upload_form", std::move(form)}, {"nav_upload_current", true}},
                                "/upload");
}

std::shared_ptr<const UploadPages::CachedForm> UploadPages::cached_form() {
  {
    std::lock_guard lock(cache_mutex_);
    if (cache_) return cache_;
  }
  const std::string page = render_form({}, kTokenPlaceholder);
  const std::size_t at = page.find(kTokenPlaceholder);
  if (at == std::string::npos) throw std::logic_error("pages/upload has no csrf_token field");
  auto form = std::make_shared<const CachedForm>(
      CachedForm{page.substr(0, at), page.substr(at + kTokenPlaceholder.size())});
  std::lock_guard lock(cache_mutex_);
  cache_ = form;
  return form;
}

Response UploadPages::show_form(const Request& request) {
  const auto form = cached_form();
  const auto issued = csrf_.issue(request.header("cookie").value_or(""), std::chrono::system_clock::now());
  std::string body;
  body.reserve(form->before_token.size() + issued.form_token.size() + form->after_token.size());
  body += form->before_token;
  body += issued.form_token;
  body += form->after_token;
  Response response = site::html_response(200, std::move(body), "no-store");
  if (issued.set_cookie) response.headers.push_back({"Set-Cookie", *issued.set_cookie});
  return response;
}

Response UploadPages::form_again(const Request& request, int status, const UploadFormState& state) {
  const auto issued = csrf_.issue(request.header("cookie").value_or(""), std::chrono::system_clock::now());
  Response response = site::html_response(status, render_form(state, issued.form_token), "no-store");
  if (issued.set_cookie) response.headers.push_back({"Set-Cookie", *issued.set_cookie});
  return response;
}

Response UploadPages::show_upload(const Request& request, std::string_view id) {
  const auto upload = is_upload_id(id) ? uploads_.find(id) : std::nullopt;
  if (!upload) {
    Response response = site_.not_found_page(request);
    response.set_header("Cache-Control", "no-store");
    return response;
  }
  const StatusCopy copy = status_copy(upload->status);
  const bool final = datasets::is_final(upload->status);
  const bool completed = upload->status == datasets::UploadStatus::completed;
  const std::string path = "/uploads/" + upload->id;
  object status{{"code", datasets::status_name(upload->status)},
                {"title", copy.title},
                {"text", copy.text},
                {"is_final", final},
                {"is_receiving", upload->status == datasets::UploadStatus::receiving},
                {"progress", upload->progress_percent()},
                {"has_reason", !upload->reason.empty()},
                {"reason", upload->reason},
                {"is_problem", final && !completed},
                {"file_name", upload->file_name},
                {"has_steps", !upload->steps.empty()},
                {"steps", steps_view(*upload)},
                {"url", path},
                {"api_url", settings_.api_base + "/uploads/" + upload->id}};
  // Without JavaScript the page reloads itself until the upload is final,
  // unless the visitor turned that off (?refresh=off; WCAG 2.2.1).
  const bool refresh_off = request.query.get("refresh") == "off";
  status["refresh_off"] = refresh_off;
  status["refresh_seconds"] = kRefreshSeconds;
  object data{{"upload", std::move(status)},
              {"secret_page", true},
              {"has_refresh", !final && !refresh_off},
              {"refresh_seconds", kRefreshSeconds}};
  if (completed) {
    const auto json = uploads_.analysis_json(upload->id);
    auto analysis =
        json ? analysis::from_json(*json)
             : std::expected<analysis::Analysis, std::string>(std::unexpected("no analysis stored"));
    data["has_report"] = analysis.has_value();
    data["report_missing"] = !analysis.has_value();
    if (analysis) {
      data["report"] =
          analysis_report_view(*analysis, settings_.api_base + "/uploads/" + upload->id + "/analysis");
    }
  }
  SitePages::PageHead head{
      .title = std::string(copy.title) + (upload->file_name.empty() ? "" : ": " + upload->file_name),
      .description = "The status and results of a sample dataset uploaded to IndiVillage.",
      .noindex = true};
  return secret_html(200, site_.render_in_layout(head, "pages/upload-status", std::move(data), path));
}

}  // namespace iv::web
