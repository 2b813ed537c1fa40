// load_content_dir on small fixture trees written by each test: a valid tree
// loads completely; each kind of mistake is reported with its file and line.
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "content/loader.h"

namespace iv::content {
namespace {

namespace fs = std::filesystem;

// Line numbers in the comments are the file's; tests edit lines by number.
constexpr std::string_view kService =
    "---\n"                                             // 1
    "slug: data-annotation\n"                           // 2
    "title: Data Annotation & Labelling\n"              // 3
    "summary: Accurate labels for machine learning.\n"  // 4
    "icon: annotation\n"                                // 5
    "order: 1\n"                                        // 6
    "features:\n"                                       // 7
    "  - title: Image annotation\n"                     // 8
    "    text: Boxes and polygons.\n"                   // 9
    "use_cases:\n"                                      // 10
    "  - Driver assistance\n"                           // 11
    "industries:\n"                                     // 12
    "  - Automotive\n"                                  // 13
    "  - Healthcare\n"                                  // 14
    "figures:\n"                                        // 15
    "  - value: \"99.5%\"\n"                            // 16
    "    label: label accuracy\n"                       // 17
    "---\n"                                             // 18
    "## How we work\n"                                  // 19
    "\n"                                                // 20
    "We label **carefully**.\n";                        // 21

constexpr std::string_view kSecondService =
    "---\n"
    "slug: data-curation\n"
    "title: Data Curation\n"
    "summary: Clean data.\n"
    "icon: curation\n"
    "order: 2\n"
    "features:\n"
    "  - title: Deduplication\n"
    "    text: Near-duplicates removed.\n"
    "use_cases: [Search]\n"
    "industries: [Retail & E-commerce]\n"
    "figures:\n"
    "  - {value: 2M, label: listings}\n"
    "---\n"
    "Body.\n";

constexpr std::string_view kCaseStudy =
    "---\n"                                         // 1
    "slug: retail-catalog\n"                        // 2
    "title: \"Enriching listings: a story\"\n"      // 3
    "client: A global marketplace\n"                // 4
    "industry: Retail & E-commerce\n"               // 5
    "services: [data-annotation, data-curation]\n"  // 6
    "summary: We enriched listings.\n"              // 7
    "published: 2025-06-12\n"                       // 8
    "challenge: |\n"                                // 9
    "  The catalogue was *messy*.\n"                // 10
    "solution: |\n"                                 // 11
    "  - Cleaned\n"                                 // 12
    "  - Labelled\n"                                // 13
    "results:\n"                                    // 14
    "  - value: \"38%\"\n"                          // 15
    "    label: lift in conversion\n"               // 16
    "---\n"                                         // 17
    "## The approach\n"                             // 18
    "\n"                                            // 19
    "Careful work.\n";                              // 20

constexpr std::string_view kImpact =
    "---\n"                              // 1
    "slug: rural-employment-mudhol\n"    // 2
    "title: Jobs in Mudhol\n"            // 3
    "category: rural-employment\n"       // 4
    "summary: Jobs close to home.\n"     // 5
    "location: \"Mudhol, Karnataka\"\n"  // 6
    "published: 2025-03-08\n"            // 7
    "figures:\n"                         // 8
    "  - value: \"1,200+\"\n"            // 9
    "    label: jobs created\n"          // 10
    "---\n"                              // 11
    "Asha's story.\n";                   // 12

constexpr std::string_view kHome =
    "---\n"                                         // 1
    "slug: home\n"                                  // 2
    "title: AI data services with social impact\n"  // 3
    "summary: Data services from rural India.\n"    // 4
    "hero_title: \"Better AI data\"\n"              // 5
    "founded: 2008\n"                               // 6
    "figures:\n"                                    // 7
    "  - value: \"1,800+\"\n"                       // 8
    "    label: people employed\n"                  // 9
    "empty:\n"                                      // 10
    "---\n"                                         // 11
    "## Why IndiVillage\n";                         // 12

// Replaces line `number` (1-based) of `text` with `replacement` (which may hold several lines or none).
std::string with_line(std::string_view text, int number, std::string_view replacement) {
  std::istringstream in{std::string(text)};
  std::string line;
  std::string out;
  for (int n = 1; std::getline(in, line); ++n) {
    if (n == number) {
      if (!replacement.empty()) out += std::string(replacement) + "\n";
    } else {
      out += line + "\n";
    }
  }
  return out;
}

class ContentLoaderTest : public ::testing::Test {
 protected:
  ContentLoaderTest()
      : root_(fs::temp_directory_path() / ("iv-loader-" + std::to_string(std::random_device{}()))) {
    write("services/data-annotation.md", kService);
    write("services/data-curation.md", kSecondService);
    write("case-studies/retail-catalog.md", kCaseStudy);
    write("impact/rural-employment-mudhol.md", kImpact);
    write("pages/home.md", kHome);
  }
  ~ContentLoaderTest() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  void write(const std::string& relative, std::string_view text) const {
    const fs::path path = root_ / "content" / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  fs::path dir() const { return root_ / "content"; }

  std::vector<LoadError> errors() const {
    auto result = load_content_dir(dir());
    if (result) return {};
    return result.error();
  }

  // Expects exactly one error, in `relative` at `line`, whose message contains `text`.
  void expect_error(const std::string& relative, int line, std::string_view text) const {
    const auto found = errors();
    std::string all;
    for (const auto& e : found) all += to_string(e) + "\n";
    ASSERT_EQ(found.size(), 1u) << all;
    EXPECT_EQ(found[0].file, (dir() / relative).string()) << all;
    EXPECT_EQ(found[0].line, line) << all;
    EXPECT_NE(found[0].message.find(text), std::string::npos) << all;
  }

  fs::path root_;
};

TEST_F(ContentLoaderTest, ValidTreeLoadsEveryField) {
  auto bundle = load_content_dir(dir());
  ASSERT_TRUE(bundle) << to_string(bundle.error().front());
  ASSERT_EQ(bundle->services.size(), 2u);
  const Service& service = bundle->services[0];
  EXPECT_EQ(service.slug, "data-annotation");
  EXPECT_EQ(service.title, "Data Annotation & Labelling");
  EXPECT_EQ(service.icon, "annotation");
  EXPECT_EQ(service.order, 1);
  ASSERT_EQ(service.features.size(), 1u);
  EXPECT_EQ(service.features[0].title, "Image annotation");
  EXPECT_EQ(service.features[0].text, "Boxes and polygons.");
  EXPECT_EQ(service.use_cases, std::vector<std::string>{"Driver assistance"});
  EXPECT_EQ(service.industries, (std::vector<std::string>{"Automotive", "Healthcare"}));
  ASSERT_EQ(service.figures.size(), 1u);
  EXPECT_EQ(service.figures[0].value, "99.5%");
  EXPECT_EQ(service.body_html, "<h2>How we work</h2>\n<p>We label <strong>carefully</strong>.</p>\n");
  EXPECT_EQ(bundle->services[1].figures[0].label, "listings");

  ASSERT_EQ(bundle->case_studies.size(), 1u);
  const CaseStudy& study = bundle->case_studies[0];
  EXPECT_EQ(study.title, "Enriching listings: a story");
  EXPECT_EQ(study.services, (std::vector<std::string>{"data-annotation", "data-curation"}));
  EXPECT_EQ(study.published, "2025-06-12");
  EXPECT_EQ(study.challenge_html, "<p>The catalogue was <em>messy</em>.</p>\n");
  EXPECT_EQ(study.solution_html, "<ul>\n<li>Cleaned</li>\n<li>Labelled</li>\n</ul>\n");
  EXPECT_EQ(study.results[0].label, "lift in conversion");

  ASSERT_EQ(bundle->impact_stories.size(), 1u);
  EXPECT_EQ(bundle->impact_stories[0].category, "rural-employment");
  EXPECT_EQ(bundle->impact_stories[0].location, "Mudhol, Karnataka");
  EXPECT_EQ(bundle->impact_stories[0].body_html, "<p>Asha's story.</p>\n");

  ASSERT_EQ(bundle->pages.size(), 1u);
  const Page& page = bundle->pages[0];
  EXPECT_EQ(page.slug, "home");
  EXPECT_EQ(page.summary, "Data services from rural India.");
  EXPECT_EQ(page.body_html, "<h2>Why IndiVillage</h2>\n");
  EXPECT_EQ(boost::json::parse(page.data_json),
            boost::json::parse(R"({"hero_title": "Better AI data", "founded": "2008",
                                   "figures": [{"value": "1,800+", "label": "people employed"}],
                                   "empty": null})"));
}

TEST_F(ContentLoaderTest, RawHtmlAndUnsafeLinksInBodiesAreNeutralised) {
  write("impact/rural-employment-mudhol.md",
        with_line(kImpact, 12, "<script>alert(1)</script>\n\n[x](javascript:alert(2))"));
  auto bundle = load_content_dir(dir());
  ASSERT_TRUE(bundle);
  const std::string& html = bundle->impact_stories[0].body_html;
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_EQ(html.find("javascript:"), std::string::npos) << html;
}

TEST_F(ContentLoaderTest, MissingOpeningDelimiter) {
  write("services/data-annotation.md", with_line(kService, 1, ""));
  expect_error("services/data-annotation.md", 1, "must start with a line `---`");
}

TEST_F(ContentLoaderTest, FrontMatterNeverClosed) {
  write("services/data-annotation.md", with_line(kService, 18, ""));
  expect_error("services/data-annotation.md", 1, "never closed");
}

TEST_F(ContentLoaderTest, YamlSyntaxErrorHasItsLine) {
  write("services/data-annotation.md", with_line(kService, 9, "    text: [unclosed"));
  const auto found = errors();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].message.find("invalid YAML"), std::string::npos) << to_string(found[0]);
  EXPECT_GE(found[0].line, 9) << to_string(found[0]);
  EXPECT_LE(found[0].line, 11) << to_string(found[0]);
}

TEST_F(ContentLoaderTest, MissingRequiredKey) {
  write("services/data-annotation.md", with_line(kService, 3, ""));
  expect_error("services/data-annotation.md", 2, "missing required key `title`");
}

TEST_F(ContentLoaderTest, UnknownKeyIsAnError) {
  write("case-studies/retail-catalog.md",
        with_line(kCaseStudy, 4, "client: A global marketplace\nclinet: typo"));
  expect_error("case-studies/retail-catalog.md", 5, "unknown key `clinet`");
}

TEST_F(ContentLoaderTest, UnknownKeyInsideAListItem) {
  write("services/data-annotation.md", with_line(kService, 17, "    label: label accuracy\n    colour: red"));
  expect_error("services/data-annotation.md", 18, "figures[1]: unknown key `colour`");
}

TEST_F(ContentLoaderTest, DuplicateKey) {
  write("impact/rural-employment-mudhol.md", with_line(kImpact, 3, "title: Jobs in Mudhol\ntitle: Again"));
  expect_error("impact/rural-employment-mudhol.md", 4, "duplicate key `title`");
}

TEST_F(ContentLoaderTest, WrongTypes) {
  write("services/data-annotation.md", with_line(kService, 3, "title:\n  - a list"));
  expect_error("services/data-annotation.md", 4, "`title` must be text, not a list");
  write("services/data-annotation.md", with_line(kService, 10, "use_cases: just text"));
  expect_error("services/data-annotation.md", 10, "`use_cases` must be a list");
  write("services/data-annotation.md", with_line(kService, 6, "order: first"));
  expect_error("services/data-annotation.md", 6, "`order` must be a whole number");
  write("services/data-annotation.md", with_line(kService, 4, "summary:"));
  expect_error("services/data-annotation.md", 4, "`summary` must be text, not empty");
}

TEST_F(ContentLoaderTest, ListItemWithMissingKey) {
  write("services/data-annotation.md", with_line(kService, 9, ""));
  expect_error("services/data-annotation.md", 8, "features[1]: missing required key `text`");
}

TEST_F(ContentLoaderTest, SlugMustEqualTheFileName) {
  write("services/data-annotation.md", with_line(kService, 2, "slug: data-labelling"));
  expect_error("services/data-annotation.md", 2, "must equal the file name `data-annotation.md`");
}

TEST_F(ContentLoaderTest, SlugMustBeLowerCaseWordsWithSingleHyphens) {
  fs::remove(dir() / "impact/rural-employment-mudhol.md");
  write("impact/Rural--Jobs.md", with_line(kImpact, 2, "slug: Rural--Jobs"));
  expect_error("impact/Rural--Jobs.md", 2, "lower-case letters and digits");
}

TEST_F(ContentLoaderTest, CaseStudyMustNameExistingServices) {
  write("case-studies/retail-catalog.md",
        with_line(kCaseStudy, 6, "services:\n  - data-annotation\n  - data-labelling"));
  expect_error("case-studies/retail-catalog.md", 8, "`data-labelling`, which is not a file in services/");
}

TEST_F(ContentLoaderTest, DatesMustBeRealDaysWrittenIso) {
  write("case-studies/retail-catalog.md", with_line(kCaseStudy, 8, "published: 2025-02-30"));
  expect_error("case-studies/retail-catalog.md", 8, "real date written YYYY-MM-DD");
  write("case-studies/retail-catalog.md", with_line(kCaseStudy, 8, "published: 12/06/2025"));
  expect_error("case-studies/retail-catalog.md", 8, "YYYY-MM-DD");
}

TEST_F(ContentLoaderTest, ImpactCategoryFromTheFixedList) {
  write("impact/rural-employment-mudhol.md", with_line(kImpact, 4, "category: charity"));
  expect_error("impact/rural-employment-mudhol.md", 4,
               "`category` is `charity`; it must be one of: rural-employment");
}

TEST_F(ContentLoaderTest, IconFromTheFixedList) {
  write("services/data-annotation.md", with_line(kService, 5, "icon: rocket"));
  expect_error("services/data-annotation.md", 5, "`icon` is `rocket`");
}

TEST_F(ContentLoaderTest, IndustryFromTheFixedList) {
  write("services/data-annotation.md", with_line(kService, 14, "  - Health care"));
  expect_error("services/data-annotation.md", 14, "`Health care`; it must be one of");
  write("services/data-annotation.md", kService);
  write("case-studies/retail-catalog.md", with_line(kCaseStudy, 5, "industry: Retail"));
  expect_error("case-studies/retail-catalog.md", 5, "`industry` is `Retail`");
}

TEST_F(ContentLoaderTest, ListsNameEachThingOnce) {
  write("case-studies/retail-catalog.md",
        with_line(kCaseStudy, 6, "services: [data-curation, data-annotation, data-curation]"));
  expect_error("case-studies/retail-catalog.md", 6, "`services` lists `data-curation` twice");
}

TEST_F(ContentLoaderTest, LengthAndCountLimits) {
  write("services/data-annotation.md", with_line(kService, 3, "title: " + std::string(161, 'x')));
  expect_error("services/data-annotation.md", 3, "is 161 characters long; the limit is 160");
  // Characters, not bytes: 160 two-byte letters are within the limit.
  std::string accented;
  for (int i = 0; i < 160; ++i) accented += "é";
  write("services/data-annotation.md", with_line(kService, 3, "title: " + accented));
  EXPECT_TRUE(errors().empty());
  write("services/data-annotation.md",
        with_line(with_line(with_line(kService, 9, ""), 8, ""), 7, "features: []"));
  expect_error("services/data-annotation.md", 7, "`features` has 0 items; it must have 1 to 12");
}

TEST_F(ContentLoaderTest, EmptyBodyOfAServiceHasTheBodyLine) {
  write("services/data-annotation.md", kService.substr(0, kService.find("## How")));
  expect_error("services/data-annotation.md", 19, "body after the front matter is empty");
}

TEST_F(ContentLoaderTest, InvalidUtf8HasTheLineOfTheBadByte) {
  write("impact/rural-employment-mudhol.md", with_line(kImpact, 5, "summary: Jobs \xC3 close to home."));
  expect_error("impact/rural-employment-mudhol.md", 5, "not valid UTF-8");
}

TEST_F(ContentLoaderTest, FrontMatterThatIsNotAMapping) {
  write("pages/home.md", "---\n- just\n- a list\n---\nBody\n");
  expect_error("pages/home.md", 1, "must be a YAML mapping");
}

TEST_F(ContentLoaderTest, EveryBrokenFileIsReported) {
  write("services/data-annotation.md", with_line(kService, 5, "icon: rocket"));
  write("impact/rural-employment-mudhol.md", with_line(kImpact, 7, "published: yesterday"));
  write("pages/home.md", with_line(kHome, 3, ""));
  const auto found = errors();
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].file, (dir() / "services/data-annotation.md").string());
  EXPECT_EQ(found[1].file, (dir() / "impact/rural-employment-mudhol.md").string());
  EXPECT_EQ(found[2].file, (dir() / "pages/home.md").string());
  EXPECT_EQ(to_string(found[2]), (dir() / "pages/home.md").string() + ":2: missing required key `title`");
}

