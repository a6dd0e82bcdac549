#pragma once
// FolderPixelSource: the PixelSource of a series loaded from files. It keeps only the file
// paths: ForEachFrame re-reads and re-parses each file and decodes its frames
// (dicom::DicomFile::DecodeFrame) on a shared core::ThreadPool, one task per instance, so a
// large folder costs no pixel memory until a series is converted.
// Thread safety: immutable; ForEachFrame may be called concurrently, but never from a worker
// of `pool` (ThreadPool::ParallelFor must not nest).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "openhi/core/thread_pool.h"
#include "openhi/ops/dicom_series.h"

namespace openhi::ops {

class FolderPixelSource : public PixelSource {
 public:
  struct File {
    std::filesystem::path path;
    std::string sop_instance_uid;  // checked on re-read: the file must not have changed
    uint32_t number_of_frames = 1;
  };

  FolderPixelSource(std::vector<File> files, std::shared_ptr<ThreadPool> pool)
      : files_(std::move(files)), pool_(std::move(pool)) {}

  // Errors carry the file path: kNotFound (file gone), kFailedPrecondition (file changed:
  // another SOPInstanceUID), the DecodeFrame errors, or the callback's.
  Status ForEachFrame(const std::function<Status(size_t, uint32_t, const codec::Image&)>&
                          on_frame) const override;

 private:
  std::vector<File> files_;
  std::shared_ptr<ThreadPool> pool_;
};

}  // namespace openhi::ops
