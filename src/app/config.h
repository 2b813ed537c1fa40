// Run-time configuration: environment variables (the contract in DESIGN.md),
// overridden by command-line flags. Plain data; validated by validate().
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace iv::app {

struct Config {
  std::string host = "127.0.0.1";                  // HOST
  std::uint16_t port = 8080;                       // PORT
  std::filesystem::path data_dir = "data";         // DATA_DIR
  std::filesystem::path share_dir;                 // SHARE_DIR: templates/, static/, content/, migrations/, openapi/
  std::string public_base_url;                     // PUBLIC_BASE_URL; default http://HOST:PORT
  std::string database_url;                        // DATABASE_URL; empty: SQLite under DATA_DIR
  std::string secret_key;                          // SECRET_KEY; generated into DATA_DIR when unset
  std::string log_level = "info";                  // LOG_LEVEL
  bool access_log = true;                          // ACCESS_LOG=0 turns it off
  bool behind_tls = false;                         // BEHIND_TLS=1 adds HSTS
  int threads = 0;                                 // THREADS; 0 = one per core
  std::size_t max_connections = 10000;             // MAX_CONNECTIONS
  std::size_t max_header_bytes = 16 * 1024;        // MAX_HEADER_BYTES
  std::chrono::milliseconds header_timeout{10000}; // HEADER_TIMEOUT_MS
  std::chrono::milliseconds idle_timeout{60000};   // IDLE_TIMEOUT_MS
  std::chrono::milliseconds content_poll{2000};    // CONTENT_POLL_MS: how often to look for content changes
  std::string port_file;                           // --port-file: bound port written here (tests)
};

// Reads the environment. Throws std::invalid_argument naming the variable on a bad value.
Config config_from_environment();

// Fills defaults that depend on other fields (base URL, share dir) and checks
// ranges. Throws std::invalid_argument with a readable message.
void finalize(Config& config);

}  // namespace iv::app