TEST_F(ContentLoaderTest, MissingDirectoryOrFolder) {
  auto missing = load_content_dir(root_ / "nowhere");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().at(0).line, 0);
  EXPECT_NE(missing.error().at(0).message.find("not found"), std::string::npos);
  fs::remove_all(dir() / "impact");
  expect_error("impact", 0, "cannot read the folder");
}

TEST_F(ContentLoaderTest, OtherFilesAreIgnoredAndOrderIsByFileName) {
  write("services/notes.txt", "not content");
  write("README.md", "# Not content either\n");
  auto bundle = load_content_dir(dir());
  ASSERT_TRUE(bundle) << to_string(bundle.error().front());
  ASSERT_EQ(bundle->services.size(), 2u);
  EXPECT_EQ(bundle->services[0].slug, "data-annotation");
  EXPECT_EQ(bundle->services[1].slug, "data-curation");
}

TEST_F(ContentLoaderTest, PageDataRejectsAliasBombs) {
  // Each level repeats the previous one eight times: 10 * 8^4 = 40960 strings.
  std::string bomb = "---\nslug: home\ntitle: Home\nsummary: S\na: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string previous = "a";
  for (std::string name : {"b", "c", "d", "e"}) {
    bomb += name + ": &" + name + " [";
    for (int i = 0; i < 8; ++i) bomb += (i ? ", *" : "*") + previous;
    bomb += "]\n";
    previous = name;
  }
  bomb += "---\nBody\n";
  write("pages/home.md", bomb);
  const auto found = errors();
  ASSERT_FALSE(found.empty());
  EXPECT_NE(found[0].message.find("too large"), std::string::npos) << to_string(found[0]);
}

}  // namespace
}  // namespace iv::content
