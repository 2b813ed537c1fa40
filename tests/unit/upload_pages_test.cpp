#include "web/site/upload_pages.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "analysis/analysis.h"
#include "content/content_repository.h"
#include "security/csrf.h"
#include "web/site/site_pages.h"
#include "web/static_assets.h"
#include "web/templates.h"

namespace iv::web {
namespace {

namespace fs = std::filesystem;

fs::path source_dir() {
  return fs::path(__FILE__).parent_path().parent_path().parent_path();
}

constexpr std::string_view kId = "0123456789abcdef0123456789abcdef";

// The upload pages never list content; the layout needs none.
class EmptyContent : public content::ContentRepository {
 public:
  content::PageOf<content::Service> list_services(const content::ServiceFilter&,
                                                  content::PageRequest) override {
    return {};
  }
  std::optional<content::Service> find_service(std::string_view) override { return std::nullopt; }
  content::PageOf<content::CaseStudy> list_case_studies(const content::CaseStudyFilter&,
                                                        content::PageRequest) override {
    return {};
  }
  std::optional<content::CaseStudy> find_case_study(std::string_view) override { return std::nullopt; }
  content::PageOf<content::ImpactStory> list_impact_stories(const content::ImpactFilter&,
                                                            content::PageRequest) override {
    return {};
  }
  std::optional<content::ImpactStory> find_impact_story(std::string_view) override { return std::nullopt; }
  std::optional<content::Page> find_page(std::string_view) override { return std::nullopt; }
  std::vector<std::string> case_study_industries() override { return {}; }
  std::vector<std::string> impact_categories() override { return {}; }
  std::int64_t content_version() override { return 1; }
  void replace_all(const content::ContentBundle&) override {}
};

class FakeUploads : public UploadLookup {
 public:
  std::map<std::string, datasets::Upload, std::less<>> uploads;
  std::map<std::string, std::string, std::less<>> analyses;
  int finds = 0;

  std::optional<datasets::Upload> find(std::string_view id) override {
    ++finds;
    const auto it = uploads.find(id);
    return it == uploads.end() ? std::nullopt : std::optional(it->second);
  }
  std::optional<std::string> analysis_json(std::string_view id) override {
    const auto it = analyses.find(id);
    return it == analyses.end() ? std::nullopt : std::optional(it->second);
  }
};

datasets::Upload upload_with(datasets::UploadStatus status) {
  datasets::Upload upload;
  upload.id = std::string(kId);
  upload.file_name = "customers.csv";
  upload.format = "csv";
  upload.declared_size = 1000;
  upload.received_bytes = status == datasets::UploadStatus::receiving ? 400 : 1000;
  upload.status = status;
  upload.steps = datasets::initial_steps();
  return upload;
}

std::string sample_analysis_json() {
  analysis::Analysis a;
  a.format = "csv";
  a.encoding = "UTF-8";
  a.bytes = 1000;
  a.seconds = 0.01;
  analysis::TableProfile table;
  table.rows = 4321;
  analysis::ColumnProfile column;
  column.name = "amount";
  column.type = "decimal";
  column.count = 4321;
  column.mean = 12.5;
  table.columns.push_back(column);
  a.tables.push_back(table);
  return analysis::to_json(a);
}

// Stands in for node_modules/tus-js-client/dist/tus.min.js, which a test
// machine need not have.
fs::path fake_tus_client() {
  const fs::path file = fs::temp_directory_path() / "iv-upload-pages-test-tus.min.js";
  std::ofstream(file) << "window.tus = {};\n";
  return file;
}

class UploadPagesTest : public ::testing::Test {
 protected:
  UploadPagesTest()
      : templates_(source_dir() / "templates"),
        assets_(source_dir() / "static", {{"vendor/tus-js-client/tus.min.js", fake_tus_client()}}),
        site_(SiteSettings{.base_url = "https://www.example.test"}, content_, templates_, assets_),
        csrf_(std::string(40, 'k'), security::CsrfSettings{.allowed_origins = {"https://www.example.test"}}),
        pages_(UploadPagesSettings{.max_upload_bytes = 512ull << 20}, site_, csrf_, uploads_) {
    pages_.register_routes(router_);
  }

