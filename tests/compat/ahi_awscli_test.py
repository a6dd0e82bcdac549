"""AHI compatibility with the real AWS CLI (`aws medical-imaging ... --endpoint-url`), with the
host prefix turned off in an AWS config file the test writes."""
import json
import os
import subprocess
import tempfile
import time
import unittest

import boto3

import harness


class AwsCliCompat(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.servers = harness.Servers()
        cls.cfg = tempfile.mkdtemp()
        with open(os.path.join(cls.cfg, "config"), "w") as f:
            f.write("[default]\nregion = us-east-1\ndisable_host_prefix_injection = true\n")
        cls.env = dict(os.environ, AWS_CONFIG_FILE=os.path.join(cls.cfg, "config"),
                       AWS_ACCESS_KEY_ID=harness.ACCESS_KEY,
                       AWS_SECRET_ACCESS_KEY=harness.SECRET_KEY,
                       AWS_SHARED_CREDENTIALS_FILE=os.path.join(cls.cfg, "none"))

    @classmethod
    def tearDownClass(cls):
        cls.servers.stop()

    def aws(self, *args, ok=True, env=None):
        p = subprocess.run(["aws", "medical-imaging", *args, "--endpoint-url",
                            self.servers.endpoint, "--output", "json"],
                           capture_output=True, text=True, env=env or self.env, timeout=120)
        if ok:
            self.assertEqual(p.returncode, 0, p.stderr)
            return json.loads(p.stdout) if p.stdout.strip() else {}
        self.assertNotEqual(p.returncode, 0)
        return p.stderr

    def test_operations_and_errors(self):
        ds = self.aws("create-datastore", "--datastore-name", "cli")["datastoreId"]
        self.assertEqual(self.aws("get-datastore", "--datastore-id", ds)
                         ["datastoreProperties"]["datastoreStatus"], "ACTIVE")
        arn = self.aws("get-datastore", "--datastore-id", ds)["datastoreProperties"]["datastoreArn"]
        self.aws("tag-resource", "--resource-arn", arn, "--tags", "k1=v1,k2=v2")
        self.aws("untag-resource", "--resource-arn", arn, "--tag-keys", "k1")
        self.assertEqual(self.aws("list-tags-for-resource", "--resource-arn", arn)["tags"],
                         {"k2": "v2"})
        out = tempfile.mkdtemp()
        # Input through S3 (moto): the CLI reads file:// arguments as parameter files.
        s3 = boto3.client("s3", endpoint_url=self.servers.s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="moto", aws_secret_access_key="moto")
        s3.create_bucket(Bucket="cli-in")
        folder = harness.shared_dicom("codec_matrix_wg04_ct1")
        for name in sorted(os.listdir(folder)):
            s3.upload_file(os.path.join(folder, name), "cli-in", "ct1/" + name)
        job = self.aws("start-dicom-import-job", "--datastore-id", ds, "--data-access-role-arn",
                       harness.ROLE_ARN, "--input-s3-uri", "s3://cli-in/ct1/",
                       "--output-s3-uri", "s3://cli-in/out/")
        for _ in range(600):
            props = self.aws("get-dicom-import-job", "--datastore-id", ds, "--job-id",
                             job["jobId"])["jobProperties"]
            if props["jobStatus"] in ("COMPLETED", "FAILED"):
                break
            time.sleep(0.2)
        self.assertEqual(props["jobStatus"], "COMPLETED")
        self.assertEqual(len(self.aws("list-dicom-import-jobs", "--datastore-id", ds)
                             ["jobSummaries"]), 1)
        sets = self.aws("search-image-sets", "--datastore-id", ds)["imageSetsMetadataSummaries"]
        self.assertGreaterEqual(len(sets), 1)
        sid = sets[0]["imageSetId"]
        self.assertEqual(self.aws("get-image-set", "--datastore-id", ds, "--image-set-id", sid)
                         ["versionId"], "1")
        meta_file = os.path.join(out, "meta.gz")
        self.aws("get-image-set-metadata", "--datastore-id", ds, "--image-set-id", sid, meta_file)
        with open(meta_file, "rb") as f:
            self.assertEqual(f.read(2), b"\x1f\x8b")
        upd = self.aws("update-image-set-metadata", "--datastore-id", ds, "--image-set-id", sid,
                       "--latest-version-id", "1", "--update-image-set-metadata-updates",
                       json.dumps({"DICOMUpdates": {"updatableAttributes": json.dumps(
                           {"SchemaVersion": 1.1, "Study": {"DICOM": {"StudyDescription": "CLI"}}})}}))
        self.assertEqual(upd["latestVersionId"], "2")
        err = self.aws("update-image-set-metadata", "--datastore-id", ds, "--image-set-id", sid,
                       "--latest-version-id", "1", "--update-image-set-metadata-updates",
                       '{"revertToVersionId":"1"}', ok=False)
        self.assertIn("ConflictException", err)
        self.assertEqual(len(self.aws("list-image-set-versions", "--datastore-id", ds,
                                      "--image-set-id", sid)["imageSetPropertiesList"]), 2)
        copy = self.aws("copy-image-set", "--datastore-id", ds, "--source-image-set-id", sid,
                        "--copy-image-set-information",
                        '{"sourceImageSet":{"latestVersionId":"2"}}')
        self.assertIn("destinationImageSetProperties", copy)
        self.assertIn("ResourceNotFoundException", self.aws(
            "get-image-set", "--datastore-id", ds, "--image-set-id", "0" * 32, ok=False))
        self.assertIn("ValidationException", self.aws(
            "get-image-set", "--datastore-id", ds, "--image-set-id", "nope", ok=False))
        self.assertIn("ConflictException", self.aws("delete-datastore", "--datastore-id", ds,
                                                     ok=False))
        bad_env = dict(self.env, AWS_SECRET_ACCESS_KEY="wrong")
        err = self.aws("get-datastore", "--datastore-id", ds, ok=False, env=bad_env)
        self.assertTrue("403" in err or "Signature" in err or "AccessDenied" in err, err)
        for s in self.aws("search-image-sets", "--datastore-id", ds)["imageSetsMetadataSummaries"]:
            self.aws("delete-image-set", "--datastore-id", ds, "--image-set-id", s["imageSetId"])
        self.assertEqual(self.aws("delete-datastore", "--datastore-id", ds)["datastoreStatus"],
                         "DELETING")


if __name__ == "__main__":
    unittest.main(verbosity=2)
