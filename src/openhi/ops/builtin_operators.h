#pragma once
// The built-in operators of openhi::ops, registered under their MONAI Deploy names so that
// app.json files read like MONAI apps. Each operator's file provides its Register* function;
// this calls them all (registration is explicit: see app/operator_registry.h).
#include "openhi/app/operator_registry.h"

namespace openhi::ops {

// kAlreadyExists if called twice on the same registry.
Status RegisterBuiltinOperators(app::OperatorRegistry& registry);

}  // namespace openhi::ops