  Response get(const std::string& path, std::vector<Header> headers = {}) {
    Request request;
    request.target = path;
    request.path = path;
    request.headers = std::move(headers);
    const auto match = router_.match(Method::get, path);
    EXPECT_NE(match.route, nullptr) << path;
    return match.route ? match.route->handler(request, match.params) : Response{};
  }

  static std::string body(const Response& response) { return std::string(response.body_view()); }

  static std::string token_in(const std::string& html) {
    const std::string marker = "name=\"csrf_token\" value=\"";
    const auto at = html.find(marker);
    if (at == std::string::npos) return {};
    const auto start = at + marker.size();
    return html.substr(start, html.find('"', start) - start);
  }

  EmptyContent content_;
  TemplateEngine templates_;
  StaticAssets assets_;
  SitePages site_;
  security::CsrfProtector csrf_;
  FakeUploads uploads_;
  UploadPages pages_;
  Router router_;
};

TEST_F(UploadPagesTest, UploadFormCarriesAFreshTokenEachTime) {
  const Response first = get("/upload");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.header("Cache-Control"), "no-store");
  EXPECT_TRUE(first.header("Set-Cookie").has_value());  // a first visit gets the CSRF cookie
  const std::string html = body(first);
  const std::string token = token_in(html);
  EXPECT_FALSE(token.empty());
  EXPECT_EQ(html.find("PLACEHOLDER"), std::string::npos);
  const Response second =
      get("/upload", {{"cookie", std::string(*first.header("Set-Cookie"))
                                     .substr(0, std::string(*first.header("Set-Cookie")).find(';'))}});
  EXPECT_FALSE(second.header("Set-Cookie").has_value());  // the cookie is reused
  EXPECT_FALSE(token_in(body(second)).empty());
}

TEST_F(UploadPagesTest, UploadFormIsAMultipartFormWithTheTokenBeforeTheFile) {
  const std::string html = body(get("/upload"));
  EXPECT_NE(html.find("method=\"post\" action=\"/upload\" enctype=\"multipart/form-data\""),
            std::string::npos);
  EXPECT_NE(html.find("data-create-url=\"/api/v1/uploads\""), std::string::npos);
  EXPECT_NE(html.find("data-max-bytes=\"536870912\""), std::string::npos);
  EXPECT_NE(html.find("up to 512 MB"), std::string::npos);
  EXPECT_NE(html.find("accept=\".csv,.tsv,.txt,.json,.ndjson,.jsonl,.xml,.xlsx\""), std::string::npos);
  // The CSRF token comes before the file, so the server can refuse a forged
  // post before storing anything; e-mail and consent follow the file.
  const auto token = html.find("name=\"csrf_token\"");
  const auto file = html.find("name=\"file\"");
  ASSERT_NE(file, std::string::npos);
  EXPECT_LT(token, file);
  EXPECT_NE(html.find("name=\"email\" value=\"\" autocomplete=\"email\""), std::string::npos);
  EXPECT_NE(html.find("name=\"consent\" value=\"yes\" required"), std::string::npos);
  EXPECT_NE(html.find("<link rel=\"canonical\" href=\"https://www.example.test/upload\">"),
            std::string::npos);
  // The tus client (a vendor file) loads before upload.js; both are deferred, so in that order.
  const auto tus = html.find("<script src=\"/static/vendor/tus-js-client/tus.");
  const auto script = html.find("<script src=\"/static/js/upload.");
  ASSERT_NE(tus, std::string::npos);
  ASSERT_NE(script, std::string::npos);
  EXPECT_LT(tus, script);
  EXPECT_NE(html.find("aria-current=\"page\">Upload a sample</a>"), std::string::npos);
}

TEST_F(UploadPagesTest, FormAgainShowsTheErrorOnTheFileFieldAndKeepsTheEmail) {
  Request request;
  request.path = "/upload";
  const Response response = pages_.form_again(
      request, 415, {.email = "ana@example.com", .error = "Files of type <exe> are not accepted."});
  EXPECT_EQ(response.status, 415);
  EXPECT_EQ(response.header("Cache-Control"), "no-store");
  const std::string html = body(response);
  EXPECT_NE(html.find("value=\"ana@example.com\""), std::string::npos);
  EXPECT_NE(html.find("Files of type &lt;exe&gt; are not accepted."), std::string::npos);
  EXPECT_NE(html.find("aria-describedby=\"field-file-error field-file-hint\" aria-invalid=\"true\""),
            std::string::npos);
  EXPECT_NE(html.find("role=\"alert\""), std::string::npos);
  EXPECT_FALSE(token_in(html).empty());
  // An e-mail that is not UTF-8 is not echoed.
  const std::string bad = body(pages_.form_again(request, 422, {.email = "\xff\xfe", .error = "x"}));
  EXPECT_EQ(bad.find("\xff\xfe"), std::string::npos);
}

TEST_F(UploadPagesTest, UnknownOrMalformedIdsAnswerNotFoundWithoutALookupForJunk) {
  EXPECT_EQ(get("/uploads/" + std::string(kId)).status, 404);
  EXPECT_EQ(uploads_.finds, 1);
  EXPECT_EQ(get("/uploads/not-an-id").status, 404);
  EXPECT_EQ(get("/uploads/0123456789ABCDEF0123456789ABCDEF").status, 404);
  EXPECT_EQ(uploads_.finds, 1);
  EXPECT_EQ(get("/uploads/not-an-id").header("Cache-Control"), "no-store");
}

TEST_F(UploadPagesTest, StatusPageWhileProcessingIsSecretAndRefreshesWithoutJavaScriptOnly) {
  auto upload = upload_with(datasets::UploadStatus::processing);
  upload.steps[0].status = datasets::StepStatus::done;
  upload.steps[0].started_at_ms = 1000;
  upload.steps[0].finished_at_ms = 1250;
  upload.steps[1].status = datasets::StepStatus::skipped;
  upload.steps[1].detail = "No virus scanner is configured.";
  upload.steps[2].status = datasets::StepStatus::running;
  uploads_.uploads[upload.id] = upload;
  const Response response = get("/uploads/" + upload.id);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Cache-Control"), "no-store");
  EXPECT_EQ(response.header("X-Robots-Tag"), "noindex, nofollow");
  const std::string html = body(response);
  EXPECT_NE(html.find("<meta name=\"robots\" content=\"noindex\">"), std::string::npos);
  EXPECT_NE(html.find("<meta name=\"referrer\" content=\"no-referrer\">"), std::string::npos);
  EXPECT_NE(html.find("<noscript><meta http-equiv=\"refresh\" content=\"3\"></noscript>"), std::string::npos);
  EXPECT_EQ(html.find("rel=\"canonical\""), std::string::npos);
  EXPECT_NE(html.find("Profiling your data"), std::string::npos);
  EXPECT_NE(html.find("upload-step--done"), std::string::npos);
  EXPECT_NE(html.find("(250 ms)"), std::string::npos);
  EXPECT_NE(html.find("No virus scanner is configured."), std::string::npos);
  EXPECT_NE(html.find("upload-step--running"), std::string::npos);
  EXPECT_NE(html.find("href=\"/uploads/" + upload.id + "\">Check again</a>"), std::string::npos);
  EXPECT_NE(html.find("data-status-url=\"/api/v1/uploads/" + upload.id + "\""), std::string::npos);
}

TEST_F(UploadPagesTest, VisitorsCanTurnTheReloadOff) {
  const auto upload = upload_with(datasets::UploadStatus::scanning);
  uploads_.uploads[upload.id] = upload;
  const std::string on = body(get("/uploads/" + upload.id));
  EXPECT_NE(on.find("href=\"/uploads/" + upload.id + "?refresh=off\">Stop reloading</a>"), std::string::npos);
  Request request;
  request.path = "/uploads/" + upload.id;
  request.query = *parse_query("refresh=off");
  const auto match = router_.match(Method::get, request.path);
  const std::string off = body(match.route->handler(request, match.params));
  EXPECT_EQ(off.find("http-equiv=\"refresh\""), std::string::npos);
  EXPECT_NE(off.find("Automatic reloading is off."), std::string::npos);
  EXPECT_NE(off.find("Checking your file"), std::string::npos);
}

TEST_F(UploadPagesTest, ReceivingShowsTheShareReceived) {
  const auto upload = upload_with(datasets::UploadStatus::receiving);
  uploads_.uploads[upload.id] = upload;
  const std::string html = body(get("/uploads/" + upload.id));
  EXPECT_NE(html.find("value=\"40\""), std::string::npos);
  EXPECT_NE(html.find("Receiving your file"), std::string::npos);
}

TEST_F(UploadPagesTest, FailedAndRejectedShowTheReasonAndNeverRefresh) {
  auto upload = upload_with(datasets::UploadStatus::rejected);
  upload.reason = "The file contains malware (Eicar-Signature) & was quarantined.";
  upload.file_name = "<img src=x onerror=alert(1)>.csv";
  uploads_.uploads[upload.id] = upload;
  const std::string html = body(get("/uploads/" + upload.id));
  EXPECT_NE(html.find("This file was refused"), std::string::npos);
  EXPECT_NE(html.find("The file contains malware (Eicar-Signature) &amp; was quarantined."),
            std::string::npos);
  EXPECT_EQ(html.find("http-equiv=\"refresh\""), std::string::npos);
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;.csv"), std::string::npos);
  EXPECT_NE(html.find(" data-final"), std::string::npos);

  upload.status = datasets::UploadStatus::failed;
  upload.reason = "";
  uploads_.uploads[upload.id] = upload;
  const std::string failed = body(get("/uploads/" + upload.id));
  EXPECT_NE(failed.find("We could not profile this file"), std::string::npos);
  EXPECT_NE(failed.find("No reason was recorded."), std::string::npos);
}

TEST_F(UploadPagesTest, CompletedShowsTheReport) {
  auto upload = upload_with(datasets::UploadStatus::completed);
  for (auto& step : upload.steps) step.status = datasets::StepStatus::done;
  uploads_.uploads[upload.id] = upload;
  uploads_.analyses[upload.id] = sample_analysis_json();
  const std::string html = body(get("/uploads/" + upload.id));
  EXPECT_NE(html.find("Your data report"), std::string::npos);
  EXPECT_NE(html.find("4,321"), std::string::npos);
  EXPECT_NE(html.find(">amount</h3>"), std::string::npos);
  EXPECT_NE(html.find("href=\"/api/v1/uploads/" + upload.id + "/analysis\""), std::string::npos);
  EXPECT_EQ(html.find("http-equiv=\"refresh\""), std::string::npos);
  EXPECT_NE(html.find("How we processed your file"), std::string::npos);
}

TEST_F(UploadPagesTest, CompletedWithoutReadableResultsSaysSo) {
  const auto upload = upload_with(datasets::UploadStatus::completed);
  uploads_.uploads[upload.id] = upload;
  uploads_.analyses[upload.id] = "{not json";
  const std::string html = body(get("/uploads/" + upload.id));
  EXPECT_NE(html.find("The report could not be shown"), std::string::npos);
}

}  // namespace
}  // namespace iv::web
