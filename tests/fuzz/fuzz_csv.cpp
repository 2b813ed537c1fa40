// libFuzzer target: CSV/TSV dialect sniffing, encodings and the scanner.
#include "analysis/csv_dialect.h"
#include "analysis/csv_reader.h"
#include "analysis/encoding.h"
#include "analysis/format.h"
#include "fuzz_support.h"

using namespace iv::analysis;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::MemoryFile file;
  if (size < 1) return 0;
  // The first byte picks the dialect, so the scanner sees every quote and
  // delimiter combination, not only what the sniffer would choose.
  static constexpr char kDelimiters[] = {',', ';', '\t', '|'};
  CsvDialect dialect;
  dialect.delimiter = kDelimiters[data[0] & 3];
  dialect.quote = (data[0] & 4) ? '\'' : '"';
  dialect.header = (data[0] & 8) != 0;
  bool sniff = (data[0] & 16) != 0;
  ++data;
  --size;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Encoding encoding = detect_encoding(bytes);
  const std::string& path = file.write(data, size);
  (void)detect_format(bytes, "fuzz.csv");
  if (sniff) {
    std::string text;
    TextDecoder decoder(encoding);
    decoder.decode(bytes, true, text);
    dialect = sniff_dialect(text, true);
  }
  auto text = TextSource::open(path, encoding);
  if (!text) return 0;
  fuzz::TouchingSink sink;
  ReadLimits limits = fuzz::fuzz_limits();
  (void)read_csv(*text, dialect, limits, sink);
  return 0;
}
