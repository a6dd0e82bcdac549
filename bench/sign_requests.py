"""Writes a wrk Lua script that cycles through pre-signed AHI requests (SigV4 signatures stay
valid for 15 minutes, so a short benchmark can reuse them).

usage: sign_requests.py ENDPOINT DATASTORE IMAGESET (frames FRAME_IDS_FILE | metadata) OUT.lua
"""
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

endpoint, ds, image_set, kind = sys.argv[1:5]
creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")


def signed(path, body):
    req = AWSRequest(method="POST", url=endpoint + path, data=body,
                     headers={"Content-Type": "application/json"})
    SigV4Auth(creds, "medical-imaging", "us-east-1").add_auth(req)
    headers = dict(req.headers)
    headers["Host"] = endpoint.split("://", 1)[1]  # signed; wrk adds none when headers are given
    return path, headers, body


reqs = []
if kind == "frames":
    ids = [l.strip() for l in open(sys.argv[5]) if l.strip()]
    out = sys.argv[6]
    for fid in ids:
        reqs.append(signed("/datastore/%s/imageSet/%s/getImageFrame" % (ds, image_set),
                           '{"imageFrameId": "%s"}' % fid))
else:
    out = sys.argv[5]
    reqs.append(signed("/datastore/%s/imageSet/%s/getImageSetMetadata" % (ds, image_set), ""))


def lua_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


with open(out, "w") as f:
    f.write("local reqs = {}\n")
    for path, headers, body in reqs:
        hs = ", ".join("[%s] = %s" % (lua_str(k), lua_str(str(v))) for k, v in headers.items())
        f.write("reqs[#reqs + 1] = wrk.format(\"POST\", %s, {%s}, %s)\n" % (
            lua_str(path), hs, lua_str(body)))
    f.write("local i = 0\nrequest = function()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n")
