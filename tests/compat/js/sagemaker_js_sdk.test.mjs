// SageMaker hosting with the AWS JS SDK v3 (@aws-sdk/client-sagemaker-runtime), endpoint override
// only. Run by sagemaker_run_js_test.py, which starts the servers and checks S3 afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import {
  SageMakerRuntimeClient,
  InvokeEndpointCommand,
  InvokeEndpointAsyncCommand,
  ModelError,
  ValidationError,
} from "@aws-sdk/client-sagemaker-runtime";

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const client = new SageMakerRuntimeClient({
  endpoint: process.env.OPENHI_ENDPOINT,
  region: "us-east-1",
  credentials,
  maxAttempts: 1,
});

test("InvokeEndpoint with TargetModel returns the summary", async () => {
  const r = await client.send(new InvokeEndpointCommand({
    EndpointName: "spleen",
    TargetModel: "model.tar.gz",
    ContentType: "application/json",
    Accept: "application/json",
    CustomAttributes: "k=v",
    InferenceId: "js-id-1",
    Body: new TextEncoder().encode(process.env.OPENHI_BLOG_BODY),
  }));
  assert.equal(r.InvokedProductionVariant, "AllTraffic");
  const body = JSON.parse(new TextDecoder().decode(r.Body));
  assert.equal(body.inferenceId, "js-id-1");
  assert.deepEqual(body.summary.imageSetIds, [process.env.OPENHI_IMAGE_SET]);
});

test("unknown TargetModel is a ValidationError", async () => {
  await assert.rejects(
    client.send(new InvokeEndpointCommand({
      EndpointName: "spleen",
      TargetModel: "absent.tar.gz",
      ContentType: "application/json",
      Body: new TextEncoder().encode(process.env.OPENHI_BLOG_BODY),
    })),
    (e) => e instanceof ValidationError && e.$metadata.httpStatusCode === 400);
});

test("a bad body surfaces as ValidationError, not ModelError", async () => {
  await assert.rejects(
    client.send(new InvokeEndpointCommand({
      EndpointName: "spleen",
      TargetModel: "model.tar.gz",
      Body: new TextEncoder().encode("{}"),
    })),
    (e) => e instanceof ValidationError && !(e instanceof ModelError));
});

test("InvokeEndpointAsync answers 202 with the locations", async () => {
  const r = await client.send(new InvokeEndpointAsyncCommand({
    EndpointName: "spleen",
    ContentType: "application/json",
    Accept: "application/json",
    InputLocation: process.env.OPENHI_INPUT_LOCATION,
    RequestTTLSeconds: 3600,
    InvocationTimeoutSeconds: 900,
  }));
  assert.equal(r.$metadata.httpStatusCode, 202);
  assert.ok(r.InferenceId);
  assert.equal(r.OutputLocation, `s3://js-bucket/output/${r.InferenceId}.out`);
  assert.equal(r.FailureLocation, `s3://js-bucket/failure/${r.InferenceId}-error.out`);
  writeFileSync(`${process.env.OPENHI_OUT_DIR}/async.json`, JSON.stringify({
    InferenceId: r.InferenceId, OutputLocation: r.OutputLocation,
  }));
});
