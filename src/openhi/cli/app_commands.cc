#include "openhi/cli/app_commands.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "openhi/app/app_json.h"
#include "openhi/app/app_paths.h"
#include "openhi/app/package.h"
#include "openhi/cli/cli_output.h"
#include "openhi/core/heap_policy.h"
#include "openhi/infer/analytic_models.h"
#include "openhi/runner/run_app.h"

namespace openhi::cli {
namespace {

namespace fs = std::filesystem;

void AddPackageCommand(CLI::App& app, int* exit_code) {
  struct Flags {
    fs::path app_dir, model, output;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c =
      app.add_subcommand("package", "Package an app folder and its models as model.tar.gz");
  c->add_option("APP_DIR", f->app_dir, "Folder with app.json")->required();
  c->add_option("-m,--model", f->model, "Model folder (or one model file) to put under models/");
  c->add_option("-o,--output", f->output, "The package to write (model.tar.gz)")->required();
  c->callback([f, exit_code] {
    auto fail = [&](const Status& s) { *exit_code = PrintError("Package", s); };
    app::OperatorRegistry registry;
    if (Status s = runner::RegisterAllOperators(registry); !s.ok()) return fail(s);
    auto loaded = app::LoadAppFromFile(f->app_dir / "app.json", registry);
    if (!loaded.ok()) return fail(loaded.status());
    if (Status s = app::CreatePackage(f->app_dir, f->model, f->output); !s.ok()) return fail(s);
    std::error_code ec;
    *exit_code =
        PrintJson({{"package", f->output.string()},
                   {"bytes", fs::file_size(f->output, ec)},
                   {"app", {{"name", loaded->info.name}, {"version", loaded->info.version}}},
                   {"operators", loaded->app->operators().size()}});
  });
}

void AddRunCommand(CLI::App& app, int* exit_code) {
  struct Flags {
    fs::path package;
    std::optional<fs::path> input, output, model, workdir;
    size_t threads = 0;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = app.add_subcommand("run", "Run an app package (model.tar.gz or its folder) once");
  c->add_option("PACKAGE_OR_DIR", f->package, "model.tar.gz or an unpacked package folder")
      ->required();
  c->add_option("-i,--input", f->input,
                "Input folder or file (default: HOLOSCAN_INPUT_PATH, MONAI_INPUTPATH, input)");
  c->add_option("-o,--output", f->output,
                "Output folder (default: HOLOSCAN_OUTPUT_PATH, MONAI_OUTPUTPATH, output)");
  c->add_option("-m,--model", f->model,
                "Model folder or file (default: HOLOSCAN_MODEL_PATH, MONAI_MODELPATH, else the "
                "package's models)");
  c->add_option("-w,--workdir", f->workdir,
                "Working folder (default: HOLOSCAN_WORKDIR, MONAI_WORKDIR, the temp folder)");
  c->add_option("--threads", f->threads, "CPU threads (0 = all cores)")->capture_default_str();
  c->callback([f, exit_code] {
    app::AppPathFlags flags{f->input, f->output, f->model, f->workdir};
    app::ResolvedAppPaths resolved = app::ResolveAppPaths(flags);
    if (resolved.model_source == "default") resolved.paths.model.clear();  // the package's
    RetainFreedHeapMemory();  // see core/heap_policy.h: the run's tensors reuse mapped pages
    auto summary = runner::RunAppPackage(f->package, resolved.paths, f->threads);
    if (!summary.ok()) {
      *exit_code = PrintError("Run", summary.status());
      return;
    }
    *exit_code = PrintJson(runner::RunSummaryToJson(*summary));
  });
}

void AddModelCommand(CLI::App& app, int* exit_code) {
  CLI::App* model = app.add_subcommand("model", "Write generated TorchScript models");
  model->require_subcommand(1);
  struct Flags {
    infer::BandModelSpec spec;
    fs::path output;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* band = model->add_subcommand(
      "band", "Intensity-band model: label 1 where lo < HU < hi (pointwise; for phantoms)");
  band->add_option("--lo", f->spec.lo_hu, "Lower HU bound (exclusive)")->capture_default_str();
  band->add_option("--hi", f->spec.hi_hu, "Upper HU bound (exclusive)")->capture_default_str();
  band->add_option("--a-min", f->spec.a_min, "The pipeline's a_min")->capture_default_str();
  band->add_option("--a-max", f->spec.a_max, "The pipeline's a_max")->capture_default_str();
  band->add_option("-o,--output", f->output, "model.ts to write")->required();
  band->callback([f, exit_code] {
    std::error_code ec;
    if (f->output.has_parent_path()) fs::create_directories(f->output.parent_path(), ec);
    if (Status s = infer::SaveBandModel(f->output, f->spec); !s.ok()) {
      *exit_code = PrintError("Model", s);
      return;
    }
    *exit_code = PrintJson({{"model", f->output.string()},
                            {"kind", "band"},
                            {"lo_hu", f->spec.lo_hu},
                            {"hi_hu", f->spec.hi_hu}});
  });
}

}  // namespace

void AddAppCommands(CLI::App& app, int* exit_code) {
  AddPackageCommand(app, exit_code);
  AddRunCommand(app, exit_code);
  AddModelCommand(app, exit_code);
}

}  // namespace openhi::cli
