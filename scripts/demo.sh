#!/usr/bin/env bash
# The main job on the embedded default (SQLite + files): writes a synthetic abdominal CT series
# (with a spleen-like 50 HU blob), creates a datastore, imports the series as lossless HTJ2K,
# searches, reads the metadata and one frame, serves the store over the AHI HTTP API (read with
# boto3), then runs the spleen segmentation app on the image set through the connector and writes
# a DICOM SEG and an STL (issue #5). The model is the analytic intensity-band model (label where
# 40 < HU < 60): the real MONAI model.ts is not available here, and it segments the phantom's
# blob. Everything lands in ./demo-data (removed first). Set OPENHI_DEMO_INPUT to import your own
# folder of DICOM P10 files instead of the synthetic series (the band model then labels whatever
# lies between 40 and 60 HU).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh >/dev/null
bash scripts/build.sh openhi >/dev/null
bin=build/openhi
work=demo-data
rm -rf "$work" && mkdir -p "$work"
data="$work/store"

input=${OPENHI_DEMO_INPUT:-}
if [[ -z $input ]]; then
  echo "== synthetic abdominal CT series (64 slices, 256x256, with a spleen-like 50 HU blob)"
  # Noise-free: the band model needs clean 40/50/60 HU tissues to single out the 50 HU blob
  # (with 10 HU noise it also labels speckle).
  $bin synth --output "$work/series" --slices 64 --noise 0
  rm -f "$work/series/mask.nrrd"  # keep the ground truth out of the import folder
  input="$work/series"
fi

echo "== create-datastore"
ds=$($bin store create-datastore --data-dir "$data" --datastore-name demo | python3 -c 'import json,sys;print(json.load(sys.stdin)["datastoreId"])')
echo "datastoreId: $ds"

echo "== start-dicom-import-job (runs here; progress shows on a terminal)"
$bin store start-dicom-import-job --data-dir "$data" --datastore-id "$ds" \
  --input-s3-uri "$input" --output-s3-uri "$work/import-output"
cat "$work"/import-output/*/job-output-manifest.json

echo "== search-image-sets"
$bin store search-image-sets --data-dir "$data" --datastore-id "$ds" > "$work/search.json"
cat "$work/search.json"
set_id=$(python3 -c 'import json;print(json.load(open("'"$work"'/search.json"))["imageSetsMetadataSummaries"][0]["imageSetId"])')

echo "== get-image-set-metadata (gzip JSON)"
$bin store get-image-set-metadata --data-dir "$data" --datastore-id "$ds" --image-set-id "$set_id" "$work/metadata.json.gz"
frame=$(python3 -c '
import gzip,json
d=json.load(gzip.open("'"$work"'/metadata.json.gz"))
s=next(iter(d["Study"]["Series"].values()))
i=next(iter(s["Instances"].values()))
print(i["ImageFrames"][0]["ID"])')

echo "== get-image-frame $frame"
$bin store get-image-frame --data-dir "$data" --datastore-id "$ds" --image-set-id "$set_id" \
  --image-frame-information "imageFrameId=$frame" "$work/frame.jph"
echo "frame codestream: $(stat -c %s "$work/frame.jph") bytes in $work/frame.jph"
echo "== the same store over the AHI HTTP API (SigV4), read with boto3"
export OPENHI_ACCESS_KEY_ID=AKIDEXAMPLE OPENHI_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
$bin store serve --data-dir "$data" --listen 127.0.0.1:0 > "$work/serve.json" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do [[ -s $work/serve.json ]] && break; sleep 0.1; done
port=$(python3 -c 'import json;print(json.load(open("'"$work"'/serve.json"))["port"])')
python3 - "$port" "$ds" "$set_id" "$frame" <<'PY'
import sys, boto3
from botocore.config import Config
port, ds, set_id, frame = sys.argv[1:]
ahi = boto3.client("medical-imaging", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                   aws_access_key_id="AKIDEXAMPLE",
                   aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                   config=Config(inject_host_prefix=False))
print("datastores:", [d["datastoreName"] for d in ahi.list_datastores()["datastoreSummaries"]])
s = ahi.get_image_set(datastoreId=ds, imageSetId=set_id)
print("image set:", s["imageSetId"], "version", s["versionId"], s["imageSetState"])
f = ahi.get_image_frame(datastoreId=ds, imageSetId=set_id, imageFrameInformation={"imageFrameId": frame})
print("frame:", f["contentType"], len(f["imageFrameBlob"].read()), "bytes")
PY

echo "== spleen segmentation app on the image set, through the connector"
$bin model band --lo 40 --hi 60 -o "$work/models/model.ts" >/dev/null
$bin package apps/spleen_seg_ahi -m "$work/models" -o "$work/spleen_seg_ahi.tar.gz" >/dev/null
echo "package: $work/spleen_seg_ahi.tar.gz (app.json + models/model.ts)"
mkdir -p "$work/app-input"
printf '{"datastoreId": "%s", "imageSetId": "%s"}\n' "$ds" "$set_id" > "$work/app-input/request.json"
AWS_ENDPOINT_URL_MEDICAL_IMAGING="http://127.0.0.1:$port" \
  AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
  $bin run "$work/spleen_seg_ahi.tar.gz" -i "$work/app-input" -o "$work/app-output" --threads 2 \
  > "$work/run.json"
python3 - "$work/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for op in r["operators"]:
    print("  %-20s %-34s %6.2f s  peak %5.0f MiB" % (op["name"], op["type"], op["seconds"],
                                                    op["peak_rss_bytes"] / 2**20))
print("  total %.2f s, peak %.0f MiB" % (r["total_seconds"], r["peak_rss_bytes"] / 2**20))
for w in r["warnings"]:
    print("  warning:", w)
seg = [o for o in r["outputs"] if o.endswith(".dcm")]
stl = [o for o in r["outputs"] if o.endswith(".stl")]
print("DICOM SEG:", *seg)
print("STL:      ", *stl)
PY
echo "demo done: store in $data, app outputs in $work/app-output (summary: $work/run.json)"
