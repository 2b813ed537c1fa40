#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/reader.h"
#include "support/recording_sink.h"

namespace iv::analysis {
namespace {

using testing::NullSink;
using testing::Read;
using testing::read_text;
using testing::RecordingSink;
using testing::TempDir;

TEST(ReaderJson, ArrayOfRecordsIsFlattened) {
  TempDir dir;
  auto read = read_text(dir, "a.json", R"([
    {"id": 1, "name": "Asha", "score": 9.50, "active": true, "note": null,
     "address": {"city": "Pune", "geo": {"lat": 18.5}}, "tags": ["a", "b", "c"], "empty": {}},
    {"id": 2, "name": "R\u00e4vi \"R\"", "score": -1e3, "active": false}
  ])");
  ASSERT_TRUE(read.result) << read.result.error().message;
  EXPECT_EQ(read.result->format, Format::json);
  ASSERT_EQ(read.sink.records().size(), 2u);
  EXPECT_EQ(read.sink.value(0, "id"), "1");
  EXPECT_EQ(read.sink.kind(0, "id"), ValueKind::number);
  EXPECT_EQ(read.sink.value(0, "score"), "9.50");  // raw text
  EXPECT_EQ(read.sink.kind(0, "active"), ValueKind::boolean);
  EXPECT_EQ(read.sink.value(0, "active"), "true");
  EXPECT_EQ(read.sink.kind(0, "note"), ValueKind::null);
  EXPECT_EQ(read.sink.value(0, "address.city"), "Pune");
  EXPECT_EQ(read.sink.value(0, "address.geo.lat"), "18.5");
  EXPECT_EQ(read.sink.value(0, "tags"), "[3 items]");
  EXPECT_EQ(read.sink.value(0, "empty"), "{}");
  EXPECT_EQ(read.sink.value(1, "name"), "R\xC3\xA4vi \"R\"");
  EXPECT_EQ(read.sink.value(1, "score"), "-1e3");
  EXPECT_EQ(read.sink.records()[1].size(), 4u);
}

TEST(ReaderJson, ScalarElementsBecomeValueField) {
  TempDir dir;
  auto read = read_text(dir, "s.json", R"([1, "two", [3, 4], null])");
  ASSERT_TRUE(read.result) << read.result.error().message;
  ASSERT_EQ(read.sink.records().size(), 4u);
  EXPECT_EQ(read.sink.value(0, "value"), "1");
  EXPECT_EQ(read.sink.value(1, "value"), "two");
  EXPECT_EQ(read.sink.value(2, "value"), "[2 items]");
  EXPECT_EQ(read.sink.kind(3, "value"), ValueKind::null);
}

TEST(ReaderJson, ObjectWithRecordsArray) {
  TempDir dir;
  auto read = read_text(dir, "w.json", R"({"meta": {"count": 2, "deep": [[1]]}, "small": [{"x": 1}],
    "data": [{"id": "a"}, {"id": "b"}, {"id": "c"}], "tail": "end"})");
  ASSERT_TRUE(read.result) << read.result.error().message;
  EXPECT_EQ(read.result->dialect, "records in \"data\"");
  ASSERT_EQ(read.sink.records().size(), 3u);
  EXPECT_EQ(read.sink.value(2, "id"), "c");
}

TEST(ReaderJson, ObjectWithoutArrayIsOneRecord) {
  TempDir dir;
  auto read = read_text(dir, "o.json", R"({"name": "solo", "n": 3, "inner": {"k": "v"}})");
  ASSERT_TRUE(read.result) << read.result.error().message;
  ASSERT_EQ(read.sink.records().size(), 1u);
  EXPECT_EQ(read.sink.value(0, "inner.k"), "v");
}

TEST(ReaderJson, EmptyArrayHasNoRecords) {
  TempDir dir;
  auto read = read_text(dir, "e.json", "[ ]");
  ASSERT_TRUE(read.result);
  EXPECT_EQ(read.sink.record_calls, 0u);
}

TEST(ReaderJson, MalformedDocumentIsRefused) {
  TempDir dir;
  auto unbalanced = read_text(dir, "m.json", R"([{"a": 1}, {"a": 2)");
  ASSERT_FALSE(unbalanced.result);
  EXPECT_EQ(unbalanced.result.error().code, "malformed");
  // Found by fuzz_json: an empty element.
  auto empty_element = read_text(dir, "e.json", R"({"ime":[,nme":[ge_i})");
  ASSERT_FALSE(empty_element.result);
  EXPECT_EQ(empty_element.result.error().code, "malformed");
  auto empty_in_array = read_text(dir, "f.json", R"([{"a": 1},,{"a": 2}])");
  ASSERT_FALSE(empty_in_array.result);
  EXPECT_EQ(empty_in_array.result.error().code, "malformed");
  // Found by fuzz_json: brackets of the wrong kind made the two passes over
  // an object disagree.
  auto mismatched =
      read_text(dir, "g.json", R"({"images": [{"id": 1], "annotations": [], "categories": []})");
  ASSERT_FALSE(mismatched.result);
  EXPECT_EQ(mismatched.result.error().code, "malformed");
  auto all_bad = read_text(dir, "b.json", R"([{"a": tru}])");
  ASSERT_FALSE(all_bad.result);
  EXPECT_EQ(all_bad.result.error().code, "malformed");
}

