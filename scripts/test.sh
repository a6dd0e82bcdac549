#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine: installs packages, builds, runs CTest.
# Real-data tests read ../shared/data (beside this checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash scripts/build.sh
cd build
ctest --output-on-failure --timeout 900 -j "$(nproc)"
