#include "store/sql_content_repository.h"

#include <algorithm>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace iv::store {
namespace {

namespace json = boost::json;
using content::CaseStudy;
using content::Feature;
using content::Figure;
using content::ImpactStory;
using content::Page;
using content::PageOf;
using content::PageRequest;
using content::Service;

// ---- JSON list columns ------------------------------------------------------

std::string encode_strings(const std::vector<std::string>& values) {
  json::array array;
  for (const std::string& value : values) array.emplace_back(value);
  return json::serialize(array);
}

template <class T>
std::string encode_pairs(const std::vector<T>& values, std::string_view first_key, std::string T::*first,
                         std::string_view second_key, std::string T::*second) {
  json::array array;
  for (const T& value : values)
    array.emplace_back(json::object{{first_key, value.*first}, {second_key, value.*second}});
  return json::serialize(array);
}

std::string encode_figures(const std::vector<Figure>& figures) {
  return encode_pairs(figures, "value", &Figure::value, "label", &Figure::label);
}

std::string encode_features(const std::vector<Feature>& features) {
  return encode_pairs(features, "title", &Feature::title, "text", &Feature::text);
}

// A column that does not decode means the database was edited by hand or is
// damaged: an engine-level failure, reported as such.
[[noreturn]] void corrupt(std::string_view column, std::string_view problem) {
  throw StoreError("content: column " + std::string(column) + " " + std::string(problem));
}

json::array parse_array(const std::string& text, std::string_view column) {
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error || !value.is_array()) corrupt(column, "does not hold a JSON array");
  return std::move(value.as_array());
}

std::string as_string(const json::value& value, std::string_view column) {
  if (!value.is_string()) corrupt(column, "holds a non-string element");
  return std::string(value.as_string());
}

std::vector<std::string> decode_strings(const std::string& text, std::string_view column) {
  std::vector<std::string> values;
  for (const json::value& element : parse_array(text, column)) values.push_back(as_string(element, column));
  return values;
}

template <class T>
std::vector<T> decode_pairs(const std::string& text, std::string_view column, std::string_view first_key,
                            std::string T::*first, std::string_view second_key, std::string T::*second) {
  std::vector<T> values;
  for (const json::value& element : parse_array(text, column)) {
    const json::object* object = element.if_object();
    if (object == nullptr || !object->contains(first_key) || !object->contains(second_key)) {
      corrupt(column, "holds an element that is not an object with \"" + std::string(first_key) +
                          "\" and \"" + std::string(second_key) + "\"");
    }
    T value;
    value.*first = as_string(object->at(first_key), column);
    value.*second = as_string(object->at(second_key), column);
    values.push_back(std::move(value));
  }
  return values;
}

std::vector<Figure> decode_figures(const std::string& text, std::string_view column) {
  return decode_pairs(text, column, "value", &Figure::value, "label", &Figure::label);
}

std::vector<Feature> decode_features(const std::string& text, std::string_view column) {
  return decode_pairs(text, column, "title", &Feature::title, "text", &Feature::text);
}

// ---- rows -------------------------------------------------------------------
// Each column list is read by the function below it, in the same order.

constexpr std::string_view kServiceColumns =
    "slug, title, summary, icon, sort_order, features_json, use_cases_json, industries_json, figures_json, "
    "body_html";

Service service_from(const SqlRow& row) {
  Service service;
  service.slug = row.text(0);
  service.title = row.text(1);
  service.summary = row.text(2);
  service.icon = row.text(3);
  service.order = static_cast<int>(row.integer(4));
  service.features = decode_features(row.text(5), "services.features_json");
  service.use_cases = decode_strings(row.text(6), "services.use_cases_json");
  service.industries = decode_strings(row.text(7), "services.industries_json");
  service.figures = decode_figures(row.text(8), "services.figures_json");
  service.body_html = row.text(9);
  return service;
}

constexpr std::string_view kCaseStudyColumns =
    "slug, title, client, industry, summary, services_json, challenge_html, solution_html, results_json, "
    "published, body_html";

CaseStudy case_study_from(const SqlRow& row) {
  CaseStudy study;
  study.slug = row.text(0);
  study.title = row.text(1);
  study.client = row.text(2);
  study.industry = row.text(3);
  study.summary = row.text(4);
  study.services = decode_strings(row.text(5), "case_studies.services_json");
  study.challenge_html = row.text(6);
  study.solution_html = row.text(7);
  study.results = decode_figures(row.text(8), "case_studies.results_json");
  study.published = row.text(9);
  study.body_html = row.text(10);
  return study;
}

constexpr std::string_view kImpactColumns =
    "slug, title, category, summary, location, figures_json, published, body_html";

