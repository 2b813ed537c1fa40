// Wiring of every component from a Config (the only place that knows all
// parts), and the sub-commands built on it.
#pragma once

#include <filesystem>
#include <memory>

#include "app/config.h"

namespace iv::app {

struct ServeOptions {
  bool workers = true;  // run the job workers and the scheduler in this process
};

class Application {
 public:
  explicit Application(Config config);
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // `indivillage serve`: migrate, load content if the database has none,
  // pre-render, serve until SIGTERM/SIGINT. Returns the process exit code.
  int serve(const ServeOptions& options);
  // `indivillage worker`: migrate, then run the job workers and the scheduler
  // (no HTTP) until SIGTERM/SIGINT.
  int work();
  // `indivillage migrate`: applies pending migrations and reports them.
  int migrate();
  // `indivillage content sync [--dir DIR]`: reloads content/ into the database;
  // running servers notice the new content version and re-render.
  int content_sync(const std::filesystem::path& dir);
  // `indivillage export --out DIR`: writes the public site and its assets as static files.
  int export_site(const std::filesystem::path& out);

 private:
  // Loads content/ into the (already migrated) database.
  int load_content(const std::filesystem::path& dir);

  struct Components;
  Config config_;
  std::unique_ptr<Components> parts_;
};

}  // namespace iv::app
