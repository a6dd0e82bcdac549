"""AHI compatibility with boto3 (the real SDK, endpoint override only), every operation and the
error cases, plus the AWS blog workflow: upload to S3, import, poll, read the manifests from S3,
fetch metadata and every frame, and check each frame's CRC-32 against the metadata."""
import base64
import gzip
import json
import os
import subprocess
import tempfile
import time
import unittest
import zlib

import boto3
import botocore
from botocore.config import Config

import harness


def ahi_client(endpoint, secret=harness.SECRET_KEY):
    return boto3.client(
        "medical-imaging", endpoint_url=endpoint, region_name=harness.REGION,
        aws_access_key_id=harness.ACCESS_KEY, aws_secret_access_key=secret,
        config=Config(inject_host_prefix=False, retries={"max_attempts": 2}))


def error_code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("expected an error")


def decode_crc(codestream):
    """CRC-32 of a frame decoded by OpenJPH's own CLI (independent of openhi's codec).
    ojph_expand writes .raw as little-endian samples (it clamps negatives: unsigned data only)."""
    with tempfile.TemporaryDirectory() as d:
        src, out = os.path.join(d, "f.j2c"), os.path.join(d, "f.raw")
        with open(src, "wb") as f:
            f.write(codestream)
        subprocess.run(["ojph_expand", "-i", src, "-o", out], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out, "rb") as f:
            return zlib.crc32(f.read()) & 0xFFFFFFFF


