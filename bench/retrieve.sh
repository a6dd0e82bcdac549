#!/usr/bin/env bash
# Connector retrieval benchmark (issue #4). Imports the LIDC series (138 x 512x512) and a
# generated 300-slice 512x512 12-bit CT into a store, starts `openhi store serve` on loopback,
# and runs build/bench_retrieve on each image set: full retrieval to a decoded volume vs the
# pure-decode bound (2 threads) and a sequential single-connection baseline, in the same run.
# Usage: bench/retrieve.sh [runs=3]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
bash scripts/build.sh openhi bench_retrieve >/dev/null
work=$(mktemp -d /tmp/openhi_retrieve_bench.XXXX)
[[ -n ${KEEP:-} ]] || trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
bin=build/openhi
export OPENHI_ACCESS_KEY_ID=AKIDBENCH OPENHI_SECRET_ACCESS_KEY=bench/secret+key
export AWS_ACCESS_KEY_ID=$OPENHI_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$OPENHI_SECRET_ACCESS_KEY
json() { python3 -c "import json,sys;print(json.load(sys.stdin)$1)"; }

$bin synth --output "$work/synth300" --slices 300 --rows 512 --columns 512 --bits-stored 12 \
  --pixel-spacing 0.7 --slice-spacing 1.0 --slice-thickness 1.0 >/dev/null
rm -f "$work/synth300/mask.nrrd"
ds=$($bin store create-datastore --data-dir "$work/data" | json '["datastoreId"]')
for input in ../shared/data/dicom/ct_chest_upper_abdomen_lidc0314_2mm "$work/synth300"; do
  $bin store start-dicom-import-job --data-dir "$work/data" --datastore-id "$ds" \
    --input-s3-uri "$input" --output-s3-uri "$work/out" >/dev/null
done
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
$bin store serve --data-dir "$work/data" --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done

$bin store search-image-sets --data-dir "$work/data" --datastore-id "$ds" > "$work/sets.json"
python3 - "$work/sets.json" > "$work/sets.txt" <<'PY'
import json, sys
for s in json.load(open(sys.argv[1]))["imageSetsMetadataSummaries"]:
    print(s["imageSetId"])
PY
while read -r set_id; do
  frames=$($bin store get-image-set-metadata --data-dir "$work/data" --datastore-id "$ds" \
    --image-set-id "$set_id" "$work/m.gz" >/dev/null && python3 -c "
import gzip,json;d=json.load(gzip.open('$work/m.gz'))
print(sum(len(i['ImageFrames']) for s in d['Study']['Series'].values() for i in s['Instances'].values()))")
  label=$([[ $frames -ge 300 ]] && echo "synthetic-300" || echo "LIDC-138")
  build/bench_retrieve --endpoint "http://127.0.0.1:$port" --datastore-id "$ds" \
    --image-set-id "$set_id" --label "$label" --runs "$runs" | grep -v "^metadata parse" || true
done < "$work/sets.txt"
build/bench_retrieve --endpoint "http://127.0.0.1:$port" --datastore-id "$ds" \
  --image-set-id "$(head -1 "$work/sets.txt")" --runs 1 | grep "^metadata parse"
