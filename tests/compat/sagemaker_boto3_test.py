"""SageMaker hosting with boto3 (the real SDK, endpoint override only): real-time multi-model
invocations with TargetModel, a package added while running, the modeled errors, SigV4, and the
AWS blog's async workflow against moto S3 (upload the input JSON, invoke_endpoint_async, poll the
output location)."""
import json
import os
import time
import unittest

import botocore

import sagemaker_harness as h


def error_of(fn, **kwargs):
    try:
        fn(**kwargs)
    except botocore.exceptions.ClientError as e:
        return e.response
    raise AssertionError("expected an error")


class RealTime(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ep = h.Endpoint()
        cls.ep.package("model.tar.gz")
        cls.ep.package("throws.tar.gz", {"throw_invoke": "CUDA error: out of memory"})
        cls.sm = cls.ep.client()

    @classmethod
    def tearDownClass(cls):
        cls.ep.stop()

    def invoke(self, target, body=h.BLOG_BODY):
        r = self.sm.invoke_endpoint(EndpointName="spleen", ContentType="application/json",
                                    Accept="application/json", TargetModel=target, Body=body)
        return r, json.loads(r["Body"].read())

    def test_target_model_returns_the_summary_and_output_locations(self):
        r, body = self.invoke("model.tar.gz")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(r["InvokedProductionVariant"], "AllTraffic")
        self.assertEqual(body["model"], "model.tar.gz")
        self.assertEqual(body["summary"]["imageSetIds"], [h.IMAGE_SET])
        out = body["outputs"][0]
        with open(h.file_path(out["location"])) as f:
            written = json.load(f)
        self.assertEqual(written["inputs"][0]["imageSetId"], h.IMAGE_SET)
        self.assertEqual(out["bytes"], os.path.getsize(h.file_path(out["location"])))

    def test_a_package_added_while_running_is_served(self):
        err = error_of(self.sm.invoke_endpoint, EndpointName="spleen", TargetModel="late.tar.gz",
                       ContentType="application/json", Body=h.BLOG_BODY)
        self.assertEqual(err["Error"]["Code"], "ValidationError")
        self.ep.package("late.tar.gz")
        _, body = self.invoke("late.tar.gz")
        self.assertEqual(body["summary"]["app"], "late.tar.gz")

    def test_unknown_target_and_bad_body_are_validation_errors(self):
        err = error_of(self.sm.invoke_endpoint, EndpointName="spleen", TargetModel="nope.tar.gz",
                       ContentType="application/json", Body=h.BLOG_BODY)
        self.assertEqual(err["Error"]["Code"], "ValidationError")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertIn("nope.tar.gz", err["Error"]["Message"])
        err = error_of(self.sm.invoke_endpoint, EndpointName="spleen", TargetModel="model.tar.gz",
                       ContentType="application/json", Body='{"inputs": []}')
        self.assertEqual(err["Error"]["Code"], "ValidationError")

    def test_throwing_model_is_a_model_error_and_the_server_stays_up(self):
        try:
            self.invoke("throws.tar.gz")
            self.fail("expected ModelError")
        except self.sm.exceptions.ModelError as e:
            self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 424)
            self.assertEqual(e.response["OriginalStatusCode"], 500)
            self.assertIn("out of memory", e.response["OriginalMessage"])
            self.assertIn("/aws/sagemaker/Endpoints/spleen", e.response["LogStreamArn"])
        _, body = self.invoke("model.tar.gz")
        self.assertEqual(body["summary"]["runner"], "echo")

    def test_bad_signature_is_403(self):
        bad = self.ep.client(secret="not-the-secret-not-the-secret")
        err = error_of(bad.invoke_endpoint, EndpointName="spleen", TargetModel="model.tar.gz",
                       ContentType="application/json", Body=h.BLOG_BODY)
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertEqual(err["Error"]["Code"], "InvalidSignatureException")

    def test_metrics_count_invocations_and_loads(self):
        self.invoke("model.tar.gz")
        self.assertGreaterEqual(
            self.ep.metric('openhi_hosting_invocations_total{mode="realtime",outcome="ok"}'), 1)
        self.assertGreaterEqual(self.ep.metric('openhi_hosting_model_loads_total{outcome="ok"}'), 1)
        self.assertIsNotNone(self.ep.metric("openhi_hosting_model_evictions_total"))


