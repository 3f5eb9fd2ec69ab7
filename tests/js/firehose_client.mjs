// Drives firehose-emulator serve with the AWS SDK for JavaScript v3.
//
// The SDK is configured only through the environment (AWS_ENDPOINT_URL,
// AWS_REGION and fake credentials). The script creates the bucket and the
// delivery stream of the CreateDeliveryStream JSON file named on the command
// line, puts records with PutRecord and PutRecordBatch, flushes the buffers
// through the control API, and prints the delivered objects as JSON:
// {"keys": [...], "bodies": {key: base64}, "failedPutCount": n}.
import { readFile } from "node:fs/promises";
import {
  CreateDeliveryStreamCommand,
  FirehoseClient,
  PutRecordBatchCommand,
  PutRecordCommand,
} from "@aws-sdk/client-firehose";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";

const streamRequest = JSON.parse(await readFile(process.argv[2], "utf8"));
const bucket = streamRequest.S3DestinationConfiguration.BucketARN.split(":::")[1];
const stream = streamRequest.DeliveryStreamName;
const encoder = new TextEncoder();

// An IP-address endpoint makes the SDK use path-style bucket addressing.
const s3 = new S3Client({});
const firehose = new FirehoseClient({});

await s3.send(new CreateBucketCommand({ Bucket: bucket }));
await firehose.send(new CreateDeliveryStreamCommand(streamRequest));
await firehose.send(
  new PutRecordCommand({
    DeliveryStreamName: stream,
    Record: { Data: encoder.encode('{"event":"Delivered","id":0}\n') },
  }),
);
const batch = await firehose.send(
  new PutRecordBatchCommand({
    DeliveryStreamName: stream,
    Records: ["Read", "Opened", "Deleted"].map((event, index) => ({
      Data: encoder.encode(`{"event":"${event}","id":${index + 1}}\n`),
    })),
  }),
);

const flush = await fetch(`${process.env.AWS_ENDPOINT_URL}/_emulator/flush`, {
  method: "POST",
  body: JSON.stringify({ stream }),
});
if (!flush.ok) {
  throw new Error(`flush failed: ${flush.status} ${await flush.text()}`);
}

const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
const keys = (listing.Contents ?? []).map((item) => item.Key);
const bodies = {};
for (const key of keys) {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  bodies[key] = Buffer.from(await object.Body.transformToByteArray()).toString("base64");
}
console.log(JSON.stringify({ keys, bodies, failedPutCount: batch.FailedPutCount }));
