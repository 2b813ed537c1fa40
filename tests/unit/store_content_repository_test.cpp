// SqlContentRepository on SQLite with the project's migrations: round trips,
// ordering, filters, paging, totals, distinct values and content_version.
#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/migrations.h"
#include "store/sql_content_repository.h"
#include "store/sqlite_database.h"

namespace iv::store {
namespace {

namespace fs = std::filesystem;
using content::CaseStudy;
using content::ContentBundle;
using content::ImpactStory;
using content::Page;
using content::PageRequest;
using content::Service;

Service service(std::string slug, std::string title, int order, std::vector<std::string> industries) {
  Service s;
  s.slug = std::move(slug);
  s.title = std::move(title);
  s.summary = "Summary of " + s.title;
  s.icon = "annotation";
  s.order = order;
  s.features = {{"Feature one", "Text one"}, {"Feature \"two\"", "Text with ünïcödé ₹"}};
  s.use_cases = {"Use case A", "Use case B"};
  s.industries = std::move(industries);
  s.figures = {{"99.5%", "accuracy"}};
  s.body_html = "<p>Body of " + s.slug + "</p>\n";
  return s;
}

CaseStudy case_study(std::string slug, std::string title, std::string industry, std::string published,
                     std::vector<std::string> services) {
  CaseStudy c;
  c.slug = std::move(slug);
  c.title = std::move(title);
  c.client = "A global marketplace";
  c.industry = std::move(industry);
  c.summary = "Summary";
  c.services = std::move(services);
  c.challenge_html = "<p>Challenge</p>\n";
  c.solution_html = "<ul>\n<li>Solution</li>\n</ul>\n";
  c.results = {{"38%", "lift"}, {"2M", "listings"}};
  c.published = std::move(published);
  c.body_html = "<p>Body</p>\n";
  return c;
}

ImpactStory story(std::string slug, std::string title, std::string category, std::string published) {
  ImpactStory s;
  s.slug = std::move(slug);
  s.title = std::move(title);
  s.category = std::move(category);
  s.summary = "Summary";
  s.location = "Mudhol, Karnataka";
  s.figures = {{"1,200+", "jobs"}};
  s.published = std::move(published);
  s.body_html = "<p>Story</p>\n";
  return s;
}

ContentBundle sample_bundle() {
  ContentBundle bundle;
  bundle.services = {
      service("data-curation", "Data Curation", 2, {"Retail & E-commerce", "Healthcare"}),
      service("data-annotation", "Data Annotation", 1, {"Automotive", "Healthcare"}),
      service("content-moderation", "Content Moderation", 3, {"Media & Technology"}),
      service("ai-model-training", "AI Model Training", 3, {"Automotive"}),  // same order: by title
  };
  bundle.case_studies = {
      case_study("older", "Older study", "Automotive", "2023-05-01", {"data-annotation"}),
      case_study("newest", "Newest study", "Healthcare", "2025-06-12", {"data-curation", "data-annotation"}),
      case_study("same-day-b", "B same day", "Automotive", "2024-02-02", {"ai-model-training"}),
      case_study("same-day-a", "A same day", "Retail & E-commerce", "2024-02-02", {"data-curation"}),
  };
  bundle.impact_stories = {
      story("women-raichur", "Women in Raichur", "women-in-tech", "2025-03-08"),
      story("jobs-mudhol", "Jobs in Mudhol", "rural-employment", "2024-01-10"),
      story("academy-gadag", "Academy in Gadag", "skills-training", "2025-09-01"),
  };
  bundle.pages = {Page{"home", "Home", "Home summary", "<p>Why</p>\n", R"({"hero_title":"Better AI data"})"},
                  Page{"about", "About", "About summary", "", "{}"}};
  return bundle;
}

template <class T>
std::vector<std::string> slugs(const std::vector<T>& items) {
  std::vector<std::string> result;
  for (const T& item : items) result.push_back(item.slug);
  return result;
}

using Slugs = std::vector<std::string>;

class ContentRepositoryTest : public ::testing::Test {
 protected:
  ContentRepositoryTest()
      : dir_(fs::temp_directory_path() / ("iv-content-repo-" + std::to_string(std::random_device{}()))),
        database_(SqliteSettings{.path = dir_ / "app.db"}),
        repository_(database_) {
    const fs::path migrations = fs::path(__FILE__).parent_path().parent_path().parent_path() / "migrations";
    Migrator(migrations).apply(*database_.lease());
  }
  ~ContentRepositoryTest() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  fs::path dir_;
  SqliteDatabase database_;
  SqlContentRepository repository_;
};

TEST_F(ContentRepositoryTest, EmptyDatabaseHasNothingAndVersionZero) {
  EXPECT_EQ(repository_.content_version(), 0);
  auto services = repository_.list_services({}, {});
  EXPECT_TRUE(services.items.empty());
  EXPECT_EQ(services.total, 0);
  EXPECT_FALSE(repository_.find_service("data-annotation"));
  EXPECT_FALSE(repository_.find_page("home"));
  EXPECT_TRUE(repository_.case_study_industries().empty());
}

TEST_F(ContentRepositoryTest, ServiceRoundTripsEveryField) {
  const ContentBundle bundle = sample_bundle();
  repository_.replace_all(bundle);
  auto found = repository_.find_service("data-curation");
  ASSERT_TRUE(found);
  const Service& expected = bundle.services[0];
  EXPECT_EQ(found->slug, expected.slug);
  EXPECT_EQ(found->title, expected.title);
  EXPECT_EQ(found->summary, expected.summary);
  EXPECT_EQ(found->icon, expected.icon);
  EXPECT_EQ(found->order, expected.order);
  ASSERT_EQ(found->features.size(), 2u);
  EXPECT_EQ(found->features[1].title, "Feature \"two\"");
  EXPECT_EQ(found->features[1].text, "Text with ünïcödé ₹");
  EXPECT_EQ(found->use_cases, expected.use_cases);
  EXPECT_EQ(found->industries, expected.industries);  // author's order, not sorted
  ASSERT_EQ(found->figures.size(), 1u);
  EXPECT_EQ(found->figures[0].value, "99.5%");
  EXPECT_EQ(found->figures[0].label, "accuracy");
  EXPECT_EQ(found->body_html, expected.body_html);
}

TEST_F(ContentRepositoryTest, CaseStudyImpactStoryAndPageRoundTrip) {
  const ContentBundle bundle = sample_bundle();
  repository_.replace_all(bundle);
  auto study = repository_.find_case_study("newest");
  ASSERT_TRUE(study);
  EXPECT_EQ(study->client, "A global marketplace");
  EXPECT_EQ(study->industry, "Healthcare");
  EXPECT_EQ(study->services, (Slugs{"data-curation", "data-annotation"}));
  EXPECT_EQ(study->challenge_html, "<p>Challenge</p>\n");
  EXPECT_EQ(study->solution_html, "<ul>\n<li>Solution</li>\n</ul>\n");
  ASSERT_EQ(study->results.size(), 2u);
  EXPECT_EQ(study->results[1].value, "2M");
  EXPECT_EQ(study->published, "2025-06-12");

  auto impact = repository_.find_impact_story("jobs-mudhol");
  ASSERT_TRUE(impact);
  EXPECT_EQ(impact->category, "rural-employment");
  EXPECT_EQ(impact->location, "Mudhol, Karnataka");
  ASSERT_EQ(impact->figures.size(), 1u);
  EXPECT_EQ(impact->figures[0].value, "1,200+");

  auto page = repository_.find_page("home");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->title, "Home");
  EXPECT_EQ(page->summary, "Home summary");
  EXPECT_EQ(page->body_html, "<p>Why</p>\n");
  EXPECT_EQ(page->data_json, R"({"hero_title":"Better AI data"})");
  EXPECT_FALSE(repository_.find_case_study("missing"));
  EXPECT_FALSE(repository_.find_impact_story("missing"));
}

TEST_F(ContentRepositoryTest, ServicesOrderedByOrderThenTitle) {
  repository_.replace_all(sample_bundle());
  auto page = repository_.list_services({}, {});
  EXPECT_EQ(slugs(page.items),
            (Slugs{"data-annotation", "data-curation", "ai-model-training", "content-moderation"}));
  EXPECT_EQ(page.total, 4);
}

TEST_F(ContentRepositoryTest, ServicesFilteredByIndustryWithTotal) {
  repository_.replace_all(sample_bundle());
  auto page = repository_.list_services({.industry = "Healthcare"}, {});
  EXPECT_EQ(slugs(page.items), (Slugs{"data-annotation", "data-curation"}));
  EXPECT_EQ(page.total, 2);
  EXPECT_EQ(repository_.list_services({.industry = "Automotive"}, {}).total, 2);
  auto none = repository_.list_services({.industry = "health"}, {});  // exact match only
  EXPECT_TRUE(none.items.empty());
  EXPECT_EQ(none.total, 0);
}

TEST_F(ContentRepositoryTest, PagingKeepsTheTotalOfAllPages) {
  repository_.replace_all(sample_bundle());
  auto first = repository_.list_services({}, {.page = 1, .per_page = 3});
  auto second = repository_.list_services({}, {.page = 2, .per_page = 3});
  auto beyond = repository_.list_services({}, {.page = 5, .per_page = 3});
  EXPECT_EQ(slugs(first.items), (Slugs{"data-annotation", "data-curation", "ai-model-training"}));
  EXPECT_EQ(slugs(second.items), (Slugs{"content-moderation"}));
  EXPECT_TRUE(beyond.items.empty());
  EXPECT_EQ(first.total, 4);
  EXPECT_EQ(second.total, 4);
  EXPECT_EQ(beyond.total, 4);
  auto filtered_second =
      repository_.list_case_studies({.industry = "Automotive"}, {.page = 2, .per_page = 1});
  EXPECT_EQ(slugs(filtered_second.items), (Slugs{"older"}));
  EXPECT_EQ(filtered_second.total, 2);
}

TEST_F(ContentRepositoryTest, CaseStudiesNewestFirstThenTitle) {
  repository_.replace_all(sample_bundle());
  auto page = repository_.list_case_studies({}, {});
  EXPECT_EQ(slugs(page.items), (Slugs{"newest", "same-day-a", "same-day-b", "older"}));
  EXPECT_EQ(page.total, 4);
}

TEST_F(ContentRepositoryTest, CaseStudiesFilteredByIndustryServiceOrBoth) {
  repository_.replace_all(sample_bundle());
  EXPECT_EQ(slugs(repository_.list_case_studies({.industry = "Automotive"}, {}).items),
            (Slugs{"same-day-b", "older"}));
  auto by_service = repository_.list_case_studies({.service = "data-annotation"}, {});
  EXPECT_EQ(slugs(by_service.items), (Slugs{"newest", "older"}));
  EXPECT_EQ(by_service.total, 2);
  auto both = repository_.list_case_studies({.industry = "Automotive", .service = "data-annotation"}, {});
  EXPECT_EQ(slugs(both.items), (Slugs{"older"}));
  EXPECT_EQ(both.total, 1);
  EXPECT_EQ(repository_.list_case_studies({.service = "content-moderation"}, {}).total, 0);
}

TEST_F(ContentRepositoryTest, ImpactStoriesNewestFirstAndFilteredByCategory) {
  repository_.replace_all(sample_bundle());
  EXPECT_EQ(slugs(repository_.list_impact_stories({}, {}).items),
            (Slugs{"academy-gadag", "women-raichur", "jobs-mudhol"}));
  auto women = repository_.list_impact_stories({.category = "women-in-tech"}, {});
  EXPECT_EQ(slugs(women.items), (Slugs{"women-raichur"}));
  EXPECT_EQ(women.total, 1);
}

TEST_F(ContentRepositoryTest, DistinctFilterValuesAreSorted) {
  repository_.replace_all(sample_bundle());
  EXPECT_EQ(repository_.case_study_industries(), (Slugs{"Automotive", "Healthcare", "Retail & E-commerce"}));
  EXPECT_EQ(repository_.impact_categories(), (Slugs{"rural-employment", "skills-training", "women-in-tech"}));
}

TEST_F(ContentRepositoryTest, ReplaceAllReplacesEverythingAndBumpsTheVersion) {
  repository_.replace_all(sample_bundle());
  EXPECT_EQ(repository_.content_version(), 1);
  ContentBundle smaller;
  smaller.services = {service("data-annotation", "Renamed", 1, {"Insurance"})};
  repository_.replace_all(smaller);
  EXPECT_EQ(repository_.content_version(), 2);
  auto services = repository_.list_services({}, {});
  ASSERT_EQ(services.total, 1);
  EXPECT_EQ(services.items[0].title, "Renamed");
  EXPECT_EQ(repository_.list_services({.industry = "Healthcare"}, {}).total, 0);  // join table replaced too
  EXPECT_EQ(repository_.list_services({.industry = "Insurance"}, {}).total, 1);
  EXPECT_EQ(repository_.list_case_studies({}, {}).total, 0);
  EXPECT_FALSE(repository_.find_page("home"));
  repository_.replace_all(smaller);
  EXPECT_EQ(repository_.content_version(), 3);
}

TEST_F(ContentRepositoryTest, FailedReplaceAllChangesNothing) {
  repository_.replace_all(sample_bundle());
  ContentBundle broken = sample_bundle();
  broken.services[0].title = "Changed";
  broken.case_studies.push_back(
      case_study("dangling", "Dangling", "Automotive", "2025-01-01", {"no-such-service"}));
  EXPECT_THROW(repository_.replace_all(broken), StoreError);
  EXPECT_EQ(repository_.content_version(), 1);
  EXPECT_EQ(repository_.find_service("data-curation")->title, "Data Curation");
  EXPECT_EQ(repository_.list_case_studies({}, {}).total, 4);
}

TEST_F(ContentRepositoryTest, ReadersDuringReplaceAllSeeOldOrNewNeverAMix) {
  ContentBundle a = sample_bundle();
  ContentBundle b = sample_bundle();
  b.services.erase(b.services.begin() + 2);  // content-moderation: no case study names it
  b.case_studies.pop_back();
  repository_.replace_all(a);
  std::atomic<bool> stop{false};
  std::atomic<int> inconsistent{0};
  std::thread reader([&] {
    while (!stop) {
      auto services = repository_.list_services({}, {});
      if (services.total != static_cast<std::int64_t>(services.items.size())) continue;  // two statements
      if (services.items.size() != a.services.size() && services.items.size() != b.services.size()) {
        ++inconsistent;
      }
    }
  });
  try {
    for (int i = 0; i < 20; ++i) repository_.replace_all(i % 2 ? a : b);
  } catch (const StoreError& error) {
    ADD_FAILURE() << error.what();
  }
  stop = true;
  reader.join();
  EXPECT_EQ(inconsistent.load(), 0);
  EXPECT_EQ(repository_.content_version(), 21);
}

TEST_F(ContentRepositoryTest, CorruptJsonColumnIsAStoreError) {
  repository_.replace_all(sample_bundle());
  database_.lease()->execute("UPDATE services SET figures_json = 'not json' WHERE slug = 'data-annotation'");
  EXPECT_THROW(repository_.find_service("data-annotation"), StoreError);
  database_.lease()->execute(
      "UPDATE services SET figures_json = '[{\"value\": 1}]' WHERE slug = 'data-annotation'");
  EXPECT_THROW(repository_.find_service("data-annotation"), StoreError);
}

}  // namespace
}  // namespace iv::store
