#include "datasets/blob_store.h"

#include <algorithm>

namespace iv::datasets {

std::string_view area_name(BlobArea area) {
  switch (area) {
    case BlobArea::uploads:
      return "uploads";
    case BlobArea::results:
      return "results";
    case BlobArea::quarantine:
      return "quarantine";
  }
  return "uploads";
}

bool is_valid_blob_key(std::string_view key) {
  if (key.empty() || key.size() > 128 || key.front() == '.') return false;
  return std::ranges::all_of(key, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

}  // namespace iv::datasets
