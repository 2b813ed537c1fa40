// What an AI-training dataset says about its labels: the summary of COCO
// annotation files, Pascal VOC XML and labelled tables.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace iv::analysis {

struct ClassCount {
  std::string name;
  std::uint64_t count = 0;
};

// Mean, min, max and standard deviation of a quantity (pixels, counts).
struct Summary {
  std::uint64_t count = 0;
  double min = 0, max = 0, mean = 0, stddev = 0;
};

struct AnnotationSummary {
  std::string kind;                         // "coco", "pascal_voc", "labelled_table"
  std::string label_column;                 // for labelled_table: the column holding the class
  std::uint64_t images = 0;                 // 0 for labelled tables
  std::uint64_t annotations = 0;            // labelled rows for tables
  std::vector<ClassCount> classes;          // most frequent first
  Summary annotations_per_image;            // empty for labelled tables
  Summary box_width, box_height, box_area;  // pixels; empty when there are no boxes
  // max count / min count over classes; 1 is perfectly balanced.
  double imbalance_ratio = 0;
};

}  // namespace iv::analysis
