#!/usr/bin/env bash
# Installs every Debian 12 package openhi needs to build, test, benchmark and run its demo.
# Idempotent: packages already present are skipped by apt. Must run as root (or with sudo).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # L0/L1 libraries
  libdcmtk-dev libopenjph-dev libopenjp2-7-dev libsqlite3-dev zlib1g-dev
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev libssl-dev
  # S3 object store: libcurl (SigV4 signing) and pugixml (S3 XML); libssl-dev gives SHA-256
  libcurl4-openssl-dev libpugixml-dev
  # connector: fast metadata parsing
  libsimdjson-dev
  # app packages (model.tar.gz): writing and safe unpacking
  libarchive-dev
  # app SDK: LibTorch (keep it out of targets that do not infer) and OpenBLAS, which makes
  # libtorch's conv3d 3-4x faster than the reference BLAS (DESIGN.md §9)
  libtorch-dev python3-torch libopenblas0-pthread
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # HTTP server (Boost.Beast/Asio)
  libboost1.74-dev
  # independent checks in tests (Debian's /usr/bin/python3)
  python3-pydicom python3-numpy dcmtk openjph-tools
  # geometry reference (dcm2niix) and DICOM validator (dciodvfy) for connector/app tests
  dcm2niix dicom3tools
  # a real SigV4-verifying S3 server for objstore_test (../shared/tools/s3-radosgw-start)
  radosgw ceph-mon ceph-osd uuid-runtime
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# npm packages for the JS SDK compatibility test (versions pinned by package-lock.json).
js_dir="$(dirname "$0")/../tests/compat/js"
if [[ -f $js_dir/package-lock.json && ! -d $js_dir/node_modules/@aws-sdk/client-medical-imaging ]]; then
  command -v npm >/dev/null || { $SUDO apt-get install -y -qq nodejs npm; }
  (cd "$js_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "setup-debian: all ${#packages[@]} packages present"
