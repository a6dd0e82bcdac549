#!/usr/bin/env bash
# bench/hosting.sh: per-invocation overhead of `openhi endpoint serve` against in-process calls,
# async pickup latency and model cold load vs warm hit (bench/hosting_bench.cc), with two
# runners:
#   echo: hosting's trivial EchoRunner (the server's own cost, nothing else);
#   app:  the real app runner (runner/hosted_app_runner.h) with apps/spleen_seg_ahi and the
#         analytic band model on a small synthetic image set (APP_SLICES x APP_ROWS x APP_ROWS
#         voxels, default 24 x 64 x 64) read from a store served in-process.
# Usage: bench/hosting.sh [BUILD_DIR] [REQUESTS] [APP_REQUESTS]
#   REQUESTS (default 2000) per configuration for echo, APP_REQUESTS (default 1000) for app.
#   One app run takes ~0.13 s at concurrency 1 on a 2-core VM (the 96^3 sliding window of the
#   band model dominates): the app mode's 6 x 1000 requests then take about 10 minutes.
#   MODES="echo app" (default) picks the runners; APP_SLICES, APP_ROWS, APP_ASYNC_JOBS (default
#   100), APP_COLD_LOADS (default 10) size the app run.
# Work files go to /dev/shm when it exists, so disk flushes do not drown the HTTP overhead.
# Prints one JSON object per mode (hosting_bench's report) after the load average.
set -euo pipefail
BUILD=${1:-build}
REQUESTS=${2:-2000}
APP_REQUESTS=${3:-1000}
MODES=${MODES:-echo app}
SRC=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(mktemp -d "$( [ -d /dev/shm ] && echo /dev/shm || echo /tmp )/openhi_hosting_bench.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT
for mode in $MODES; do
  echo "== hosting_bench --runner $mode (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  case $mode in
    echo)
      mkdir -p "$ROOT/pkg" "$ROOT/models"
      echo '{"name": "bench", "echo": {}}' > "$ROOT/pkg/app.json"
      head -c 1000 /dev/zero > "$ROOT/pkg/model.ts"
      tar -C "$ROOT/pkg" -czf "$ROOT/models/model.tar.gz" app.json model.ts
      "$BUILD/hosting_bench" --runner echo --model-dir "$ROOT/models" --work-dir "$ROOT/work-echo" \
        --requests "$REQUESTS"
      ;;
    app)
      "$BUILD/hosting_bench" --runner app --app "$SRC/apps/spleen_seg_ahi" \
        --work-dir "$ROOT/work-app" --requests "$APP_REQUESTS" \
        --slices "${APP_SLICES:-24}" --rows "${APP_ROWS:-64}" \
        --async-jobs "${APP_ASYNC_JOBS:-100}" --cold-loads "${APP_COLD_LOADS:-10}"
      ;;
    *) echo "unknown mode $mode (echo or app)" >&2; exit 2 ;;
  esac
  rm -rf "$ROOT/work-$mode"
done
echo "== done (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