class AsyncWithS3(unittest.TestCase):
    """The blog's Lab-3 flow: input JSON in S3, InvokeEndpointAsync, poll S3OutputPath."""

    @classmethod
    def setUpClass(cls):
        cls.moto = h.Moto()
        cls.moto.s3.create_bucket(Bucket="sagemaker-us-east-1")
        cls.ep = h.Endpoint(s3_endpoint=cls.moto.endpoint, extra_args=[
            "--output-path", "s3://sagemaker-us-east-1/medicalimaging-async-map/output/",
            "--failure-path", "s3://sagemaker-us-east-1/medicalimaging-async-map/failure/"])
        cls.ep.package("model.tar.gz")
        cls.sm = cls.ep.client()

    @classmethod
    def tearDownClass(cls):
        cls.ep.stop()
        cls.moto.stop()

    def s3_json(self, uri):
        bucket, key = uri[len("s3://"):].split("/", 1)
        try:
            return json.loads(self.moto.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except self.moto.s3.exceptions.NoSuchKey:
            return None

    def submit(self, body, key):
        self.moto.s3.put_object(Bucket="sagemaker-us-east-1", Key=key, Body=body,
                                ContentType="application/json")
        return self.sm.invoke_endpoint_async(
            EndpointName="spleen", ContentType="application/json", Accept="application/json",
            InputLocation="s3://sagemaker-us-east-1/" + key)

    def test_blog_async_workflow(self):
        r = self.submit(h.ASYNC_INPUT, "medicalimaging-async-map/inputImageSets.json")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 202)
        iid = r["InferenceId"]
        self.assertEqual(r["OutputLocation"],
                         "s3://sagemaker-us-east-1/medicalimaging-async-map/output/%s.out" % iid)
        self.assertTrue(r["FailureLocation"].endswith("/failure/%s-error.out" % iid))
        result = h.wait_for(lambda: self.s3_json(r["OutputLocation"]), what="the output object")
        self.assertEqual(result["inferenceId"], iid)
        self.assertEqual(result["summary"]["imageSetIds"], [h.IMAGE_SET])
        # The result files sit in S3 next to it, where the response says.
        loc = result["outputs"][0]["location"]
        self.assertTrue(loc.startswith("s3://sagemaker-us-east-1/medicalimaging-async-map/output/"))
        self.assertEqual(self.s3_json(loc)["inputs"][0]["imageSetId"], h.IMAGE_SET)
        self.assertIsNone(self.s3_json(r["FailureLocation"]))

    def test_malformed_input_gets_a_failure_object(self):
        r = self.submit('{"datastoreId": "not-an-id"}', "in/bad.json")
        failure = h.wait_for(lambda: self.s3_json(r["FailureLocation"]), what="the failure object")
        self.assertEqual(failure["ErrorCode"], "ValidationError")
        self.assertIn("datastoreId", failure["Message"])
        self.assertIsNone(self.s3_json(r["OutputLocation"]))

    def test_missing_input_location_object_fails_cleanly(self):
        r = self.sm.invoke_endpoint_async(EndpointName="spleen",
                                          InputLocation="s3://sagemaker-us-east-1/in/absent.json")
        failure = h.wait_for(lambda: self.s3_json(r["FailureLocation"]), what="the failure object")
        self.assertIn("cannot read InputLocation", failure["Message"])

    def test_client_inference_id_ttl_and_timeout_are_honoured(self):
        self.moto.s3.put_object(Bucket="sagemaker-us-east-1", Key="in/x.json", Body=h.ASYNC_INPUT)
        kwargs = dict(EndpointName="spleen", InputLocation="s3://sagemaker-us-east-1/in/x.json",
                      RequestTTLSeconds=60, InvocationTimeoutSeconds=3600, InferenceId="my-id-1")
        r = self.sm.invoke_endpoint_async(**kwargs)
        self.assertEqual(r["InferenceId"], "my-id-1")
        self.assertTrue(r["OutputLocation"].endswith("/output/my-id-1.out"))
        err = error_of(self.sm.invoke_endpoint_async, **kwargs)  # the ID names the output object
        self.assertEqual(err["Error"]["Code"], "ValidationError")
        h.wait_for(lambda: self.s3_json(r["OutputLocation"]), what="the output object")


if __name__ == "__main__":
    unittest.main(verbosity=2)