TEST(ReaderJson, BadElementIsSkippedWithWarning) {
  TempDir dir;
  auto read = read_text(dir, "b.json", R"([{"a": 1}, {"a": nul}, {"a": 3}])");
  ASSERT_TRUE(read.result) << read.result.error().message;
  EXPECT_EQ(read.sink.records().size(), 2u);
  EXPECT_TRUE(read.sink.has_warning("bad_records"));
}

TEST(ReaderJson, StringsWithBracketsAndEscapesDoNotConfuseTheScanner) {
  TempDir dir;
  auto read = read_text(dir, "t.json", R"([{"s": "]}{[\"\\"}, {"s": "\\\""}])");
  ASSERT_TRUE(read.result) << read.result.error().message;
  ASSERT_EQ(read.sink.records().size(), 2u);
  EXPECT_EQ(read.sink.value(0, "s"), "]}{[\"\\");
  EXPECT_EQ(read.sink.value(1, "s"), "\\\"");
}

TEST(ReaderJson, DepthLimit) {
  TempDir dir;
  ReadLimits limits;
  limits.max_depth = 4;
  auto ok = read_text(dir, "ok.json", R"([{"a": {"b": {"c": 1}}}])", limits);
  ASSERT_TRUE(ok.result) << ok.result.error().message;
  EXPECT_EQ(ok.sink.value(0, "a.b.c"), "1");
  auto deep = read_text(dir, "deep.json", R"([{"a": {"b": {"c": {"d": 1}}}}])", limits);
  ASSERT_FALSE(deep.result);
  EXPECT_EQ(deep.result.error().code, "too_deep");
}

TEST(ReaderJson, LargeArrayStreamsAcrossChunks) {
  TempDir dir;
  std::string text = "[";
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    if (i) text += ",\n";
    text += "{\"id\": " + std::to_string(i) + ", \"name\": \"item \\\"" + std::to_string(i) +
            "\\\" [x]\", \"nested\": {\"v\": " + std::to_string(i % 7) + "}}";
  }
  text += "]";
  RecordingSink sink(1'000'000);
  auto result = read_dataset(dir.write("big.json", text), "big.json", sink);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(sink.records().size(), static_cast<std::size_t>(n));
  for (int i : {0, 1, 4095, 123456, n - 1}) {
    EXPECT_EQ(sink.value(i, "id"), std::to_string(i));
    EXPECT_EQ(sink.value(i, "name"), "item \"" + std::to_string(i) + "\" [x]");
    EXPECT_EQ(sink.value(i, "nested.v"), std::to_string(i % 7));
  }
}

TEST(ReaderJson, RecordTooLarge) {
  TempDir dir;
  ReadLimits limits;
  limits.max_record_bytes = 1000;
  auto read = read_text(dir, "r.json", "[{\"a\": \"" + std::string(5000, 'x') + "\"}]", limits);
  ASSERT_FALSE(read.result);
  EXPECT_EQ(read.result.error().code, "record_too_large");
}

TEST(ReaderNdjson, OneRecordPerLineWithBadLinesSkipped) {
  TempDir dir;
  auto read = read_text(dir, "n.ndjson",
                        "{\"a\": 1, \"b\": {\"c\": \"x\"}}\n\n{\"a\": 2}\r\n{broken\n  \n{\"a\": 3}");
  ASSERT_TRUE(read.result) << read.result.error().message;
  EXPECT_EQ(read.result->format, Format::ndjson);
  ASSERT_EQ(read.sink.records().size(), 3u);
  EXPECT_EQ(read.sink.value(0, "b.c"), "x");
  EXPECT_EQ(read.sink.value(2, "a"), "3");
  EXPECT_EQ(read.sink.warning_count("bad_records"), 1u);
}

TEST(ReaderNdjson, DetectedWithoutExtension) {
  TempDir dir;
  auto read = read_text(dir, "data.txt", "{\"a\": 1}\n{\"a\": 2}\n");
  ASSERT_TRUE(read.result);
  EXPECT_EQ(read.result->format, Format::ndjson);
  EXPECT_EQ(read.sink.records().size(), 2u);
}

TEST(ReaderNdjson, AllLinesBadIsMalformed) {
  TempDir dir;
  auto read = read_text(dir, "x.jsonl", "{nope\n{still nope\n");
  ASSERT_FALSE(read.result);
  EXPECT_EQ(read.result.error().code, "malformed");
}

