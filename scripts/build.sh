#!/usr/bin/env bash
# Configures and builds openhi into build/ (Ninja, ccache). Incremental: rerunning rebuilds only
# what changed. Usage: scripts/build.sh [ninja targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
# Let ccache reuse objects across checkouts (CI builds in a fresh clone): paths relative to the
# repository root, build directory not hashed (debug info may then name another checkout's path).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build build -- "$@"
