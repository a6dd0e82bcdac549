#include "openhi/cli/synth_command.h"

#include <memory>

#include "openhi/cli/cli_output.h"
#include "openhi/synth/synth.h"

namespace openhi::cli {

void AddSynthCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<synth::SynthOptions>();
  auto orientation = std::make_shared<std::string>("axial");
  auto order = std::make_shared<std::string>("ascending");
  auto pixels = std::make_shared<std::string>("signed");
  auto syntax = std::make_shared<std::string>("explicit");
  auto no_blob = std::make_shared<bool>(false);
  auto spacing = std::make_shared<double>(0);
  CLI::App* c = app.add_subcommand("synth", "Write a synthetic CT series (+ mask.nrrd)");
  c->add_option("--output", o->output_dir, "Output folder")->required();
  c->add_flag("--overwrite", o->overwrite);
  c->add_option("--slices", o->slices)->capture_default_str();
  c->add_option("--rows", o->rows)->capture_default_str();
  c->add_option("--columns", o->columns)->capture_default_str();
  c->add_option("--pixel-spacing", *spacing, "In-plane spacing in mm (rows and columns)");
  c->add_option("--slice-spacing", o->slice_spacing_mm, "mm between slice centres")
      ->capture_default_str();
  c->add_option("--slice-thickness", o->slice_thickness_mm, "mm")->capture_default_str();
  c->add_option("--orientation", *orientation, "axial|coronal|sagittal|oblique")
      ->capture_default_str();
  c->add_option("--order", *order, "ascending|descending|shuffled")->capture_default_str();
  c->add_option("--pixels", *pixels, "signed|unsigned")->capture_default_str();
  c->add_option("--bits-stored", o->bits_stored, "12 or 16")->capture_default_str();
  c->add_option("--transfer-syntax", *syntax, "explicit|implicit")->capture_default_str();
  c->add_flag("--no-blob", *no_blob, "No labelled organ-like blob");
  c->add_option("--seed", o->seed)->capture_default_str();
  c->add_option("--noise", o->noise_sigma_hu, "Gaussian noise sigma in HU (0: exact tissue values)")
      ->capture_default_str();
  c->add_option("--blob-hu", o->blob_hu, "HU of the labelled blob")->capture_default_str();
  c->add_option("--patient-name", o->patient_name);
  c->add_option("--patient-id", o->patient_id);
  c->add_option("--series-description", o->series_description);
  c->callback([=] {
    auto fail = [&](const Status& s) { *exit_code = PrintError("Synth", s); };
    auto orient = synth::ParseOrientation(*orientation);
    if (!orient.ok()) return fail(orient.status());
    auto ord = synth::ParseSliceOrder(*order);
    if (!ord.ok()) return fail(ord.status());
    auto rep = synth::ParsePixelRepresentation(*pixels);
    if (!rep.ok()) return fail(rep.status());
    auto ts = synth::ParseTransferSyntax(*syntax);
    if (!ts.ok()) return fail(ts.status());
    o->orientation = *orient;
    o->order = *ord;
    o->pixel_representation = *rep;
    o->transfer_syntax = *ts;
    o->blob = !*no_blob;
    if (*spacing > 0) o->row_spacing_mm = o->column_spacing_mm = *spacing;
    auto series = synth::WriteSyntheticSeries(*o);
    if (!series.ok()) return fail(series.status());
    *exit_code = PrintJson({{"outputDir", o->output_dir.string()},
                            {"files", series->slices.size()},
                            {"studyInstanceUID", series->study_instance_uid},
                            {"seriesInstanceUID", series->series_instance_uid},
                            {"mask", series->mask_path.string()},
                            {"maskVoxels", series->mask_voxel_count}});
  });
}

}  // namespace openhi::cli
