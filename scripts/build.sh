#!/usr/bin/env bash
# Configures and builds openhi into build/ (Ninja, ccache). Incremental: rerunning rebuilds only
# what changed. Usage: scripts/build.sh [ninja targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build build -- "$@"
