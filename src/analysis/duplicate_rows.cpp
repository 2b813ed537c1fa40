#include "analysis/duplicate_rows.h"

#include <cmath>

namespace iv::analysis {

void DuplicateRows::insert(std::uint64_t fingerprint, std::uint64_t copies) {
  if (slots_.empty()) slots_.resize(1024);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = fingerprint & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.fingerprint == fingerprint) {
      slot.copies += copies;
      return;
    }
    if (slot.fingerprint == 0) {
      slot = Slot{fingerprint, copies};
      ++size_;
      break;
    }
  }
  if (size_ * 2 > slots_.size()) {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    size_ = 0;
    for (const Slot& slot : old) {
      if (slot.fingerprint != 0) insert(slot.fingerprint, slot.copies);
    }
  }
}

void DuplicateRows::halve_sample() {
  threshold_ >>= 1;
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.resize(old.size());
  size_ = 0;
  sampled_rows_ = 0;
  for (const Slot& slot : old) {
    if (slot.fingerprint != 0 && slot.fingerprint <= threshold_) {
      insert(slot.fingerprint, slot.copies);
      sampled_rows_ += slot.copies;
    }
  }
}

void DuplicateRows::add(std::uint64_t fingerprint) {
  if (fingerprint == 0) fingerprint = 1;
  if (fingerprint > threshold_) return;
  insert(fingerprint, 1);
  ++sampled_rows_;
  while (size_ >= kMaxSample) halve_sample();
}

std::uint64_t DuplicateRows::duplicates() const {
  const std::uint64_t sampled_duplicates = sampled_rows_ - size_;
  if (exact()) return sampled_duplicates;
  // Sampling rate: (threshold + 1) / 2^64.
  const double rate = (static_cast<double>(threshold_) + 1.0) / 18446744073709551616.0;
  return static_cast<std::uint64_t>(std::llround(static_cast<double>(sampled_duplicates) / rate));
}

std::size_t DuplicateRows::approximate_bytes() const {
  return sizeof(*this) + slots_.capacity() * sizeof(Slot);
}

}  // namespace iv::analysis
