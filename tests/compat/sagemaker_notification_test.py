"""Async completion notifications (the stand-in for SageMaker's SNS SuccessTopic/ErrorTopic),
driven through boto3: `openhi endpoint serve --notification-url` POSTs one SageMaker-shaped JSON
message per completed or failed job to a local webhook (a tiny http.server), whose locations match
the 202 response's; the worker process does the same; a webhook that keeps failing does not fail
the job (counted in openhi_hosting_notifications_total{result="failed"}); bad URLs are refused at
start-up."""
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import unittest

import sagemaker_harness as h


class Hook:
    """A webhook on a free loopback port that records every POST; answers `status` (a list is
    consumed one answer per request, the last one repeating)."""

    def __init__(self, status=200):
        self.posts = []
        self.lock = threading.Lock()
        self.answers = list(status) if isinstance(status, (list, tuple)) else [status]
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with hook.lock:
                    hook.posts.append({"path": self.path,
                                       "content_type": self.headers.get("Content-Type"),
                                       "body": json.loads(body)})
                    code = hook.answers.pop(0) if len(hook.answers) > 1 else hook.answers[0]
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self):
        with self.lock:
            return list(self.posts)

    def for_id(self, inference_id):
        return [p for p in self.received() if p["body"].get("inferenceId") == inference_id]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Notifications(unittest.TestCase):
    def setUp(self):
        self.ep = None
        self.hook = None

    def tearDown(self):
        if self.ep:
            self.ep.stop()
        if self.hook:
            self.hook.stop()

    def start(self, workers=1, hook_status=200, *extra):
        self.hook = Hook(hook_status)
        self.ep = h.Endpoint(workers=workers, extra_args=["--default-model", "model.tar.gz"] +
                             [a.replace("HOOK", self.hook.url) for a in extra])
        self.ep.package("model.tar.gz")
        self.ep.package("throws.tar.gz", {"throw_invoke": "model exploded"})
        self.sm = self.ep.client()

    def input_file(self, name):
        path = os.path.join(self.ep.tmp, name)
        with open(path, "w") as f:
            f.write(h.ASYNC_INPUT)
        return "file://" + path

    def submit(self, location, target=None, **kwargs):
        def add_target(request, **_):
            request.headers["X-Amzn-SageMaker-Target-Model"] = target
        event = "before-sign.sagemaker-runtime.InvokeEndpointAsync"
        if target:
            self.sm.meta.events.register(event, add_target)
        try:
            return self.sm.invoke_endpoint_async(EndpointName="spleen", InputLocation=location,
                                                 ContentType="application/json", **kwargs)
        finally:
            if target:
                self.sm.meta.events.unregister(event, add_target)

    def check_common(self, msg, r, location):
        self.assertEqual(msg["inferenceId"], r["InferenceId"])
        self.assertEqual(msg["eventVersion"], "1.0")
        self.assertEqual(msg["eventSource"], "aws:sagemaker")
        self.assertEqual(msg["eventName"], "InferenceResult")
        self.assertEqual(msg["awsRegion"], "us-east-1")
        self.assertRegex(msg["eventTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertRegex(msg["receivedTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertLessEqual(msg["receivedTime"], msg["eventTime"])
        self.assertEqual(msg["requestParameters"], {"contentType": "application/json",
                                                    "endpointName": "spleen",
                                                    "inputLocation": location})

    def test_one_message_per_job_success_and_failure_topics(self):
        self.start(1, 200, "--notification-url", "HOOK/hook",
                   "--error-notification-url", "HOOK/errors")
        location = self.input_file("in.json")
        ok = self.submit(location, InferenceId="note-ok")
        bad = self.submit(location, target="throws.tar.gz", InferenceId="note-bad")
        h.wait_for(lambda: self.hook.for_id("note-ok") and self.hook.for_id("note-bad"),
                   what="both notifications")
        # The objects exist by the time their notification arrives.
        self.assertIsNotNone(h.read_file_uri(ok["OutputLocation"]))
        self.assertIsNotNone(h.read_file_uri(bad["FailureLocation"]))
        h.wait_for(lambda: self.ep.metric('openhi_hosting_notifications_total{result="ok"}') == 2,
                   what="the ok counter")
        self.assertEqual(len(self.hook.received()), 2)  # exactly one each

        [s] = self.hook.for_id("note-ok")
        self.assertEqual(s["path"], "/hook")
        self.assertEqual(s["content_type"], "application/json")
        msg = s["body"]
        self.check_common(msg, ok, location)
        self.assertEqual(msg["invocationStatus"], "Completed")
        self.assertEqual(msg["responseParameters"], {"contentType": "application/json",
                                                     "outputLocation": ok["OutputLocation"]})
        self.assertNotIn("failureReason", msg)

        [f] = self.hook.for_id("note-bad")
        self.assertEqual(f["path"], "/errors")  # --error-notification-url overrides for failures
        msg = f["body"]
        self.check_common(msg, bad, location)
        self.assertEqual(msg["invocationStatus"], "Failed")
        self.assertEqual(msg["responseParameters"], {"contentType": "application/json",
                                                     "failureLocation": bad["FailureLocation"]})
        self.assertTrue(msg["failureReason"].startswith("ModelError: "), msg["failureReason"])
        self.assertIn("model exploded", msg["failureReason"])
        self.assertEqual(self.ep.metric('openhi_hosting_notifications_total{result="failed"}'), 0)

    def test_worker_process_notifies(self):
        self.start(0, 200)
        location = self.input_file("in.json")
        r = self.submit(location, InferenceId="by-worker")
        self.ep.start_worker("--notification-url", self.hook.url + "/w", "--region", "eu-west-1")
        [p] = h.wait_for(lambda: self.hook.for_id("by-worker"), what="the worker's notification")
        self.assertEqual(p["path"], "/w")
        self.assertEqual(p["body"]["invocationStatus"], "Completed")
        self.assertEqual(p["body"]["awsRegion"], "eu-west-1")
        self.assertEqual(p["body"]["responseParameters"]["outputLocation"], r["OutputLocation"])

    def test_a_failing_webhook_is_retried_and_never_fails_the_job(self):
        # The first answer is a 503 (retried), then every answer is a 500: the first job's
        # notification gets through on its retry, the second one is given up on.
        self.start(1, [503, 200, 500], "--notification-url", "HOOK/hook")
        location = self.input_file("in.json")
        first = self.submit(location, InferenceId="retried")
        h.wait_for(lambda: self.ep.metric('openhi_hosting_notifications_total{result="ok"}') == 1,
                   what="the retried notification")
        self.assertEqual(len(self.hook.for_id("retried")), 2)
        second = self.submit(location, InferenceId="given-up")
        h.wait_for(lambda: self.ep.metric('openhi_hosting_notifications_total{result="failed"}') == 1,
                   what="the failed notification")
        self.assertEqual(len(self.hook.for_id("given-up")), 4)  # max attempts
        for r in (first, second):
            self.assertEqual(h.read_file_uri(r["OutputLocation"])["inferenceId"], r["InferenceId"])
            job = self.ep.job(r["InferenceId"])
            self.assertEqual((job["state"], job["completions"]), ("succeeded", 1))

    def test_bad_urls_are_refused_at_startup(self):
        tmp = tempfile.mkdtemp(prefix="openhi_sm_bad_")
        try:
            for flag, url in (("--notification-url", "ftp://127.0.0.1/hook"),
                              ("--success-notification-url", "127.0.0.1:9/hook"),
                              ("--error-notification-url", "http://")):
                for command in ("serve", "worker"):
                    p = subprocess.run(
                        [os.environ["OPENHI_BIN"], "endpoint", command, "--runner", "echo",
                         "--model-dir", tmp, "--data-dir", os.path.join(tmp, "data"), flag, url],
                        capture_output=True, text=True, timeout=60, env=h.env_with_credentials())
                    self.assertNotEqual(p.returncode, 0, (command, flag, url))
                    self.assertIn("ValidationException", p.stderr)  # kInvalidArgument, AWS-style
                    self.assertIn(flag, p.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
