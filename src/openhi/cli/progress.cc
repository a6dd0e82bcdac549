#include "openhi/cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace openhi::cli {

ProgressLine::ProgressLine() : enabled_(::isatty(STDERR_FILENO) == 1) {}

ProgressLine::~ProgressLine() {
  if (printed_) std::fputc('\n', stderr);
}

void ProgressLine::Update(const store::ImportProgress& p) {
  if (!enabled_) return;
  bool last = p.files_done == p.files_total;
  if (!last && p.elapsed_seconds - last_print_ < 0.1) return;  // at most 10 redraws per second
  last_print_ = p.elapsed_seconds;
  double secs = p.elapsed_seconds > 0 ? p.elapsed_seconds : 1e-9;
  double mb_s = p.bytes_read / 1e6 / secs;
  double eta = p.files_done ? secs * (p.files_total - p.files_done) / p.files_done : 0;
  std::fprintf(stderr, "\rimport: %zu/%zu files  %.1f MB/s  %.1f MB pixels  ETA %.0fs   ",
               p.files_done, p.files_total, mb_s, p.pixel_bytes / 1e6, eta);
  std::fflush(stderr);
  printed_ = true;
}

}  // namespace openhi::cli
