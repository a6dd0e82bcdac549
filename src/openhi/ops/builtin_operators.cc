#include "openhi/ops/builtin_operators.h"

#include "openhi/ops/dicom_folder_loader.h"
#include "openhi/ops/series_selector_operator.h"
#include "openhi/ops/series_to_volume_operator.h"

namespace openhi::ops {

Status RegisterBuiltinOperators(app::OperatorRegistry& registry) {
  OPENHI_RETURN_IF_ERROR(RegisterDicomFolderLoader(registry));
  OPENHI_RETURN_IF_ERROR(RegisterSeriesSelector(registry));
  OPENHI_RETURN_IF_ERROR(RegisterSeriesToVolume(registry));
  return Status::Ok();
}

}  // namespace openhi::ops
