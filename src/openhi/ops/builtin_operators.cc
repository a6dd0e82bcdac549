#include "openhi/ops/builtin_operators.h"

#include "openhi/ops/dicom_folder_loader.h"
#include "openhi/ops/image_set_loader.h"
#include "openhi/ops/nifti_writer_operator.h"
#include "openhi/ops/seg_writer_operator.h"
#include "openhi/ops/series_selector_operator.h"
#include "openhi/ops/series_to_volume_operator.h"
#include "openhi/ops/stl_writer_operator.h"

namespace openhi::ops {

Status RegisterBuiltinOperators(app::OperatorRegistry& registry) {
  OPENHI_RETURN_IF_ERROR(RegisterDicomFolderLoader(registry));
  OPENHI_RETURN_IF_ERROR(RegisterImageSetLoader(registry));
  OPENHI_RETURN_IF_ERROR(RegisterSeriesSelector(registry));
  OPENHI_RETURN_IF_ERROR(RegisterSeriesToVolume(registry));
  OPENHI_RETURN_IF_ERROR(RegisterSegWriter(registry));
  OPENHI_RETURN_IF_ERROR(RegisterStlWriter(registry));
  OPENHI_RETURN_IF_ERROR(RegisterNiftiWriter(registry));
  return Status::Ok();
}

}  // namespace openhi::ops