ImpactStory impact_story_from(const SqlRow& row) {
  ImpactStory story;
  story.slug = row.text(0);
  story.title = row.text(1);
  story.category = row.text(2);
  story.summary = row.text(3);
  story.location = row.text(4);
  story.figures = decode_figures(row.text(5), "impact_stories.figures_json");
  story.published = row.text(6);
  story.body_html = row.text(7);
  return story;
}

constexpr std::string_view kPageColumns = "slug, title, summary, body_html, data_json";

Page page_from(const SqlRow& row) {
  return Page{row.text(0), row.text(1), row.text(2), row.text(3), row.text(4)};
}

// ---- queries ----------------------------------------------------------------

// A WHERE clause built from optional filters, numbering placeholders as it goes.
class Filter {
 public:
  void add(std::string_view condition_before_value, std::string value, std::string_view after_value = "") {
    params_.emplace_back(std::move(value));
    sql_ += sql_.empty() ? " WHERE " : " AND ";
    sql_ += condition_before_value;
    sql_ += "$" + std::to_string(params_.size());
    sql_ += after_value;
  }
  const std::string& sql() const { return sql_; }
  const std::vector<SqlValue>& params() const { return params_; }

 private:
  std::string sql_;
  std::vector<SqlValue> params_;
};

// Lists one page of `table` plus the total number of matching rows.
template <class T, class FromRow>
PageOf<T> list_page(SqlDatabase& database, std::string_view table, std::string_view columns,
                    const Filter& filter, std::string_view order_by, PageRequest request, FromRow from_row) {
  // Repositories trust callers' limits, but a negative OFFSET is an error on PostgreSQL.
  const std::int64_t limit = std::max(request.per_page, 0);
  const std::int64_t offset = (std::max(request.page, 1) - std::int64_t{1}) * limit;
  auto connection = database.lease();

  PageOf<T> page;
  const std::string from = " FROM " + std::string(table) + filter.sql();
  page.total = connection->query("SELECT COUNT(*)" + from, filter.params()).front().integer(0);

  std::vector<SqlValue> params = filter.params();
  params.emplace_back(limit);
  params.emplace_back(offset);
  const std::string sql = "SELECT " + std::string(columns) + from + " ORDER BY " + std::string(order_by) +
                          " LIMIT $" + std::to_string(params.size() - 1) + " OFFSET $" +
                          std::to_string(params.size());
  for (const SqlRow& row : connection->query(sql, params)) page.items.push_back(from_row(row));
  return page;
}

template <class T, class FromRow>
std::optional<T> find_by_slug(SqlDatabase& database, std::string_view table, std::string_view columns,
                              std::string_view slug, FromRow from_row) {
  auto connection = database.lease();
  const std::string sql =
      "SELECT " + std::string(columns) + " FROM " + std::string(table) + " WHERE slug = $1";
  auto rows = connection->query(sql, {std::string(slug)});
  if (rows.empty()) return std::nullopt;
  return from_row(rows.front());
}

std::vector<std::string> distinct_values(SqlDatabase& database, std::string_view sql) {
  auto connection = database.lease();
  std::vector<std::string> values;
  for (const SqlRow& row : connection->query(sql)) values.push_back(row.text(0));
  return values;
}

// ---- writes -----------------------------------------------------------------

void insert_service(SqlConnection& connection, const Service& service) {
  connection.execute(
      "INSERT INTO services (slug, title, summary, icon, sort_order, features_json, use_cases_json, "
      "industries_json, figures_json, body_html) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {service.slug, service.title, service.summary, service.icon, std::int64_t{service.order},
       encode_features(service.features), encode_strings(service.use_cases),
       encode_strings(service.industries), encode_figures(service.figures), service.body_html});
  std::vector<std::string> industries = service.industries;
  std::sort(industries.begin(), industries.end());
  industries.erase(std::unique(industries.begin(), industries.end()), industries.end());
  for (const std::string& industry : industries) {
    connection.execute("INSERT INTO service_industries (service_slug, industry) VALUES ($1, $2)",
                       {service.slug, industry});
  }
}

void insert_case_study(SqlConnection& connection, const CaseStudy& study) {
  connection.execute(
      "INSERT INTO case_studies (slug, title, client, industry, summary, services_json, challenge_html, "
      "solution_html, results_json, published, body_html) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      {study.slug, study.title, study.client, study.industry, study.summary, encode_strings(study.services),
       study.challenge_html, study.solution_html, encode_figures(study.results), study.published,
       study.body_html});
  std::vector<std::string> services = study.services;
  std::sort(services.begin(), services.end());
  services.erase(std::unique(services.begin(), services.end()), services.end());
  for (const std::string& service : services) {
    connection.execute("INSERT INTO case_study_services (case_study_slug, service_slug) VALUES ($1, $2)",
                       {study.slug, service});
  }
}

