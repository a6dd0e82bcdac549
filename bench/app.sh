#!/usr/bin/env bash
# bench/app (issue #5): the spleen app end to end on the shared LIDC 2 mm CT (138 x 512 x 512)
# with the bundle-architecture UNet (tools/make_test_models.py, seed 0) and 2 threads, per stage
# (time and peak RSS) against its compute bound (pure libtorch forward passes over the same
# number of windows, batch 4) measured in the same process. Three end-to-end runs:
#   1. the product: OpenBLAS (the libblas.so.3 alternative) and the retained heap with its
#      huge-page reserve (core/heap_policy.h, as `openhi run` / `openhi endpoint` set it);
#   2. the same without the reserve (OPENHI_HEAP_RESERVE_MB=0);
#   3. glibc's default heap policy (the PyTorch default path), same BLAS;
#   4. the reference BLAS (Debian libblas3, through LD_LIBRARY_PATH), heap as the product:
#      the same BLAS as the issue's MONAI reference figures.
# Then the per-window cost of the TorchModel preparations and of thread / heap / allocator
# settings, each with its output difference from the plain module. See bench/README.md.
#
#   bash bench/app.sh [forward-batches=3]
#
# Environment: BUILD (build folder, default build), THREADS (default 2), SERIES (DICOM folder).
# Needs the targets bench_app (and what it links); Debian's /usr/bin/python3 with python3-torch.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
THREADS=${THREADS:-2}
SERIES=${SERIES:-$ROOT/../shared/data/dicom/ct_chest_upper_abdomen_lidc0314_2mm}
BATCHES=${1:-3}
BENCH=$BUILD/bench_app
[[ -x $BENCH ]] || { echo "build $BENCH first (ninja -C $BUILD bench_app)" >&2; exit 1; }

work=$(mktemp -d /tmp/openhi-bench-app.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/models"
/usr/bin/python3 "$ROOT/tools/make_test_models.py" --seed 0 --output "$work/models/model.ts"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "BLAS: libblas.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
echo "uptime: $(uptime)"

REFERENCE_BLAS=/usr/lib/x86_64-linux-gnu/blas
end_to_end() {  # TITLE ENV... -- BENCH ARGS
  local title=$1; shift
  echo
  echo "== end to end: $title (apps/spleen_seg, folder input, $THREADS threads) =="
  env "$@" "$BENCH" --package "$ROOT/apps/spleen_seg" --input "$SERIES" --model "$work/models" \
    --threads "$THREADS" --output "$work/out" 2> "$work/app.log" || { cat "$work/app.log"; exit 1; }
  rm -rf "$work/out"
}
end_to_end "OpenBLAS, retained heap (the product)" OPENHI_BENCH=1
end_to_end "OpenBLAS, retained heap without the huge-page reserve" OPENHI_HEAP_RESERVE_MB=0
end_to_end "OpenBLAS, glibc default heap" OPENHI_HEAP_RETAIN=0
if [[ -e $REFERENCE_BLAS/libblas.so.3 ]]; then
  end_to_end "reference BLAS, retained heap" LD_LIBRARY_PATH=$REFERENCE_BLAS
else
  echo "-- reference BLAS: $REFERENCE_BLAS/libblas.so.3 missing (Debian libblas3), skipped"
fi

echo
echo "== compute bound: TorchModel preparations (per window, batch 4, $THREADS threads) =="
"$BENCH" --forward "$work/models/model.ts" --threads "$THREADS" --batches "$BATCHES" \
  --variants plain,tconv,default,freeze+tconv+noopt,freeze+ofi+tconv+noopt,channels_last+tconv+noopt

echo
echo "== compute bound: thread, heap and allocator settings (default preparation) =="
for setting in "BASELINE=none" "OPENHI_HEAP_RETAIN=0" "GLIBC_TUNABLES=glibc.malloc.hugetlb=1" \
               "OMP_NUM_THREADS=$THREADS" \
               "OPENBLAS_NUM_THREADS=1" "OMP_WAIT_POLICY=PASSIVE" \
               "LD_LIBRARY_PATH=$REFERENCE_BLAS" ; do
  echo "-- $setting"
  env $setting "$BENCH" --forward "$work/models/model.ts" --threads "$THREADS" \
    --batches "$BATCHES" --variants default | grep "per window"
done
echo "-- PyTorch's default path: the module as saved, glibc's default heap"
"$BENCH" --heap system --forward "$work/models/model.ts" --threads "$THREADS" \
  --batches "$BATCHES" --variants plain | grep "per window"
JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
if [[ -e $JEMALLOC ]]; then
  echo "-- LD_PRELOAD=$JEMALLOC"
  LD_PRELOAD=$JEMALLOC "$BENCH" --heap system --forward "$work/models/model.ts" --threads "$THREADS" \
    --batches "$BATCHES" --variants default | grep "per window"
else
  echo "-- jemalloc: libjemalloc2 not installed, skipped"
fi
echo
echo "uptime: $(uptime)"
