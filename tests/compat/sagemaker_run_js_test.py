"""Starts moto + `openhi endpoint serve` and runs the JS SDK v3 SageMaker runtime test with node's
test runner; then checks the async result it asked for appeared in S3."""
import json
import os
import subprocess
import sys
import tempfile

import sagemaker_harness as h

here = os.path.dirname(os.path.abspath(__file__))
moto = h.Moto()
moto.s3.create_bucket(Bucket="js-bucket")
ep = h.Endpoint(s3_endpoint=moto.endpoint, extra_args=[
    "--output-path", "s3://js-bucket/output/", "--failure-path", "s3://js-bucket/failure/"])
rc = 1
try:
    ep.package("model.tar.gz")
    moto.s3.put_object(Bucket="js-bucket", Key="in/inputImageSets.json", Body=h.ASYNC_INPUT)
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, OPENHI_ENDPOINT=ep.url, OPENHI_OUT_DIR=out,
                   OPENHI_INPUT_LOCATION="s3://js-bucket/in/inputImageSets.json",
                   OPENHI_BLOG_BODY=h.BLOG_BODY, OPENHI_IMAGE_SET=h.IMAGE_SET)
        rc = subprocess.run(["node", "--test", "sagemaker_js_sdk.test.mjs"],
                            cwd=os.path.join(here, "js"), env=env).returncode
        if rc == 0:
            with open(os.path.join(out, "async.json")) as f:
                reply = json.load(f)
            bucket, key = reply["OutputLocation"][len("s3://"):].split("/", 1)

            def fetch():
                try:
                    return json.loads(moto.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
                except moto.s3.exceptions.NoSuchKey:
                    return None
            result = h.wait_for(fetch, what="the async output in S3")
            assert result["inferenceId"] == reply["InferenceId"], result
            assert result["summary"]["imageSetIds"] == [h.IMAGE_SET], result
            print("async output verified in S3:", reply["OutputLocation"])
finally:
    ep.stop()
    moto.stop()
sys.exit(rc)
