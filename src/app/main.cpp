// indivillage: the IndiVillage.com server and its operator commands.
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "app/analyze_command.h"
#include "app/application.h"
#include "app/config.h"
#include "observe/log.h"

int main(int argc, char** argv) {
  CLI::App cli{"IndiVillage.com: website, API and workers"};
  cli.require_subcommand(1);

  iv::app::Config config;
  try {
    config = iv::app::config_from_environment();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "configuration error: %s\n", e.what());
    return 2;
  }

  iv::app::ServeOptions serve_options;
  int header_timeout_ms = static_cast<int>(config.header_timeout.count());
  int idle_timeout_ms = static_cast<int>(config.idle_timeout.count());
  auto* serve =
      cli.add_subcommand("serve", "Serve the website and API (and run workers unless --no-workers)");
  serve->add_option("--host", config.host, "Address to listen on (HOST)");
  serve->add_option("--port", config.port, "Port to listen on, 0 for any free port (PORT)");
  serve->add_option("--threads", config.threads, "I/O threads, 0 for one per core (THREADS)")
      ->check(CLI::Range(0, 256));
  serve->add_option("--port-file", config.port_file, "Write the bound port to this file once listening");
  serve->add_option("--max-connections", config.max_connections, "Connection cap (MAX_CONNECTIONS)")
      ->check(CLI::Range(1, 1000000));
  serve
      ->add_option("--header-timeout-ms", header_timeout_ms,
                   "Time allowed for a request head (HEADER_TIMEOUT_MS)")
      ->check(CLI::Range(100, 600000));
  serve->add_option("--idle-timeout-ms", idle_timeout_ms, "Keep-alive idle timeout (IDLE_TIMEOUT_MS)")
      ->check(CLI::Range(100, 3600000));
  serve->add_flag("!--no-workers", serve_options.workers, "Do not run background workers in this process");

  auto* worker = cli.add_subcommand("worker", "Run background job workers and the scheduler (no HTTP)");
  cli.add_subcommand("migrate", "Apply pending database migrations");

  std::string content_dir;
  auto* content = cli.add_subcommand("content", "Manage site content");
  content->require_subcommand(1);
  auto* sync =
      content->add_subcommand("sync", "Load content/ (Markdown with front matter) into the database");
  sync->add_option("--dir", content_dir, "Content directory (default: SHARE_DIR/content)");

  std::string export_dir;
  auto* export_cmd = cli.add_subcommand("export", "Write the public site as static files for a CDN");
  export_cmd->add_option("--out", export_dir, "Output directory")->required();

  std::string analyze_file;
  bool analyze_json = false;
  auto* analyze = cli.add_subcommand("analyze", "Profile a dataset file (CSV, TSV, JSON, NDJSON, XML, XLSX)");
  analyze->add_option("file", analyze_file, "The file to profile")->required();
  analyze->add_flag("--json", analyze_json, "Print the analysis document as JSON");

  CLI11_PARSE(cli, argc, argv);
  // Needs no database or configuration: runs before the application is built.
  if (analyze->parsed()) return iv::app::run_analyze(analyze_file, analyze_json, stdout, stderr);
  config.header_timeout = std::chrono::milliseconds(header_timeout_ms);
  config.idle_timeout = std::chrono::milliseconds(idle_timeout_ms);

  try {
    iv::app::finalize(config);
    iv::app::Application app(config);
    if (serve->parsed()) return app.serve(serve_options);
    if (worker->parsed()) return app.work();
    if (cli.got_subcommand("migrate")) return app.migrate();
    if (sync->parsed()) {
      return app.content_sync(content_dir.empty() ? config.share_dir / "content"
                                                  : std::filesystem::path(content_dir));
    }
    if (export_cmd->parsed()) return app.export_site(export_dir);
  } catch (const std::exception& e) {
    std::string line = R"({"level":"error","msg":"fatal","error":)";
    iv::observe::append_json_string(line, e.what());
    std::fprintf(stderr, "%s}\n", line.c_str());
    return 1;
  }
  return 0;
}
