"""Starts what the SageMaker hosting compatibility tests talk to: moto (S3) and
`openhi endpoint serve --runner echo` (or `--runner app`, see Endpoint) on free loopback ports,
plus `openhi endpoint worker` processes. Echo packages are built here with tarfile (app.json
steers the echo runner, see src/openhi/hosting/echo_runner.h).

Environment: OPENHI_BIN (path of build/openhi).
"""
import collections
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request

import boto3
from botocore.config import Config

from harness import ACCESS_KEY, REGION, SECRET_KEY, free_port, wait_http

DATASTORE = "0123456789abcdef0123456789abcdef"
IMAGE_SET = "fedcba9876543210fedcba9876543210"
BLOG_BODY = json.dumps({"inputs": [{"datastoreId": DATASTORE, "imageSetId": IMAGE_SET}]})
ASYNC_INPUT = json.dumps({"datastoreId": DATASTORE, "imageSetId": IMAGE_SET})


def write_package(path, name, echo=None):
    """An echo-runner model package: app.json + a weights file, gzip'd tar."""
    with tarfile.open(path + ".tmp", "w:gz") as tar:
        for member, data in (("app.json", json.dumps({"name": name, "echo": echo or {}})),
                             ("model.ts", "w" * 1000)):
            blob = data.encode()
            info = tarfile.TarInfo(member)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    os.replace(path + ".tmp", path)


def env_with_credentials():
    env = dict(os.environ)
    env.update({"OPENHI_ACCESS_KEY_ID": ACCESS_KEY, "OPENHI_SECRET_ACCESS_KEY": SECRET_KEY,
                "AWS_ACCESS_KEY_ID": "moto", "AWS_SECRET_ACCESS_KEY": "moto",
                "AWS_REGION": REGION})
    return env


class Moto:
    def __init__(self):
        self.port = free_port()
        self.endpoint = "http://127.0.0.1:%d" % self.port
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(self.endpoint + "/")
        self.s3 = boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION,
                               aws_access_key_id="moto", aws_secret_access_key="moto")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Endpoint:
    """One `openhi endpoint serve` (restartable) over a temporary model folder and data dir."""

    def __init__(self, extra_args=(), s3_endpoint=None, workers=1, runner="echo",
                 store_endpoint=None):
        """runner: the hidden --runner (echo, or app for real app packages, which read image
        sets from store_endpoint signing with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY of
        env_with_credentials())."""
        self.tmp = tempfile.mkdtemp(prefix="openhi_sm_")
        self.model_dir = os.path.join(self.tmp, "models")
        self.data_dir = os.path.join(self.tmp, "data")
        os.makedirs(self.model_dir)
        self.s3_endpoint = s3_endpoint
        self.runner = runner
        self.store_endpoint = store_endpoint
        self.extra_args = list(extra_args)
        self.workers = workers
        self.workers_procs = []
        self.server = None
        self.start()

    def common_args(self):
        args = ["--runner", self.runner, "--model-dir", self.model_dir, "--data-dir", self.data_dir]
        if self.s3_endpoint:
            args += ["--s3-endpoint", self.s3_endpoint]
        if self.store_endpoint:
            args += ["--store-endpoint", self.store_endpoint]
        return args

    def start(self, workers=None):
        if workers is not None:
            self.workers = workers
        self.server = subprocess.Popen(
            [os.environ["OPENHI_BIN"], "endpoint", "serve", "--listen", "127.0.0.1:0",
             "--workers", str(self.workers)] + self.common_args() + self.extra_args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env_with_credentials(), text=True)
        line = self.server.stdout.readline()
        if not line:
            raise RuntimeError("endpoint serve did not start: " + self.server.stderr.read())
        info = json.loads(line)
        # Drain stderr (the app runner logs every operator): a full pipe would block the server.
        self.log = log = collections.deque(maxlen=200)
        stderr = self.server.stderr
        threading.Thread(target=lambda: log.extend(stderr), daemon=True).start()
        self.port = info["port"]
        self.output_uri = info["output"]
        self.failure_uri = info["failures"]
        self.url = "http://127.0.0.1:%d" % self.port
        wait_http(self.url + "/ping")

    def stop_server(self):
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()

    def start_worker(self, *extra):
        p = subprocess.Popen(
            [os.environ["OPENHI_BIN"], "endpoint", "worker"] + self.common_args() + list(extra),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env_with_credentials(), text=True)
        line = p.stdout.readline()
        if not line:
            raise RuntimeError("endpoint worker did not start: " + p.stderr.read())
        self.workers_procs.append(p)
        return p

    def package(self, name, echo=None):
        write_package(os.path.join(self.model_dir, name), name, echo)

    def client(self, secret=SECRET_KEY):
        return boto3.client(
            "sagemaker-runtime", endpoint_url=self.url, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=secret,
            config=Config(retries={"max_attempts": 1}))

    def metrics(self):
        return urllib.request.urlopen(self.url + "/metrics", timeout=10).read().decode()

    def metric(self, name):
        for line in self.metrics().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        return None

    def job(self, inference_id):
        """The queue row of an async job (read-only, straight from the SQLite file)."""
        db = sqlite3.connect(os.path.join(self.data_dir, "async-queue.db"), timeout=10)
        try:
            row = db.execute("SELECT state, attempt, completions, error FROM async_jobs "
                             "WHERE inference_id = ?", (inference_id,)).fetchone()
        finally:
            db.close()
        return None if row is None else dict(zip(("state", "attempt", "completions", "error"), row))

    def stop(self):
        for p in self.workers_procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.stop_server()
        shutil.rmtree(self.tmp, ignore_errors=True)


def file_path(uri):
    assert uri.startswith("file://"), uri
    return uri[len("file://"):]


def wait_for(predicate, seconds=120, what="condition"):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def read_file_uri(uri):
    path = file_path(uri)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)
