#pragma once
// The DICOM folder loader (MONAI Deploy's DICOMDataLoaderOperator, spec §3.3).
//
// LoadDicomFolder reads every file under a folder (recursively, symlinked folders not
// followed), parses it with dicom::DicomFile on the thread pool, and groups the instances by
// StudyInstanceUID then SeriesInstanceUID. Files are visited in sorted path order, so studies,
// series and instances come out in a deterministic order (MONAI uses os.listdir order).
//
// Skipped, each with one warning naming the file (never an error, never a crash):
//   * files DCMTK cannot parse (not DICOM, or malformed);
//   * DICOMDIRs (SOP class or Media Storage SOP class 1.2.840.10008.1.3.10), as MONAI;
//   * instances missing SOPInstanceUID or SOPClassUID (as MONAI), or StudyInstanceUID or
//     SeriesInstanceUID (MONAI would fail on them);
//   * truncated files (DicomFile::CheckComplete) and images whose pixel module is invalid
//     (e.g. NumberOfFrames "1A"): their pixels could not be decoded later.
// Objects without Pixel Data (SR, RTSTRUCT...) are kept, with number_of_frames 0, as MONAI.
//
// Duplicate positions, as MONAI Deploy's loader since PR #535 ("Duplicate Input DICOM Spatial
// Coordinates", monai/deploy/operators/dicom_data_loader_operator.py, spec §3.3): among the
// instances of one study and series with the same ImagePositionPatient (all three values
// equal), only the one with the higher AcquisitionNumber is kept (a missing one counts as -1);
// on a tie the first one loaded is kept. The kept instance takes the place of the first one in
// the series order. Instances without a valid ImagePositionPatient are never deduplicated.
// Each removal is a warning. The rule is shared with the image-set loader: DeduplicatePositions
// (duplicate_positions.h).
//
// Memory: only the attributes (AHI JSON) are kept; pixels are re-read on demand by the series'
// FolderPixelSource.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "openhi/app/operator.h"
#include "openhi/app/operator_registry.h"
#include "openhi/core/thread_pool.h"
#include "openhi/ops/dicom_series.h"

namespace openhi::ops {

struct FolderLoadResult {
  DicomStudyList studies;
  size_t files_seen = 0;
  size_t instances_loaded = 0;      // after deduplication
  std::vector<std::string> warnings;  // in file order, then duplicate removals
};

// Files are parsed on `pool` (ThreadPool::ParallelFor): do not call this from one of its
// workers. Errors: kNotFound when `folder` does not exist; kInvalidArgument when it is not a
// folder (or cannot be listed). Per-file problems are warnings, see above.
Result<FolderLoadResult> LoadDicomFolder(const std::filesystem::path& folder,
                                         std::shared_ptr<ThreadPool> pool);

// Operator type "DICOMDataLoaderOperator".
//   input  input_folder      std::filesystem::path, optional: overrides the parameter
//   output dicom_study_list  DicomStudyList
//   param  input_folder (string, ""): the folder; "" = the app's input path
//   param  must_load (bool, true): fail with kNotFound when no instance was loaded
// Warnings go to the app log (ctx.LogWarn), one per skipped file.
class DicomFolderLoaderOperator : public app::Operator {
 public:
  static constexpr char kTypeName[] = "DICOMDataLoaderOperator";

  void Setup(app::OperatorSpec& spec) override;
  Status Compute(app::InputContext& in, app::OutputContext& out,
                 app::ExecutionContext& ctx) override;

 private:
  app::Parameter<std::string> input_folder_;
  app::Parameter<bool> must_load_;
};

Status RegisterDicomFolderLoader(app::OperatorRegistry& registry);

}  // namespace openhi::ops
