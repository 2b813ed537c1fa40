-- Public content: services, case studies, impact stories and free-standing pages.
-- Portable SQL (SQLite and PostgreSQL 15). Lists are JSON text columns read and
-- written by code; the lists that are filtered on are also kept in join tables,
-- so no JSON functions are needed in queries. HTML columns hold Markdown
-- rendered at load time.

CREATE TABLE services (
  slug TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  summary TEXT NOT NULL,
  icon TEXT NOT NULL,
  sort_order INTEGER NOT NULL,          -- "order" is a reserved word
  features_json TEXT NOT NULL,          -- [{"title", "text"}]
  use_cases_json TEXT NOT NULL,         -- ["..."]
  industries_json TEXT NOT NULL,        -- ["..."], in the author's order
  figures_json TEXT NOT NULL,           -- [{"value", "label"}]
  body_html TEXT NOT NULL
);

CREATE TABLE service_industries (
  service_slug TEXT NOT NULL REFERENCES services (slug) ON DELETE CASCADE,
  industry TEXT NOT NULL,
  PRIMARY KEY (service_slug, industry)
);
CREATE INDEX service_industries_industry ON service_industries (industry);

CREATE TABLE case_studies (
  slug TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  client TEXT NOT NULL,
  industry TEXT NOT NULL,
  summary TEXT NOT NULL,
  services_json TEXT NOT NULL,          -- ["service-slug"], in the author's order
  challenge_html TEXT NOT NULL,
  solution_html TEXT NOT NULL,
  results_json TEXT NOT NULL,           -- [{"value", "label"}]
  published TEXT NOT NULL,              -- YYYY-MM-DD
  body_html TEXT NOT NULL
);
CREATE INDEX case_studies_published ON case_studies (published);
CREATE INDEX case_studies_industry ON case_studies (industry);

CREATE TABLE case_study_services (
  case_study_slug TEXT NOT NULL REFERENCES case_studies (slug) ON DELETE CASCADE,
  service_slug TEXT NOT NULL REFERENCES services (slug),
  PRIMARY KEY (case_study_slug, service_slug)
);
CREATE INDEX case_study_services_service ON case_study_services (service_slug);

CREATE TABLE impact_stories (
  slug TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  category TEXT NOT NULL,
  summary TEXT NOT NULL,
  location TEXT NOT NULL,
  figures_json TEXT NOT NULL,           -- [{"value", "label"}]
  published TEXT NOT NULL,              -- YYYY-MM-DD
  body_html TEXT NOT NULL
);
CREATE INDEX impact_stories_published ON impact_stories (published);
CREATE INDEX impact_stories_category ON impact_stories (category);

CREATE TABLE pages (
  slug TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  summary TEXT NOT NULL,
  body_html TEXT NOT NULL,
  data_json TEXT NOT NULL               -- the page's other front-matter keys, as a JSON object
);

-- content_version increases with every change so readers know when to re-render.
CREATE TABLE content_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO content_meta (key, value) VALUES ('content_version', '0');
