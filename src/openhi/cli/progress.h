#pragma once
// A one-line import progress display on a terminal (files, MB/s, ETA). Silent when stderr is not
// a TTY, so piped and CI output stays clean. Thread-safe: calls are serialised by the caller
// (Store invokes the progress callback one call at a time).
#include "openhi/store/store.h"

namespace openhi::cli {

class ProgressLine {
 public:
  // `enabled` false makes every call a no-op; default: isatty(stderr).
  ProgressLine();
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  ~ProgressLine();

  void Update(const store::ImportProgress& p);

 private:
  bool enabled_;
  bool printed_ = false;
  double last_print_ = -1;
};

}  // namespace openhi::cli
