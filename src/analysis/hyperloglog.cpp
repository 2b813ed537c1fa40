#include "analysis/hyperloglog.h"

#include <cmath>
#include <limits>

namespace iv::analysis {
namespace {

// The largest register value: 64 - precision bits, plus one.
constexpr int kMaxRank = 64 - HyperLogLog::kPrecision + 1;

// sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for the zero registers.
double sigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double power_weight = 1.0;
  double sum = x;
  for (;;) {
    x *= x;
    const double previous = sum;
    sum += x * power_weight;
    power_weight += power_weight;
    if (sum == previous) return sum;
  }
}

// tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, for saturated registers.
double tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double weight = 1.0;
  double sum = 1.0 - x;
  for (;;) {
    x = std::sqrt(x);
    const double previous = sum;
    weight *= 0.5;
    sum -= (1.0 - x) * (1.0 - x) * weight;
    if (sum == previous) return sum / 3.0;
  }
}

}  // namespace

void HyperLogLog::merge(const HyperLogLog& other) {
  for (std::size_t i = 0; i < kRegisters; ++i) {
    if (other.registers_[i] > registers_[i]) registers_[i] = other.registers_[i];
  }
}

double HyperLogLog::estimate() const {
  std::array<std::uint32_t, kMaxRank + 1> histogram{};
  for (const std::uint8_t value : registers_) ++histogram[value];
  const double m = static_cast<double>(kRegisters);
  double z = m * tau(1.0 - histogram[kMaxRank] / m);
  for (int k = kMaxRank - 1; k >= 1; --k) z = 0.5 * (z + histogram[k]);
  z += m * sigma(histogram[0] / m);
  const double alpha_infinity = 1.0 / (2.0 * std::log(2.0));
  return alpha_infinity * m * m / z;
}

}  // namespace iv::analysis