TEST(ReaderJson, Utf16Json) {
  TempDir dir;
  std::u16string text = u"[{\"city\": \"M\u00fcnchen\"}]";
  std::string bytes = "\xFF\xFE";
  for (char16_t unit : text)
    bytes += std::string{static_cast<char>(unit & 0xFF), static_cast<char>(unit >> 8)};
  auto read = read_text(dir, "u.json", bytes);
  ASSERT_TRUE(read.result) << read.result.error().message;
  EXPECT_EQ(read.result->encoding, "utf-16le");
  EXPECT_EQ(read.sink.value(0, "city"), "M\xC3\xBCnchen");
}

TEST(ReaderCoco, StreamsAnnotationsAndSummarises) {
  TempDir dir;
  // Categories after annotations, as many exporters write them.
  auto read = read_text(dir, "instances.json", R"({
    "info": {"year": 2024},
    "images": [{"id": 1, "file_name": "a.jpg"}, {"id": 2, "file_name": "b.jpg"}, {"id": 3, "file_name": "c.jpg"}],
    "annotations": [
      {"id": 10, "image_id": 1, "category_id": 7, "bbox": [0, 0, 10, 20], "area": 200, "iscrowd": 0},
      {"id": 11, "image_id": 1, "category_id": 7, "bbox": [5, 5, 30, 10], "area": 300, "iscrowd": 0},
      {"id": 12, "image_id": 2, "category_id": 9, "bbox": [1, 2, 4, 4], "iscrowd": 1}
    ],
    "categories": [{"id": 7, "name": "cat"}, {"id": 9, "name": "dog"}]
  })");
  ASSERT_TRUE(read.result) << read.result.error().message;
  ASSERT_TRUE(read.result->annotations);
  const AnnotationSummary& coco = *read.result->annotations;
  EXPECT_EQ(coco.kind, "coco");
  EXPECT_EQ(coco.images, 3u);
  EXPECT_EQ(coco.annotations, 3u);
  ASSERT_EQ(coco.classes.size(), 2u);
  EXPECT_EQ(coco.classes[0].name, "cat");
  EXPECT_EQ(coco.classes[0].count, 2u);
  EXPECT_EQ(coco.classes[1].name, "dog");
  EXPECT_DOUBLE_EQ(coco.imbalance_ratio, 2.0);
  EXPECT_EQ(coco.annotations_per_image.count, 3u);  // image 3 has none
  EXPECT_DOUBLE_EQ(coco.annotations_per_image.mean, 1.0);
  EXPECT_DOUBLE_EQ(coco.annotations_per_image.max, 2.0);
  EXPECT_DOUBLE_EQ(coco.annotations_per_image.min, 0.0);
  EXPECT_DOUBLE_EQ(coco.box_width.max, 30.0);
  EXPECT_DOUBLE_EQ(coco.box_height.min, 4.0);
  EXPECT_DOUBLE_EQ(coco.box_area.max, 300.0);
  EXPECT_DOUBLE_EQ(coco.box_area.min, 16.0);  // computed from the box when "area" is missing
  ASSERT_EQ(read.sink.records().size(), 3u);
  EXPECT_EQ(read.sink.value(0, "category"), "cat");
  EXPECT_EQ(read.sink.value(2, "category"), "dog");
  EXPECT_EQ(read.sink.value(1, "bbox_width"), "30");
  EXPECT_EQ(read.sink.kind(1, "bbox_width"), ValueKind::number);
  EXPECT_EQ(read.sink.kind(2, "area"), ValueKind::null);
  EXPECT_EQ(read.sink.value(2, "iscrowd"), "1");
}

// Run by hand: analysis_tests --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
TEST(ReaderJson, DISABLED_Throughput) {
  TempDir dir;
  std::string record =
      R"({"id": 12345, "name": "Asha Rao", "email": "asha@example.com", "date": "2024-01-15", "amount": 1234.56,)"
      R"( "address": {"city": "Pune", "pin": "411001"}, "flag": true, "tags": ["a", "b"], "n": 42, "share": 0.5})";
  std::string array = "[", lines;
  while (array.size() < 256 * 1024 * 1024) {
    array += record + ",\n";
    lines += record + "\n";
  }
  array.resize(array.size() - 2);
  array += "]";
  auto json = dir.write("speed.json", array);
  auto ndjson = dir.write("speed.ndjson", lines);
  array.clear();
  lines.clear();
  for (auto [path, name] : {std::pair{json, "json"}, std::pair{ndjson, "ndjson"}}) {
    NullSink sink;
    auto start = std::chrono::steady_clock::now();
    auto result = read_dataset(path, path.filename().string(), sink);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(result) << result.error().message;
    double mb = static_cast<double>(result->bytes) / 1e6;
    std::printf("%s: %.0f MB in %.3f s = %.0f MB/s (%llu records)\n", name, mb, seconds, mb / seconds,
                static_cast<unsigned long long>(sink.records));
  }
}

}  // namespace
}  // namespace iv::analysis
