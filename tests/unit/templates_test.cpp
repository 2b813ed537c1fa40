#include "web/templates.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

namespace iv::web {
namespace {

namespace fs = std::filesystem;

fs::path source_dir() {
  return fs::path(__FILE__).parent_path().parent_path().parent_path();
}

// A fresh directory of templates per test, removed afterwards.
class TemplatesTest : public ::testing::Test {
 protected:
  TemplatesTest() {
    dir_ = fs::temp_directory_path() / ("iv-templates-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~TemplatesTest() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    const fs::path file = dir_ / (name + ".mustache");
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }

  fs::path dir_;
};

TEST_F(TemplatesTest, EscapesDoubleBracesAndKeepsTripleBraces) {
  write("page", "<p>{{text}}</p>{{{html}}}");
  const TemplateEngine engine(dir_);
  const std::string out =
      engine.render("page", {{"text", "<script>alert('x') & \"y\"</script>"}, {"html", "<em>trusted</em>"}});
  EXPECT_EQ(out,
            "<p>&lt;script&gt;alert(&apos;x&apos;) &amp; &quot;y&quot;&lt;/script&gt;</p>"
            "<em>trusted</em>");
}

TEST_F(TemplatesTest, ConvertsJsonTypes) {
  write("types", "{{count}}|{{ratio}}|{{big}}|{{#yes}}Y{{/yes}}{{^no}}N{{/no}}{{^nothing}}-{{/nothing}}");
  const TemplateEngine engine(dir_);
  const boost::json::object context{{"count", 42}, {"ratio", 0.5}, {"big", 18446744073709551615ULL},
                                    {"yes", true}, {"no", false},  {"nothing", nullptr}};
  EXPECT_EQ(engine.render("types", context), "42|0.5|18446744073709551615|YN-");
}

TEST_F(TemplatesTest, RendersListsAndNestedObjects) {
  write("list", "{{#items}}[{{name}}:{{owner.name}}]{{/items}}{{^items}}none{{/items}}");
  const TemplateEngine engine(dir_);
  const boost::json::object context{
      {"owner", {{"name", "outer"}}},
      {"items", boost::json::array{boost::json::object{{"name", "a"}}, boost::json::object{{"name", "b"}}}}};
  EXPECT_EQ(engine.render("list", context), "[a:outer][b:outer]");
  EXPECT_EQ(engine.render("list", {{"items", boost::json::array{}}}), "none");
}

TEST_F(TemplatesTest, DottedNamesResolveFromTheFirstPartOnly) {
  // Spec: "a.b" finds "a" in the innermost context that has it, then looks
  // for "b" only inside it, never falling back to an outer "a".
  write("dots", "{{#inner}}{{a.b}}{{/inner}}");
  const TemplateEngine engine(dir_);
  const boost::json::object context{{"a", {{"b", "outer"}}}, {"inner", {{"a", {{"c", "x"}}}}}};
  EXPECT_EQ(engine.render("dots", context), "");
}

TEST_F(TemplatesTest, IncludesPartialsByPathWithTheCallersContext) {
  write("partials/greeting", "Hello {{name}}");
  write("pages/home",
        "<h1>{{> partials/greeting}}</h1>{{#people}}<li>{{> partials/greeting}}</li>{{/people}}");
  const TemplateEngine engine(dir_);
  const boost::json::object context{{"name", "<World>"},
                                    {"people", boost::json::array{boost::json::object{{"name", "Asha"}},
                                                                  boost::json::object{{"name", "Ravi"}}}}};
  EXPECT_EQ(engine.render("pages/home", context),
            "<h1>Hello &lt;World&gt;</h1><li>Hello Asha</li><li>Hello Ravi</li>");
  EXPECT_TRUE(engine.contains("partials/greeting"));
  EXPECT_EQ(engine.names(), (std::vector<std::string>{"pages/home", "partials/greeting"}));
}

TEST_F(TemplatesTest, ContextValuesAreNeverTreatedAsPartials) {
  write("page", "[{{> secret}}]");
  const TemplateEngine engine(dir_);
  EXPECT_THROW(engine.render("page", {{"secret", "{{evil}}"}}), std::runtime_error);
}

TEST_F(TemplatesTest, UnknownTemplateThrowsOutOfRange) {
  write("page", "x");
  const TemplateEngine engine(dir_);
  EXPECT_THROW(engine.render("missing", {}), std::out_of_range);
}

TEST_F(TemplatesTest, UnknownPartialIsARenderError) {
  write("page", "before {{> partials/nope}} after");
  const TemplateEngine engine(dir_);
  try {
    engine.render("page", {});
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("partials/nope"), std::string::npos) << error.what();
  }
}

TEST_F(TemplatesTest, ParseErrorNamesTheFile) {
  write("good", "{{x}}");
  write("broken/page", "{{#open}} never closed");
  try {
    const TemplateEngine engine(dir_);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("broken/page.mustache"), std::string::npos) << error.what();
  }
}

TEST_F(TemplatesTest, IgnoresOtherFilesAndFailsOnMissingDirectory) {
  write("page", "x");
  std::ofstream(dir_ / "notes.txt") << "{{#broken";
  const TemplateEngine engine(dir_);
  EXPECT_EQ(engine.names(), std::vector<std::string>{"page"});
  EXPECT_THROW(TemplateEngine(dir_ / "does-not-exist"), std::runtime_error);
}

TEST(ProjectTemplates, AllParseAndEveryPageTemplateExists) {
  const TemplateEngine engine(source_dir() / "templates");
  for (const char* name : {"partials/head", "partials/header", "partials/footer", "pages/home",
                           "pages/services", "pages/service", "pages/case-studies", "pages/case-study",
                           "pages/impact", "pages/impact-story", "pages/about", "pages/text",
                           "pages/lead-form", "pages/not-found", "pages/server-error", "icons/default"}) {
    EXPECT_TRUE(engine.contains(name)) << name;
  }
  for (const char* icon : {"annotation", "curation", "document", "model", "moderation", "transformation"}) {
    const std::string svg = engine.render(std::string("icons/") + icon, {});
    EXPECT_TRUE(svg.starts_with("<svg")) << icon;
    EXPECT_NE(svg.find("aria-hidden=\"true\""), std::string::npos) << icon;
  }
}

}  // namespace
}  // namespace iv::web
