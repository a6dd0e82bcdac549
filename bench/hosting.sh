#!/usr/bin/env bash
# bench/hosting.sh: per-invocation overhead of `openhi endpoint serve` against in-process calls,
# async pickup latency and model cold load vs warm hit (bench/hosting_bench.cc), with the trivial
# EchoRunner. Usage: bench/hosting.sh [BUILD_DIR] [REQUESTS]
# Work files go to /dev/shm when it exists, so disk flushes do not drown the HTTP overhead.
set -euo pipefail
BUILD=${1:-build}
REQUESTS=${2:-2000}
ROOT=$(mktemp -d "$( [ -d /dev/shm ] && echo /dev/shm || echo /tmp )/openhi_hosting_bench.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT/pkg" "$ROOT/models"
echo '{"name": "bench", "echo": {}}' > "$ROOT/pkg/app.json"
head -c 1000 /dev/zero > "$ROOT/pkg/model.ts"
tar -C "$ROOT/pkg" -czf "$ROOT/models/model.tar.gz" app.json model.ts
"$BUILD/hosting_bench" --model-dir "$ROOT/models" --work-dir "$ROOT/work" --requests "$REQUESTS"
