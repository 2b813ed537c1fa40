// ContentRepository over the SqlDatabase port, with portable SQL only, so the
// same class serves SQLite and PostgreSQL. Needs the tables of
// migrations/0001_content.sql. List fields live in JSON text columns; the
// filtered ones (service industries, case-study services) are mirrored in join
// tables that replace_all keeps in step.
//
// Each call leases its own connection: do not call it while the calling thread
// holds a lease of the same database. A list and its total are read by two
// statements; a replace_all committed between them can make them disagree for
// that one request, which content that changes a few times a day can afford.
#pragma once

#include <utility>  // store/sql.h uses std::exchange without including it

#include "content/content_repository.h"
#include "store/sql.h"

namespace iv::store {

class SqlContentRepository final : public content::ContentRepository {
 public:
  // `database` must outlive the repository.
  explicit SqlContentRepository(SqlDatabase& database) : database_(database) {}

  content::PageOf<content::Service> list_services(const content::ServiceFilter& filter,
                                                  content::PageRequest page) override;
  std::optional<content::Service> find_service(std::string_view slug) override;

  content::PageOf<content::CaseStudy> list_case_studies(const content::CaseStudyFilter& filter,
                                                        content::PageRequest page) override;
  std::optional<content::CaseStudy> find_case_study(std::string_view slug) override;

  content::PageOf<content::ImpactStory> list_impact_stories(const content::ImpactFilter& filter,
                                                            content::PageRequest page) override;
  std::optional<content::ImpactStory> find_impact_story(std::string_view slug) override;

  std::optional<content::Page> find_page(std::string_view slug) override;

  std::vector<std::string> case_study_industries() override;
  std::vector<std::string> impact_categories() override;

  std::int64_t content_version() override;

  // Throws StoreError (and changes nothing) when the bundle breaks a
  // constraint, e.g. a case study naming a service that is not in the bundle.
  void replace_all(const content::ContentBundle& bundle) override;

 private:
  SqlDatabase& database_;
};

}  // namespace iv::store
