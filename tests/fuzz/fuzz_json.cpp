// libFuzzer target: the JSON document reader (array streaming, object
// survey, COCO) and the NDJSON reader.
#include "analysis/encoding.h"
#include "analysis/json_reader.h"
#include "fuzz_support.h"

using namespace iv::analysis;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::MemoryFile file;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string& path = file.write(data, size);
  Encoding encoding = detect_encoding(bytes);
  ReadLimits limits = fuzz::fuzz_limits();
  {
    fuzz::TouchingSink sink;
    ReadSummary summary;
    (void)read_json(path, encoding, limits, sink, summary);
  }
  {
    fuzz::TouchingSink sink;
    ReadSummary summary;
    (void)read_ndjson(path, encoding, limits, sink, summary);
  }
  return 0;
}
