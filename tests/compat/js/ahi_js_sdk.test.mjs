// AHI compatibility with the AWS JS SDK v3 (@aws-sdk/client-medical-imaging), endpoint override
// and disableHostPrefix only. Needs OPENHI_ENDPOINT (a running `openhi store serve`) and
// OPENHI_SHARED_DIR; run by tests/compat/run_js_test.py, which starts the servers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import {
  MedicalImagingClient, CreateDatastoreCommand, GetDatastoreCommand, ListDatastoresCommand,
  DeleteDatastoreCommand, StartDICOMImportJobCommand, GetDICOMImportJobCommand,
  ListDICOMImportJobsCommand, SearchImageSetsCommand, GetImageSetCommand,
  GetImageSetMetadataCommand, GetImageFrameCommand, ListImageSetVersionsCommand,
  UpdateImageSetMetadataCommand, CopyImageSetCommand, DeleteImageSetCommand,
  TagResourceCommand, UntagResourceCommand, ListTagsForResourceCommand,
} from "@aws-sdk/client-medical-imaging";

const client = (secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY") => new MedicalImagingClient({
  endpoint: process.env.OPENHI_ENDPOINT, region: "us-east-1", disableHostPrefix: true,
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: secret }, maxAttempts: 1,
});

async function errorName(promise) {
  try { await promise; } catch (e) { return [e.name, e.$metadata?.httpStatusCode]; }
  throw new Error("expected an error");
}

test("every operation and the error cases", async () => {
  const c = client();
  const { datastoreId: ds } = await c.send(new CreateDatastoreCommand({ datastoreName: "js", tags: { a: "1" } }));
  const props = (await c.send(new GetDatastoreCommand({ datastoreId: ds }))).datastoreProperties;
  assert.equal(props.datastoreStatus, "ACTIVE");
  assert.ok((await c.send(new ListDatastoresCommand({}))).datastoreSummaries.some((d) => d.datastoreId === ds));
  await c.send(new TagResourceCommand({ resourceArn: props.datastoreArn, tags: { b: "2" } }));
  await c.send(new UntagResourceCommand({ resourceArn: props.datastoreArn, tagKeys: ["a"] }));
  assert.deepEqual((await c.send(new ListTagsForResourceCommand({ resourceArn: props.datastoreArn }))).tags, { b: "2" });

  const input = `file://${process.env.OPENHI_SHARED_DIR}/data/dicom/transfer_syntax_matrix_mr_dcm_qa_ts/`;
  const job = await c.send(new StartDICOMImportJobCommand({
    datastoreId: ds, dataAccessRoleArn: "arn:aws:iam::123456789012:role/x",
    inputS3Uri: input, outputS3Uri: `file://${process.env.OPENHI_OUT_DIR}/`,
  }));
  let status;
  for (let i = 0; i < 600; i++) {
    status = (await c.send(new GetDICOMImportJobCommand({ datastoreId: ds, jobId: job.jobId }))).jobProperties.jobStatus;
    if (status === "COMPLETED" || status === "FAILED") break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(status, "COMPLETED");
  assert.equal((await c.send(new ListDICOMImportJobsCommand({ datastoreId: ds }))).jobSummaries.length, 1);
  const sets = (await c.send(new SearchImageSetsCommand({ datastoreId: ds, searchCriteria: {
    filters: [{ operator: "BETWEEN", values: [{ updatedAt: new Date(0) }, { updatedAt: new Date(Date.now() + 60000) }] }],
    sort: { sortField: "updatedAt", sortOrder: "ASC" } } }))).imageSetsMetadataSummaries;
  assert.ok(sets.length >= 1);
  const id = sets[0].imageSetId;
  assert.equal((await c.send(new GetImageSetCommand({ datastoreId: ds, imageSetId: id }))).versionId, "1");
  const meta = await c.send(new GetImageSetMetadataCommand({ datastoreId: ds, imageSetId: id }));
  const bytes = await meta.imageSetMetadataBlob.transformToByteArray();
  assert.equal(bytes[0], 0x1f);
  const doc = JSON.parse(gunzipSync(bytes).toString());
  const inst = Object.values(Object.values(doc.Study.Series)[0].Instances)[0];
  const frame = await c.send(new GetImageFrameCommand({ datastoreId: ds, imageSetId: id,
    imageFrameInformation: { imageFrameId: inst.ImageFrames[0].ID } }));
  const fb = await frame.imageFrameBlob.transformToByteArray();
  assert.deepEqual([fb[0], fb[1]], [0xff, 0x4f]);
  const upd = await c.send(new UpdateImageSetMetadataCommand({ datastoreId: ds, imageSetId: id, latestVersionId: "1",
    updateImageSetMetadataUpdates: { DICOMUpdates: { updatableAttributes: new TextEncoder().encode(
      JSON.stringify({ SchemaVersion: 1.1, Study: { DICOM: { StudyDescription: "JS" } } })) } } }));
  assert.equal(upd.latestVersionId, "2");
  assert.deepEqual(await errorName(c.send(new UpdateImageSetMetadataCommand({ datastoreId: ds, imageSetId: id,
    latestVersionId: "1", updateImageSetMetadataUpdates: { revertToVersionId: "1" } }))), ["ConflictException", 409]);
  assert.equal((await c.send(new ListImageSetVersionsCommand({ datastoreId: ds, imageSetId: id }))).imageSetPropertiesList.length, 2);
  const copy = await c.send(new CopyImageSetCommand({ datastoreId: ds, sourceImageSetId: id,
    copyImageSetInformation: { sourceImageSet: { latestVersionId: "2" } } }));
  assert.notEqual(copy.destinationImageSetProperties.imageSetId, id);

  assert.deepEqual(await errorName(c.send(new GetImageSetCommand({ datastoreId: ds, imageSetId: "0".repeat(32) }))),
    ["ResourceNotFoundException", 404]);
  assert.equal((await errorName(c.send(new GetImageSetCommand({ datastoreId: ds, imageSetId: "BAD" }))))[0], "ValidationException");
  assert.deepEqual(await errorName(c.send(new DeleteDatastoreCommand({ datastoreId: ds }))), ["ConflictException", 409]);
  assert.equal((await errorName(client("wrong").send(new GetDatastoreCommand({ datastoreId: ds }))))[1], 403);
  for (const s of (await c.send(new SearchImageSetsCommand({ datastoreId: ds }))).imageSetsMetadataSummaries) {
    await c.send(new DeleteImageSetCommand({ datastoreId: ds, imageSetId: s.imageSetId }));
  }
  assert.equal((await c.send(new DeleteDatastoreCommand({ datastoreId: ds }))).datastoreStatus, "DELETING");
});
