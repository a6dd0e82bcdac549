#include "openhi/ops/folder_pixel_source.h"

#include <atomic>
#include <mutex>

#include "openhi/core/file_util.h"
#include "openhi/dicom/dicom_file.h"

namespace openhi::ops {
namespace {

constexpr dicom::Tag kSopInstanceUid = dicom::MakeTag(0x0008, 0x0018);

Status DecodeFile(const FolderPixelSource::File& file, size_t index,
                  const std::function<Status(size_t, uint32_t, const codec::Image&)>& on_frame,
                  const std::atomic<bool>& stop) {
  OPENHI_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(file.path));
  OPENHI_ASSIGN_OR_RETURN(dicom::DicomFile parsed, dicom::DicomFile::Parse(bytes));
  bytes = Bytes();  // the parsed file holds its own copy
  Result<std::string> uid = parsed.GetString(kSopInstanceUid);
  if (!uid.ok() || *uid != file.sop_instance_uid) {
    return FailedPrecondition("the file changed since it was loaded (SOPInstanceUID differs)");
  }
  for (uint32_t f = 0; f < file.number_of_frames && !stop.load(); ++f) {
    OPENHI_ASSIGN_OR_RETURN(codec::Image image, parsed.DecodeFrame(f));
    OPENHI_RETURN_IF_ERROR(on_frame(index, f, image));
  }
  return Status::Ok();
}

}  // namespace

Status FolderPixelSource::ForEachFrame(
    const std::function<Status(size_t, uint32_t, const codec::Image&)>& on_frame) const {
  std::atomic<bool> stop{false};
  std::mutex mu;
  Status first_error;  // GUARDED_BY(mu)
  pool_->ParallelFor(files_.size(), [&](size_t i) {
    if (stop.load() || files_[i].number_of_frames == 0) return;
    Status s = DecodeFile(files_[i], i, on_frame, stop);
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      if (first_error.ok()) first_error = s.WithContext(files_[i].path.string());
      stop.store(true);
    }
  });
  return first_error;
}

}  // namespace openhi::ops
