// Port for malware scanning of uploaded files (ClamAV's clamd in production:
// clamd_scanner.h).
#pragma once

#include <istream>
#include <string>

namespace iv::integrations {

struct ScanVerdict {
  enum class Kind {
    clean,
    infected,  // `detail` is the signature name, e.g. "Eicar-Test-Signature"
    error,     // the scan did not happen (scanner down, size limit, ...): `detail` says why
  } kind = Kind::error;
  std::string detail;
};

class VirusScanner {
 public:
  virtual ~VirusScanner() = default;
  // Reads `content` to its end and scans it. Never throws for scanner trouble.
  virtual ScanVerdict scan(std::istream& content) = 0;
};

}  // namespace iv::integrations
