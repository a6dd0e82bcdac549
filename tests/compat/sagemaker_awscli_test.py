"""SageMaker hosting with the AWS CLI: `aws sagemaker-runtime invoke-endpoint --target-model`
against the endpoint override, a package added at run time, an unknown target, and
invoke-endpoint-async with a file:// input."""
import json
import os
import subprocess
import tempfile
import unittest

import harness
import sagemaker_harness as h


class AwsCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ep = h.Endpoint()
        cls.ep.package("model.tar.gz")
        cls.dir = tempfile.mkdtemp(prefix="openhi_sm_cli_")
        cls.body = os.path.join(cls.dir, "body.json")
        with open(cls.body, "w") as f:
            f.write(h.BLOG_BODY)

    @classmethod
    def tearDownClass(cls):
        cls.ep.stop()

    def aws(self, *args):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=harness.ACCESS_KEY,
                   AWS_SECRET_ACCESS_KEY=harness.SECRET_KEY, AWS_DEFAULT_REGION=harness.REGION,
                   AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
        return subprocess.run(["aws", "sagemaker-runtime", "--endpoint-url", self.ep.url] +
                              list(args), env=env, capture_output=True, text=True, timeout=120)

    def invoke(self, target):
        out = os.path.join(self.dir, "out-%s.json" % target)
        p = self.aws("invoke-endpoint", "--endpoint-name", "spleen", "--target-model", target,
                     "--content-type", "application/json", "--accept", "application/json",
                     "--body", "fileb://" + self.body, out)
        return p, out

    def test_invoke_endpoint_with_target_model(self):
        p, out = self.invoke("model.tar.gz")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["InvokedProductionVariant"], "AllTraffic")
        with open(out) as f:
            body = json.load(f)
        self.assertEqual(body["summary"]["imageSetIds"], [h.IMAGE_SET])
        self.assertTrue(os.path.exists(h.file_path(body["outputs"][0]["location"])))

    def test_second_package_added_at_run_time(self):
        self.ep.package("second.tar.gz")
        p, out = self.invoke("second.tar.gz")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            self.assertEqual(json.load(f)["summary"]["app"], "second.tar.gz")

    def test_unknown_target_is_a_validation_error(self):
        p, _ = self.invoke("unknown.tar.gz")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ValidationError", p.stderr)

    def test_invoke_endpoint_async(self):
        location = os.path.join(self.dir, "async.json")
        with open(location, "w") as f:
            f.write(h.ASYNC_INPUT)
        # A plain absolute path: the CLI would read a file:// parameter's content instead.
        p = self.aws("invoke-endpoint-async", "--endpoint-name", "spleen",
                     "--input-location", location, "--content-type", "application/json")
        self.assertEqual(p.returncode, 0, p.stderr)
        reply = json.loads(p.stdout)
        result = h.wait_for(lambda: h.read_file_uri(reply["OutputLocation"]), what="output")
        self.assertEqual(result["inferenceId"], reply["InferenceId"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
