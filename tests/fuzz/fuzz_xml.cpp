// libFuzzer target: the XML reader (record detection, records, Pascal VOC,
// entity refusal).
#include "analysis/encoding.h"
#include "analysis/xml_reader.h"
#include "fuzz_support.h"

using namespace iv::analysis;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::MemoryFile file;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string& path = file.write(data, size);
  fuzz::TouchingSink sink;
  ReadSummary summary;
  ReadLimits limits = fuzz::fuzz_limits();
  (void)read_xml(path, detect_encoding(bytes), limits, sink, summary);
  return 0;
}
