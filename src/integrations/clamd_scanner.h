// VirusScanner over ClamAV's clamd INSTREAM command: the content is sent in
// chunks of <4-byte big-endian length><bytes>, ended by a zero length; clamd
// answers "stream: OK", "stream: <NAME> FOUND" or "... ERROR". When clamd
// stops reading (over StreamMaxLength it answers and closes), the reply is
// still read after the failed send, so the reason is reported.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "integrations/virus_scanner.h"

namespace iv::integrations {

struct ClamdSettings {
  std::string address;  // CLAMD_ADDRESS: "unix:/path/clamd.sock", "tcp://host:port" or "host:port"
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds io_timeout{120000};  // per send or receive (scanning a large file takes a while)
  std::size_t chunk_bytes = 64 * 1024;
};

class ClamdScanner final : public VirusScanner {
 public:
  // Throws std::invalid_argument when the address cannot be parsed.
  explicit ClamdScanner(ClamdSettings settings);
  ScanVerdict scan(std::istream& content) override;

 private:
  int connect_socket(std::string& error) const;

  ClamdSettings settings_;
  std::string unix_path_;  // set for unix sockets
  std::string host_;
  std::string port_;
};

// Interprets one clamd reply line (without the trailing NUL or newline).
ScanVerdict parse_clamd_reply(std::string_view reply);

}  // namespace iv::integrations
