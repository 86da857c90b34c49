#include "scenarios/experiment/report/stats.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace sct::scenarios::experiment {
namespace {

// t(0.975, df) for df = 1..30.
constexpr double kT975[] = {
    12.706204736174698, 4.302652729749464, 3.182446305284263, 2.776445105197799,
    2.570581835636314,  2.446911851144969, 2.364624251592785, 2.306004135204166,
    2.262157162798205,  2.228138851986274, 2.200985160082949, 2.178812829663418,
    2.160368656461013,  2.144786687916926, 2.131449545559323, 2.119905299221011,
    2.109815577833318,  2.100922040241036, 2.093024054408263, 2.085963447265837,
    2.079613844727662,  2.073873067904015, 2.068657610419041, 2.063898561628021,
    2.059538552753294,  2.055529438642871, 2.051830516480283, 2.048407141795244,
    2.045229642132703,  2.042272456301238,
};

}  // namespace

Proportion WilsonInterval(uint64_t successes, uint64_t trials, double z) {
  Proportion p;
  if (trials == 0) return p;
  successes = std::min(successes, trials);
  const double n = static_cast<double>(trials);
  const double phat = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double denom = 1 + z2 / n;
  const double center = (phat + z2 / (2 * n)) / denom;
  const double half = z / denom * std::sqrt(phat * (1 - phat) / n + z2 / (4 * n * n));
  p.estimate = phat;
  // The exact ends at 0 and n successes; rounding must not leave them a hair off.
  p.low = successes == 0 ? 0.0 : std::max(0.0, center - half);
  p.high = successes == trials ? 1.0 : std::min(1.0, center + half);
  return p;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  p = std::clamp(p, 0.0, 100.0);
  const double rank = p / 100.0 * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  const double frac = rank - static_cast<double>(lo);
  return values[lo] + frac * (values[hi] - values[lo]);
}

double StudentT975(uint32_t degrees_of_freedom) {
  const uint32_t df = std::max<uint32_t>(degrees_of_freedom, 1);
  if (df <= std::size(kT975)) return kT975[df - 1];
  // Cornish-Fisher expansion of t around the normal quantile (Abramowitz &
  // Stegun 26.7.5).
  const double z = kZ95, v = df;
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v) +
         (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * v * v * v * v);
}

Summary Summarize(const std::vector<double>& values) {
  Summary s;
  if (values.empty()) return s;
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  s.n = static_cast<uint32_t>(sorted.size());
  double sum = 0;
  for (double v : sorted) sum += v;
  s.mean = sum / s.n;
  if (s.n >= 2) {
    double squares = 0;
    for (double v : sorted) squares += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(squares / (s.n - 1));
  }
  const double half = s.n >= 2 ? StudentT975(s.n - 1) * s.stddev / std::sqrt(s.n) : 0.0;
  s.mean_ci_low = s.mean - half;
  s.mean_ci_high = s.mean + half;
  s.min = sorted.front();
  s.max = sorted.back();
  s.p50 = Percentile(sorted, 50);
  s.p90 = Percentile(sorted, 90);
  s.p95 = Percentile(sorted, 95);
  s.p99 = Percentile(sorted, 99);
  return s;
}

}  // namespace sct::scenarios::experiment
