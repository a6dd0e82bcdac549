#!/usr/bin/env bash
# Frame serving over loopback (issue #3): GetImageFrame requests/s and GB/s with 16 and 64
# keep-alive connections on the LIDC frames, against nginx serving the same frame files as
# static files (the bound), in the same run; plus GetImageSetMetadata latency (p99) for the
# 138-instance image set. Prints the figures and the ratios.
# Usage: bench/frame_serving_bench.sh [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
for p in wrk nginx-light; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done
bash scripts/build.sh openhi >/dev/null
work=$(mktemp -d /tmp/openhi_serve_bench.XXXX)
[[ -n ${KEEP:-} ]] || trap 'kill $(jobs -p) 2>/dev/null; nginx -c "$work/nginx.conf" -s stop 2>/dev/null; rm -rf "$work"' EXIT
lidc=../shared/data/dicom/ct_chest_upper_abdomen_lidc0314_2mm
bin=build/openhi
export OPENHI_ACCESS_KEY_ID=AKIDEXAMPLE OPENHI_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY

ds=$($bin store create-datastore --data-dir "$work/data" | python3 -c 'import json,sys;print(json.load(sys.stdin)["datastoreId"])')
$bin store start-dicom-import-job --data-dir "$work/data" --datastore-id "$ds" \
  --input-s3-uri "$lidc" --output-s3-uri "$work/out" >/dev/null
set_id=$($bin store search-image-sets --data-dir "$work/data" --datastore-id "$ds" | python3 -c 'import json,sys;print(json.load(sys.stdin)["imageSetsMetadataSummaries"][0]["imageSetId"])')
$bin store get-image-set-metadata --data-dir "$work/data" --datastore-id "$ds" --image-set-id "$set_id" "$work/meta.gz" >/dev/null
python3 - "$work" <<'PY'
import gzip, json, sys
work = sys.argv[1]
doc = json.load(gzip.open(work + "/meta.gz"))
ids = [f["ID"] for s in doc["Study"]["Series"].values() for i in s["Instances"].values() for f in i["ImageFrames"]]
open(work + "/frame_ids.txt", "w").write("\n".join(ids) + "\n")
PY
# The same frame bytes as static files for nginx.
mkdir -p "$work/static"
find "$work/data/blobs/frames" -type f | while read -r f; do cp "$f" "$work/static/$(basename "$f")"; done
(cd "$work/static" && ls) > "$work/frames.txt"
chmod a+rx "$work" && chmod -R a+rX "$work/static"  # nginx workers run as www-data
avg_bytes=$(du -cb "$work"/static/* | tail -1 | awk -v n="$(wc -l < "$work/frames.txt")" '{print $1/n}')

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
nport=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
$bin store serve --data-dir "$work/data" --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
cat > "$work/nginx.conf" <<NGX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off; sendfile on; tcp_nopush on; tcp_nodelay on; keepalive_requests 1000000;
  default_type application/octet-stream;
  server { listen 127.0.0.1:$nport; root $work/static; }
}
NGX
nginx -c "$work/nginx.conf"
sleep 1
python3 bench/sign_requests.py "http://127.0.0.1:$port" "$ds" "$set_id" frames "$work/frame_ids.txt" "$work/frames.lua"
python3 bench/sign_requests.py "http://127.0.0.1:$port" "$ds" "$set_id" metadata "$work/meta.lua"

rps() { awk '/Non-2xx/ {bad=1} /Requests\/sec/ {r=$2} END {if (bad) print "0"; else print r}'; }
for c in 16 64; do
  o=$(wrk -t2 -c$c -d${secs}s -s "$work/frames.lua" "http://127.0.0.1:$port" | rps)
  n=$(FRAME_LIST="$work/frames.txt" wrk -t2 -c$c -d${secs}s -s bench/static_paths.lua "http://127.0.0.1:$nport" | rps)
  python3 -c "o,n,b=$o,$n,$avg_bytes;print(f'GetImageFrame c=$c: openhi {o:.0f} req/s {o*b/1e9:.2f} GB/s | nginx static {n:.0f} req/s {n*b/1e9:.2f} GB/s | ratio {o/n:.2f} (goal >= 0.8) | frame {b/1e3:.0f} kB')"
done
lat=$(wrk -t1 -c1 -d${secs}s --latency -s "$work/meta.lua" "http://127.0.0.1:$port")
p99=$(echo "$lat" | awk '$1=="99%" {print $2}')
p50=$(echo "$lat" | awk '$1=="50%" {print $2}')
echo "GetImageSetMetadata (138 instances, $(stat -c %s "$work/meta.gz") B gzip) c=1: p50 $p50 p99 $p99 (goal p99 <= 5 ms)"
