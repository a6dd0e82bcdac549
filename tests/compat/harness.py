"""Starts the real servers that the AHI compatibility tests talk to, on free loopback ports:
moto (S3) and `openhi store serve`. Used by the boto3, AWS CLI and JS SDK tests.

Environment: OPENHI_BIN (path of build/openhi), OPENHI_SHARED_DIR (../shared).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/openhi-import"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except Exception:
            time.sleep(0.1)
    raise RuntimeError("no answer from " + url)


class Servers:
    """moto + openhi, torn down by stop(). Context manager."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="openhi_compat_")
        self.procs = []
        self.moto_port = free_port()
        self.s3_endpoint = "http://127.0.0.1:%d" % self.moto_port
        env = dict(os.environ)
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-p", str(self.moto_port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        wait_http(self.s3_endpoint + "/")
        env.update({
            "OPENHI_ACCESS_KEY_ID": ACCESS_KEY, "OPENHI_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_ACCESS_KEY_ID": "moto", "AWS_SECRET_ACCESS_KEY": "moto", "AWS_REGION": REGION,
        })
        self.server = subprocess.Popen(
            [os.environ["OPENHI_BIN"], "store", "serve", "--data-dir", self.tmp + "/data",
             "--listen", "127.0.0.1:0", "--s3-endpoint", self.s3_endpoint],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        self.procs.append(self.server)
        line = self.server.stdout.readline()
        if not line:
            raise RuntimeError("openhi serve did not start: " + self.server.stderr.read())
        self.port = json.loads(line)["port"]
        self.endpoint = "http://127.0.0.1:%d" % self.port
        wait_http(self.endpoint + "/health")

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def shared_dicom(name):
    return os.path.join(os.environ["OPENHI_SHARED_DIR"], "data", "dicom", name)