void insert_impact_story(SqlConnection& connection, const ImpactStory& story) {
  connection.execute(
      "INSERT INTO impact_stories (slug, title, category, summary, location, figures_json, published, "
      "body_html) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {story.slug, story.title, story.category, story.summary, story.location, encode_figures(story.figures),
       story.published, story.body_html});
}

void insert_page(SqlConnection& connection, const Page& page) {
  connection.execute(
      "INSERT INTO pages (slug, title, summary, body_html, data_json) VALUES ($1, $2, $3, $4, $5)",
      {page.slug, page.title, page.summary, page.body_html, page.data_json});
}

// Done in SQL rather than read-add-write so that two concurrent writers on
// PostgreSQL (READ COMMITTED) cannot both write the same next value.
void bump_content_version(SqlConnection& connection) {
  const std::int64_t changed = connection.execute(
      "UPDATE content_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = "
      "'content_version'");
  if (changed == 0) {
    connection.execute("INSERT INTO content_meta (key, value) VALUES ('content_version', '1')");
  }
}

}  // namespace

PageOf<Service> SqlContentRepository::list_services(const content::ServiceFilter& filter, PageRequest page) {
  Filter where;
  if (filter.industry) {
    where.add("slug IN (SELECT service_slug FROM service_industries WHERE industry = ", *filter.industry,
              ")");
  }
  return list_page<Service>(database_, "services", kServiceColumns, where, "sort_order, title, slug", page,
                            service_from);
}

std::optional<Service> SqlContentRepository::find_service(std::string_view slug) {
  return find_by_slug<Service>(database_, "services", kServiceColumns, slug, service_from);
}

PageOf<CaseStudy> SqlContentRepository::list_case_studies(const content::CaseStudyFilter& filter,
                                                          PageRequest page) {
  Filter where;
  if (filter.industry) where.add("industry = ", *filter.industry);
  if (filter.service) {
    where.add("slug IN (SELECT case_study_slug FROM case_study_services WHERE service_slug = ",
              *filter.service, ")");
  }
  return list_page<CaseStudy>(database_, "case_studies", kCaseStudyColumns, where,
                              "published DESC, title, slug", page, case_study_from);
}

std::optional<CaseStudy> SqlContentRepository::find_case_study(std::string_view slug) {
  return find_by_slug<CaseStudy>(database_, "case_studies", kCaseStudyColumns, slug, case_study_from);
}

PageOf<ImpactStory> SqlContentRepository::list_impact_stories(const content::ImpactFilter& filter,
                                                              PageRequest page) {
  Filter where;
  if (filter.category) where.add("category = ", *filter.category);
  return list_page<ImpactStory>(database_, "impact_stories", kImpactColumns, where,
                                "published DESC, title, slug", page, impact_story_from);
}

std::optional<ImpactStory> SqlContentRepository::find_impact_story(std::string_view slug) {
  return find_by_slug<ImpactStory>(database_, "impact_stories", kImpactColumns, slug, impact_story_from);
}

std::optional<Page> SqlContentRepository::find_page(std::string_view slug) {
  return find_by_slug<Page>(database_, "pages", kPageColumns, slug, page_from);
}

std::vector<std::string> SqlContentRepository::case_study_industries() {
  return distinct_values(database_, "SELECT DISTINCT industry FROM case_studies ORDER BY industry");
}

std::vector<std::string> SqlContentRepository::impact_categories() {
  return distinct_values(database_, "SELECT DISTINCT category FROM impact_stories ORDER BY category");
}

std::int64_t SqlContentRepository::content_version() {
  auto connection = database_.lease();
  auto rows = connection->query("SELECT value FROM content_meta WHERE key = 'content_version'");
  return rows.empty() ? 0 : rows.front().integer(0);
}

void SqlContentRepository::replace_all(const content::ContentBundle& bundle) {
  auto connection = database_.lease();
  in_transaction(*connection, [&] {
    // Children first: case_study_services refers to both services and case studies.
    for (std::string_view table : {"case_study_services", "service_industries", "case_studies", "services",
                                   "impact_stories", "pages"}) {
      connection->execute("DELETE FROM " + std::string(table));
    }
    for (const Service& service : bundle.services) insert_service(*connection, service);
    for (const CaseStudy& study : bundle.case_studies) insert_case_study(*connection, study);
    for (const ImpactStory& story : bundle.impact_stories) insert_impact_story(*connection, story);
    for (const Page& page : bundle.pages) insert_page(*connection, page);
    bump_content_version(*connection);
  });
}

}  // namespace iv::store
