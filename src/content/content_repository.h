// Port through which the site and the API read content. Implemented over SQL
// in store/sql_content_repository.cpp for SQLite and (later) PostgreSQL.
//
// Engine failures throw iv::store::StoreError; "not found" is an empty optional.
// Implementations are safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/model.h"

namespace iv::content {

struct PageRequest {
  int page = 1;       // 1-based
  int per_page = 20;  // callers validate limits; repositories trust them
};

template <class T>
struct PageOf {
  std::vector<T> items;
  std::int64_t total = 0;  // number of items matching the filter, all pages
};

struct ServiceFilter {
  std::optional<std::string> industry;  // exact industry name
};

struct CaseStudyFilter {
  std::optional<std::string> industry;  // exact industry name
  std::optional<std::string> service;   // service slug
};

struct ImpactFilter {
  std::optional<std::string> category;
};

class ContentRepository {
 public:
  virtual ~ContentRepository() = default;

  // Services ordered by `order`, then title.
  virtual PageOf<Service> list_services(const ServiceFilter& filter, PageRequest page) = 0;
  virtual std::optional<Service> find_service(std::string_view slug) = 0;

  // Case studies newest first (published desc, then title).
  virtual PageOf<CaseStudy> list_case_studies(const CaseStudyFilter& filter, PageRequest page) = 0;
  virtual std::optional<CaseStudy> find_case_study(std::string_view slug) = 0;

  // Impact stories newest first.
  virtual PageOf<ImpactStory> list_impact_stories(const ImpactFilter& filter, PageRequest page) = 0;
  virtual std::optional<ImpactStory> find_impact_story(std::string_view slug) = 0;

  virtual std::optional<Page> find_page(std::string_view slug) = 0;

  // Distinct values for filter menus, sorted.
  virtual std::vector<std::string> case_study_industries() = 0;
  virtual std::vector<std::string> impact_categories() = 0;

  // Increases on every change; readers poll it to know when to re-render.
  virtual std::int64_t content_version() = 0;

  // Replaces all content in one transaction and bumps content_version.
  virtual void replace_all(const ContentBundle& bundle) = 0;
};

}  // namespace iv::content
