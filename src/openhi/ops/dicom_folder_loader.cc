#include "openhi/ops/dicom_folder_loader.h"

#include <algorithm>
#include <map>
#include <optional>
#include <system_error>

#include "openhi/core/file_util.h"
#include "openhi/dicom/dicom_file.h"
#include "openhi/ops/dicom_attributes.h"
#include "openhi/ops/duplicate_positions.h"
#include "openhi/ops/folder_pixel_source.h"

namespace openhi::ops {
namespace {

namespace fs = std::filesystem;
using dicom::MakeTag;

constexpr char kDicomDirSopClass[] = "1.2.840.10008.1.3.10";
constexpr dicom::Tag kMediaStorageSopClassUid = MakeTag(0x0002, 0x0002);
constexpr dicom::Tag kSopClassUid = MakeTag(0x0008, 0x0016);
constexpr dicom::Tag kSopInstanceUid = MakeTag(0x0008, 0x0018);
constexpr dicom::Tag kStudyInstanceUid = MakeTag(0x0020, 0x000D);
constexpr dicom::Tag kSeriesInstanceUid = MakeTag(0x0020, 0x000E);

struct LoadedFile {
  fs::path path;
  std::string study_uid, series_uid, sop_instance_uid;
  DicomInstanceRef instance;
};

// Parses one file; nullopt plus `warning` when it is skipped.
std::optional<LoadedFile> LoadFile(const fs::path& path, std::string& warning) {
  auto skip = [&](const std::string& why) {
    warning = "skipped " + path.string() + ": " + why;
    return std::nullopt;
  };
  Result<Bytes> bytes = ReadFile(path);
  if (!bytes.ok()) return skip(bytes.status().message());
  Result<dicom::DicomFile> parsed = dicom::DicomFile::Parse(*bytes);
  if (!parsed.ok()) return skip("not readable as DICOM: " + parsed.status().message());
  *bytes = Bytes();
  const dicom::DicomFile& file = *parsed;
  for (dicom::Tag tag : {kMediaStorageSopClassUid, kSopClassUid}) {
    Result<std::string> sop_class = file.GetString(tag);
    if (sop_class.ok() && *sop_class == kDicomDirSopClass) return skip("DICOMDIR");
  }
  LoadedFile loaded;
  loaded.path = path;
  struct Required {
    dicom::Tag tag;
    const char* keyword;
    std::string* target;
  };
  std::string sop_class;
  for (const Required& r : {Required{kSopInstanceUid, "SOPInstanceUID", &loaded.sop_instance_uid},
                            Required{kSopClassUid, "SOPClassUID", &sop_class},
                            Required{kStudyInstanceUid, "StudyInstanceUID", &loaded.study_uid},
                            Required{kSeriesInstanceUid, "SeriesInstanceUID",
                                     &loaded.series_uid}}) {
    Result<std::string> v = file.GetString(r.tag);
    if (!v.ok()) return skip(std::string("no ") + r.keyword);
    *r.target = *v;
  }
  Status complete = file.CheckComplete();
  if (!complete.ok()) return skip(complete.message());
  Result<dicom::PixelInfo> pixels = file.Pixels();
  if (pixels.ok()) {
    loaded.instance.number_of_frames = pixels->number_of_frames;
  } else if (pixels.status().code() == StatusCode::kNotFound) {
    loaded.instance.number_of_frames = 0;
  } else {
    return skip("invalid pixel module: " + pixels.status().message());
  }
  loaded.instance.attributes = file.ToAhiJson();
  return loaded;
}

// Sorted regular files under `folder`.
Result<std::vector<fs::path>> ListFiles(const fs::path& folder) {
  std::error_code ec;
  if (!fs::exists(folder, ec)) return NotFound("input folder " + folder.string() + " does not exist");
  if (!fs::is_directory(folder, ec)) {
    return InvalidArgument("input " + folder.string() + " is not a folder");
  }
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
  if (ec) return InvalidArgument("cannot list " + folder.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return InvalidArgument("cannot list " + folder.string() + ": " + ec.message());
    std::error_code type_ec;
    if (it->is_regular_file(type_ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Result<FolderLoadResult> LoadDicomFolder(const fs::path& folder,
                                         std::shared_ptr<ThreadPool> pool) {
  OPENHI_ASSIGN_OR_RETURN(std::vector<fs::path> files, ListFiles(folder));
  FolderLoadResult result;
  result.files_seen = files.size();

  std::vector<std::optional<LoadedFile>> loaded(files.size());
  std::vector<std::string> file_warnings(files.size());
  pool->ParallelFor(files.size(),
                    [&](size_t i) { loaded[i] = LoadFile(files[i], file_warnings[i]); });
  for (std::string& w : file_warnings) {
    if (!w.empty()) result.warnings.push_back(std::move(w));
  }

  // Group in file order, then deduplicate positions per (study, series).
  std::vector<std::string> study_order;
  std::map<std::string, std::vector<std::string>> series_order;  // study -> series uids
  std::map<std::pair<std::string, std::string>, std::vector<LoadedFile*>> builds;
  for (std::optional<LoadedFile>& file : loaded) {
    if (!file) continue;
    auto key = std::make_pair(file->study_uid, file->series_uid);
    auto [it, new_series] = builds.try_emplace(key);
    if (new_series) {
      if (series_order.count(file->study_uid) == 0) study_order.push_back(file->study_uid);
      series_order[file->study_uid].push_back(file->series_uid);
    }
    it->second.push_back(&*file);
  }

  for (const std::string& study_uid : study_order) {
    DicomStudy study;
    study.study_instance_uid = study_uid;
    for (const std::string& series_uid : series_order[study_uid]) {
      const std::vector<LoadedFile*>& all = builds[{study_uid, series_uid}];
      std::vector<const DicomInstanceRef*> refs;
      for (const LoadedFile* file : all) refs.push_back(&file->instance);
      std::vector<size_t> kept = DeduplicatePositions(
          refs, series_uid, [&](size_t i) { return all[i]->path.string(); }, &result.warnings);
      DicomSeries series;
      series.study_instance_uid = study_uid;
      series.series_instance_uid = series_uid;
      std::vector<FolderPixelSource::File> sources;
      for (size_t index : kept) {
        LoadedFile* file = all[index];
        sources.push_back({file->path, file->sop_instance_uid, file->instance.number_of_frames});
        series.instances.push_back(std::move(file->instance));
      }
      result.instances_loaded += series.instances.size();
      series.pixels = std::make_shared<FolderPixelSource>(std::move(sources), pool);
      study.series.push_back(std::move(series));
    }
    result.studies.push_back(std::move(study));
  }
  return result;
}

void DicomFolderLoaderOperator::Setup(app::OperatorSpec& spec) {
  spec.Input<fs::path>("input_folder")
      .Optional()
      .Describe("folder to load; overrides the input_folder parameter");
  spec.Output<DicomStudyList>("dicom_study_list");
  spec.Param(input_folder_, "input_folder", "folder to load; empty: the app's input path",
             std::string());
  spec.Param(must_load_, "must_load", "fail when no DICOM instance was loaded", true);
}

Status DicomFolderLoaderOperator::Compute(app::InputContext& in, app::OutputContext& out,
                                          app::ExecutionContext& ctx) {
  OPENHI_ASSIGN_OR_RETURN(std::shared_ptr<const fs::path> port_folder,
                          in.Receive<fs::path>("input_folder"));
  fs::path folder = port_folder ? *port_folder
                    : !input_folder_->empty() ? fs::path(*input_folder_)
                                              : ctx.input_path();
  ctx.LogInfo("loading folder=" + folder.string());
  OPENHI_ASSIGN_OR_RETURN(FolderLoadResult loaded, LoadDicomFolder(folder, ctx.thread_pool()));
  for (const std::string& w : loaded.warnings) ctx.LogWarn(w);
  size_t series_count = 0;
  for (const DicomStudy& s : loaded.studies) series_count += s.series.size();
  ctx.LogInfo("loaded files=" + std::to_string(loaded.files_seen) +
              " instances=" + std::to_string(loaded.instances_loaded) +
              " studies=" + std::to_string(loaded.studies.size()) +
              " series=" + std::to_string(series_count));
  if (*must_load_ && loaded.instances_loaded == 0) {
    return NotFound("no DICOM instance could be loaded from " + folder.string());
  }
  return out.Emit<DicomStudyList>("dicom_study_list", std::move(loaded.studies));
}

Status RegisterDicomFolderLoader(app::OperatorRegistry& registry) {
  return registry.Register<DicomFolderLoaderOperator>(
      DicomFolderLoaderOperator::kTypeName,
      "loads the DICOM files of a folder (recursively) into studies and series");
}

}  // namespace openhi::ops
