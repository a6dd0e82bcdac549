"""Fault tolerance of async hosting, driven through boto3: a worker killed with SIGKILL in the
middle of a job (redelivered, completed exactly once), a server restarted with jobs queued (none
lost), zero in-process workers (jobs wait until a worker process drains them), and bad inputs or
throwing models (failure objects; the server stays up)."""
import json
import os
import signal
import unittest
import urllib.request

import sagemaker_harness as h


def ping(ep):
    return urllib.request.urlopen(ep.url + "/ping", timeout=5).status


class Faults(unittest.TestCase):
    def setUp(self):
        self.ep = None

    def tearDown(self):
        if self.ep:
            self.ep.stop()

    def start(self, workers, *extra):
        self.ep = h.Endpoint(workers=workers, extra_args=[
            "--lease-seconds", "1.5", "--default-model", "model.tar.gz"] + list(extra))
        self.ep.package("model.tar.gz")
        self.ep.package("throws.tar.gz", {"throw_invoke": "model exploded"})
        self.sm = self.ep.client()
        return self.ep

    def input_file(self, name, content, body_extra=None):
        path = os.path.join(self.ep.tmp, name)
        data = json.loads(content) if body_extra is not None else None
        if data is not None:
            data.update(body_extra)
            content = json.dumps(data)
        with open(path, "w") as f:
            f.write(content)
        return "file://" + path

    def submit(self, location, **kwargs):
        return self.sm.invoke_endpoint_async(EndpointName="spleen", InputLocation=location,
                                             ContentType="application/json", **kwargs)

    def test_worker_killed_mid_job_is_redelivered_and_completes_once(self):
        ep = self.start(0)
        slow = self.input_file("slow.json", h.ASYNC_INPUT, {"echo": {"sleep_ms": 4000}})
        r = self.submit(slow, InferenceId="killed-job")
        victim = ep.start_worker("--lease-seconds", "1.5", "--poll-ms", "50")
        h.wait_for(lambda: (ep.job("killed-job") or {}).get("state") == "running",
                   what="the first worker to claim the job")
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.assertIsNone(h.read_file_uri(r["OutputLocation"]))
        ep.start_worker("--lease-seconds", "1.5", "--poll-ms", "50")
        result = h.wait_for(lambda: h.read_file_uri(r["OutputLocation"]), what="the redelivery")
        self.assertEqual(result["attempt"], 2)
        job = h.wait_for(lambda: ep.job("killed-job") if ep.job("killed-job")["state"] ==
                         "succeeded" else None, what="completion")
        self.assertEqual(job["completions"], 1)
        self.assertEqual(job["attempt"], 2)
        self.assertIsNone(h.read_file_uri(r["FailureLocation"]))

    def test_restart_with_queued_jobs_loses_none(self):
        ep = self.start(0)
        location = self.input_file("in.json", h.ASYNC_INPUT)
        replies = [self.submit(location) for _ in range(5)]
        self.assertEqual(ep.metric("openhi_hosting_queue_depth"), 5)
        ep.stop_server()
        ep.start(workers=2)
        for r in replies:
            result = h.wait_for(lambda: h.read_file_uri(r["OutputLocation"]), what="a queued job")
            self.assertEqual(result["inferenceId"], r["InferenceId"])
        self.assertEqual(ep.metric('openhi_hosting_queue_jobs{state="succeeded"}'), 5)

    def test_zero_workers_jobs_wait_then_a_worker_process_drains_them(self):
        ep = self.start(0)
        location = self.input_file("in.json", h.ASYNC_INPUT)
        replies = [self.submit(location) for _ in range(3)]
        self.assertEqual(ep.metric('openhi_hosting_queue_jobs{state="pending"}'), 3)
        for r in replies:
            self.assertIsNone(h.read_file_uri(r["OutputLocation"]))
        worker = ep.start_worker("--exit-when-idle", "--poll-ms", "50")
        self.assertEqual(worker.wait(timeout=120), 0)
        for r in replies:
            self.assertEqual(h.read_file_uri(r["OutputLocation"])["inferenceId"], r["InferenceId"])
        self.assertEqual(ep.metric("openhi_hosting_queue_depth"), 0)

    def test_bad_inputs_and_throwing_models_get_failure_objects(self):
        ep = self.start(1)
        cases = [
            (self.input_file("garbage.json", "{not json"), {}, "not valid JSON"),
            (self.input_file("wrong.json", '{"datastoreId": "x", "imageSetId": "y"}'), {},
             "datastoreId"),
            ("file://" + os.path.join(ep.tmp, "absent.json"), {}, "cannot read InputLocation"),
        ]
        for location, kwargs, needle in cases:
            r = self.submit(location, **kwargs)
            failure = h.wait_for(lambda: h.read_file_uri(r["FailureLocation"]), what=needle)
            self.assertIn(needle, failure["Message"])
            self.assertIsNone(h.read_file_uri(r["OutputLocation"]))
        # A throwing model, through the (non-standard) Target-Model header on the async API.
        location = self.input_file("ok.json", h.ASYNC_INPUT)
        client = self.sm

        def add_target(request, **_):
            request.headers["X-Amzn-SageMaker-Target-Model"] = "throws.tar.gz"
        client.meta.events.register("before-sign.sagemaker-runtime.InvokeEndpointAsync", add_target)
        try:
            r = self.submit(location)
        finally:
            client.meta.events.unregister("before-sign.sagemaker-runtime.InvokeEndpointAsync",
                                          add_target)
        failure = h.wait_for(lambda: h.read_file_uri(r["FailureLocation"]), what="model failure")
        self.assertEqual(failure["ErrorCode"], "ModelError")
        self.assertIn("model exploded", failure["Message"])
        self.assertEqual(ping(ep), 200)
        ok = self.submit(location)
        self.assertEqual(h.wait_for(lambda: h.read_file_uri(ok["OutputLocation"]))["summary"]["runner"],
                         "echo")

    def test_unsigned_or_forged_requests_are_403(self):
        ep = self.start(0)
        forged = ep.client(secret="forged-forged-forged-forged")
        try:
            forged.invoke_endpoint_async(EndpointName="spleen", InputLocation="s3://b/k.json")
            self.fail("expected 403")
        except Exception as e:  # botocore ClientError
            self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        req = urllib.request.Request(ep.url + "/endpoints/spleen/invocations", data=b"{}",
                                     method="POST")
        try:
            urllib.request.urlopen(req, timeout=5)
            self.fail("expected 403")
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 403)


if __name__ == "__main__":
    unittest.main(verbosity=2)
