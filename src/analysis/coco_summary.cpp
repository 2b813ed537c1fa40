#include "analysis/coco_summary.h"

#include <algorithm>
#include <cmath>

namespace iv::analysis {

void RunningSummary::add(double value) {
  if (!std::isfinite(value)) return;
  ++count_;
  if (count_ == 1) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  double delta = value - mean_;
  mean_ += delta / static_cast<double>(count_);
  m2_ += delta * (value - mean_);
}

Summary RunningSummary::summary() const {
  Summary s;
  s.count = count_;
  if (count_ == 0) return s;
  s.min = min_;
  s.max = max_;
  s.mean = mean_;
  s.stddev = count_ > 1 ? std::sqrt(m2_ / static_cast<double>(count_ - 1)) : 0.0;
  return s;
}

void AnnotationAccumulator::add(std::string_view class_name, std::optional<double> width,
                                std::optional<double> height, std::optional<double> area) {
  ++annotations_;
  auto it = classes_.find(std::string(class_name));
  if (it == classes_.end()) {
    classes_.emplace(std::string(class_name), 1);
  } else {
    ++it->second;
  }
  if (width) width_.add(*width);
  if (height) height_.add(*height);
  if (!area && width && height) area = *width * *height;
  if (area) area_.add(*area);
}

void AnnotationAccumulator::count_for_image(std::int64_t image_id) {
  auto it = per_image_.find(image_id);
  if (it != per_image_.end()) {
    ++it->second;
  } else if (per_image_.size() < max_tracked_images_) {
    per_image_.emplace(image_id, 1);
  } else {
    per_image_overflow_ = true;
  }
}

void AnnotationAccumulator::add_image(std::uint64_t annotations) {
  ++voc_images_;
  voc_per_image_.add(static_cast<double>(annotations));
}

AnnotationSummary AnnotationAccumulator::finish() const {
  AnnotationSummary out;
  out.kind = kind_;
  out.annotations = annotations_;
  for (const auto& [name, count] : classes_) out.classes.push_back(ClassCount{name, count});
  std::sort(out.classes.begin(), out.classes.end(), [](const ClassCount& a, const ClassCount& b) {
    return a.count != b.count ? a.count > b.count : a.name < b.name;
  });
  if (!out.classes.empty()) {
    out.imbalance_ratio =
        static_cast<double>(out.classes.front().count) / static_cast<double>(out.classes.back().count);
  }
  if (voc_images_ > 0) {
    out.images = voc_images_;
    out.annotations_per_image = voc_per_image_.summary();
  } else {
    out.images = std::max<std::uint64_t>(image_total_, per_image_.size());
    RunningSummary per_image;
    for (const auto& [image, count] : per_image_) per_image.add(count);
    for (std::uint64_t i = per_image_.size(); i < out.images; ++i) per_image.add(0);
    out.annotations_per_image = per_image.summary();
  }
  out.box_width = width_.summary();
  out.box_height = height_.summary();
  out.box_area = area_.summary();
  return out;
}

}  // namespace iv::analysis
