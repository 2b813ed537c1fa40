// Accumulates an AnnotationSummary while a reader streams the annotations of
// a COCO file or Pascal VOC XML. Memory: one counter per class and, for
// COCO, one per annotated image (a hash map of ten million images is about
// 400 MB, so the reader stops tracking images past `max_tracked_images`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "analysis/annotations.h"

namespace iv::analysis {

// Count, mean, min, max and standard deviation in one pass (Welford).
class RunningSummary {
 public:
  void add(double value);
  Summary summary() const;

 private:
  std::uint64_t count_ = 0;
  double mean_ = 0, m2_ = 0, min_ = 0, max_ = 0;
};

class AnnotationAccumulator {
 public:
  explicit AnnotationAccumulator(std::string kind, std::uint64_t max_tracked_images = 10'000'000)
      : kind_(std::move(kind)), max_tracked_images_(max_tracked_images) {}

  // One annotation of class `name`, with its box when it has one.
  void add(std::string_view class_name, std::optional<double> width, std::optional<double> height,
           std::optional<double> area);
  // COCO: the annotation belongs to `image_id`.
  void count_for_image(std::int64_t image_id);
  // VOC: one image with `annotations` objects.
  void add_image(std::uint64_t annotations);
  // COCO: the number of entries in "images".
  void set_image_total(std::uint64_t images) { image_total_ = images; }

  // Classes most frequent first; images without annotations count as zero
  // in annotations_per_image.
  AnnotationSummary finish() const;
  // False when more images than max_tracked_images had annotations.
  bool per_image_complete() const { return !per_image_overflow_; }

 private:
  std::string kind_;
  std::uint64_t max_tracked_images_;
  std::uint64_t annotations_ = 0;
  std::uint64_t image_total_ = 0;
  std::unordered_map<std::string, std::uint64_t> classes_;
  std::unordered_map<std::int64_t, std::uint32_t> per_image_;
  bool per_image_overflow_ = false;
  RunningSummary voc_per_image_;
  std::uint64_t voc_images_ = 0;
  RunningSummary width_, height_, area_;
};

}  // namespace iv::analysis