class Boto3Compat(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.servers = harness.Servers()
        cls.ahi = ahi_client(cls.servers.endpoint)
        cls.s3 = boto3.client("s3", endpoint_url=cls.servers.s3_endpoint,
                              region_name=harness.REGION, aws_access_key_id="moto",
                              aws_secret_access_key="moto")

    @classmethod
    def tearDownClass(cls):
        cls.servers.stop()

    def upload_folder(self, bucket, prefix, folder, limit=None):
        self.s3.create_bucket(Bucket=bucket)
        names = sorted(os.listdir(folder))[:limit]
        for name in names:
            self.s3.upload_file(os.path.join(folder, name), bucket, prefix + name)
        return names

    def import_and_wait(self, ds, bucket, prefix, out_prefix):
        job = self.ahi.start_dicom_import_job(
            datastoreId=ds, dataAccessRoleArn=harness.ROLE_ARN, jobName="blog",
            inputS3Uri="s3://%s/%s" % (bucket, prefix),
            outputS3Uri="s3://%s/%s" % (bucket, out_prefix))
        self.assertEqual(job["jobStatus"], "SUBMITTED")
        deadline = time.time() + 300
        while time.time() < deadline:
            props = self.ahi.get_dicom_import_job(datastoreId=ds, jobId=job["jobId"])["jobProperties"]
            if props["jobStatus"] in ("COMPLETED", "FAILED"):
                return props
            time.sleep(0.5)
        self.fail("import did not finish")

    def test_blog_workflow_lidc_via_s3(self):
        # 1. Upload the LIDC CT series to S3.
        names = self.upload_folder("blog-in", "lidc/", harness.shared_dicom(
            "ct_chest_upper_abdomen_lidc0314_2mm"))
        self.assertEqual(len(names), 138)
        self.s3.create_bucket(Bucket="blog-out")
        # 2. Create a datastore and start an import job; 3. poll it.
        ds = self.ahi.create_datastore(datastoreName="blog")["datastoreId"]
        job = self.import_and_wait(ds, "blog-in", "lidc/", "")
        self.assertEqual(job["jobStatus"], "COMPLETED", job.get("message"))
        # 4. Read SUCCESS/success.ndjson from S3 to collect the image set IDs.
        folder = "%s-DicomImport-%s/" % (ds, job["jobId"])
        body = self.s3.get_object(Bucket="blog-in", Key=folder + "SUCCESS/success.ndjson")
        lines = [json.loads(l) for l in body["Body"].read().decode().splitlines() if l]
        self.assertEqual(len(lines), 138)
        self.assertTrue(all(l["inputFile"].startswith("lidc/") for l in lines))
        set_ids = {l["importResponse"]["imageSetId"] for l in lines}
        self.assertEqual(len(set_ids), 1)
        manifest = json.loads(self.s3.get_object(
            Bucket="blog-in", Key=folder + "job-output-manifest.json")["Body"].read())
        self.assertEqual(manifest["jobSummary"]["numberOfImportedFiles"], 138)
        # 5. Fetch the metadata (gunzip it) and every frame; check CRC-32s.
        set_id = set_ids.pop()
        meta = self.ahi.get_image_set_metadata(datastoreId=ds, imageSetId=set_id)
        raw = meta["imageSetMetadataBlob"].read()
        self.assertEqual(raw[:2], b"\x1f\x8b")
        doc = json.loads(gzip.decompress(raw))
        series = next(iter(doc["Study"]["Series"].values()))
        frames = [f for i in series["Instances"].values() for f in i["ImageFrames"]]
        self.assertEqual(len(frames), 138)
        for f in frames:
            r = self.ahi.get_image_frame(datastoreId=ds, imageSetId=set_id,
                                         imageFrameInformation={"imageFrameId": f["ID"]})
            self.assertEqual(r["contentType"], "image/jph")
            data = r["imageFrameBlob"].read()
            self.assertEqual(data[:2], b"\xff\x4f")
            expected = f["PixelDataChecksumFromBaseToFullResolution"][-1]["Checksum"]
            self.assertEqual(decode_crc(data), expected)
        # 6. Delete the image sets, then the datastore.
        d = self.ahi.delete_image_set(datastoreId=ds, imageSetId=set_id)
        self.assertEqual(d["imageSetWorkflowStatus"], "DELETING")
        self.assertEqual(self.ahi.delete_datastore(datastoreId=ds)["datastoreStatus"], "DELETING")

    def test_every_operation_and_error_cases(self):
        a = self.ahi
        ds = a.create_datastore(datastoreName="ops", tags={"team": "imaging"})["datastoreId"]
        self.assertEqual(a.get_datastore(datastoreId=ds)["datastoreProperties"]["datastoreStatus"],
                         "ACTIVE")
        self.assertIn(ds, [d["datastoreId"] for d in a.list_datastores()["datastoreSummaries"]])
        arn = a.get_datastore(datastoreId=ds)["datastoreProperties"]["datastoreArn"]
        a.tag_resource(resourceArn=arn, tags={"env": "test"})
        self.assertEqual(a.list_tags_for_resource(resourceArn=arn)["tags"],
                         {"team": "imaging", "env": "test"})
        a.untag_resource(resourceArn=arn, tagKeys=["env"])
        self.assertEqual(a.list_tags_for_resource(resourceArn=arn)["tags"], {"team": "imaging"})

        self.upload_folder("ops-in", "mr/", harness.shared_dicom(
            "transfer_syntax_matrix_mr_dcm_qa_ts"), limit=3)
        job = self.import_and_wait(ds, "ops-in", "mr/", "out/")
        self.assertEqual(job["jobStatus"], "COMPLETED")
        jobs = a.list_dicom_import_jobs(datastoreId=ds)["jobSummaries"]
        self.assertEqual(jobs[0]["jobId"], job["jobId"])
        found = a.search_image_sets(datastoreId=ds, searchCriteria={
            "filters": [{"operator": "EQUAL", "values": [{"DICOMPatientId": "ANON"}]}]})
        all_sets = a.search_image_sets(datastoreId=ds)["imageSetsMetadataSummaries"]
        self.assertGreaterEqual(len(all_sets), 1)
        set_id = all_sets[0]["imageSetId"]
        got = a.get_image_set(datastoreId=ds, imageSetId=set_id)
        self.assertEqual(got["versionId"], "1")
        self.assertEqual(got["imageSetState"], "ACTIVE")
        upd = a.update_image_set_metadata(
            datastoreId=ds, imageSetId=set_id, latestVersionId="1",
            updateImageSetMetadataUpdates={"DICOMUpdates": {"updatableAttributes": json.dumps(
                {"SchemaVersion": 1.1, "Study": {"DICOM": {"StudyDescription": "UPDATED"}}}).encode()}})
        self.assertEqual(upd["latestVersionId"], "2")
        # Conflicting update (stale version): ConflictException.
        self.assertEqual(error_code(
            a.update_image_set_metadata, datastoreId=ds, imageSetId=set_id, latestVersionId="1",
            updateImageSetMetadataUpdates={"revertToVersionId": "1"}), ("ConflictException", 409))
        versions = a.list_image_set_versions(datastoreId=ds, imageSetId=set_id)
        self.assertEqual(len(versions["imageSetPropertiesList"]), 2)
        self.assertIn("ImageSetWorkflowStatus", versions["imageSetPropertiesList"][0])
        meta = json.loads(gzip.decompress(a.get_image_set_metadata(
            datastoreId=ds, imageSetId=set_id, versionId="1")["imageSetMetadataBlob"].read()))
        self.assertNotEqual(meta["Study"]["DICOM"].get("StudyDescription"), "UPDATED")
        copy = a.copy_image_set(datastoreId=ds, sourceImageSetId=set_id,
                                copyImageSetInformation={"sourceImageSet": {"latestVersionId": "2"}})
        copy_id = copy["destinationImageSetProperties"]["imageSetId"]
        self.assertNotEqual(copy_id, set_id)

        unknown = "0" * 32
        self.assertEqual(error_code(a.get_datastore, datastoreId=unknown),
                         ("ResourceNotFoundException", 404))
        self.assertEqual(error_code(a.get_image_set, datastoreId=ds, imageSetId=unknown),
                         ("ResourceNotFoundException", 404))
        self.assertEqual(error_code(a.get_image_frame, datastoreId=ds, imageSetId=set_id,
                                    imageFrameInformation={"imageFrameId": unknown}),
                         ("ResourceNotFoundException", 404))
        self.assertEqual(error_code(a.get_dicom_import_job, datastoreId=ds, jobId="abc"),
                         ("ResourceNotFoundException", 404))
        # Bad IDs: the SDK does not validate patterns; the server does.
        self.assertEqual(error_code(a.get_image_set, datastoreId=ds, imageSetId="BAD-ID")[0],
                         "ValidationException")
        self.assertEqual(error_code(a.search_image_sets, datastoreId=ds, searchCriteria={
            "filters": [{"operator": "BETWEEN", "values": [{"DICOMPatientId": "a"},
                                                           {"DICOMPatientId": "b"}]}]})[0],
                         "ValidationException")
        # Deleting a non-empty datastore: ConflictException.
        self.assertEqual(error_code(a.delete_datastore, datastoreId=ds), ("ConflictException", 409))
        # A wrong signature: 403, and it does not reveal whether the datastore exists.
        bad = ahi_client(self.servers.endpoint, secret="wrong-secret")
        self.assertEqual(error_code(bad.get_datastore, datastoreId=ds)[1], 403)
        self.assertEqual(error_code(bad.get_datastore, datastoreId=unknown)[1], 403)
        for s in a.search_image_sets(datastoreId=ds)["imageSetsMetadataSummaries"]:
            a.delete_image_set(datastoreId=ds, imageSetId=s["imageSetId"])
        self.assertEqual(a.delete_datastore(datastoreId=ds)["datastoreStatus"], "DELETING")


if __name__ == "__main__":
    unittest.main(verbosity=2)
