#pragma once
// Wall-clock time as AWS restJson1 carries it: seconds since the Unix epoch (UTC), fractional.
#include <chrono>

namespace openhi {

using WallTime = std::chrono::system_clock::time_point;

inline double ToEpochSeconds(WallTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}
inline WallTime FromEpochSeconds(double s) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::duration<double>(s)));
}
inline double NowEpochSeconds() { return ToEpochSeconds(std::chrono::system_clock::now()); }

}  // namespace openhi
