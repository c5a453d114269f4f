import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  type LambdaFunctionConfiguration,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeEventKey } from '../../src/s3/notifications.js';
import { createS3Service, type InvokePermissionCheck } from '../../src/s3/s3-service.js';
import {
  eventually,
  recordingLambda,
  startTestServer,
  TEST_CREDENTIALS,
  tempStateDir,
} from './test-server.js';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:mailer';
const OTHER = 'arn:aws:lambda:us-east-1:000000000000:function:other';

let state: ReturnType<typeof tempStateDir>;
let server: Awaited<ReturnType<typeof startTestServer>>;
let s3: S3Client;
let lambda: ReturnType<typeof recordingLambda>;
let allowed: Set<string>;

async function errorOf(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof S3ServiceException) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

beforeEach(async () => {
  state = tempStateDir();
  lambda = recordingLambda();
  allowed = new Set([FN, OTHER]);
  const permissions: InvokePermissionCheck = {
    canInvoke: ({ functionArn, principal, sourceArn }) =>
      principal === 's3.amazonaws.com' && sourceArn === 'arn:aws:s3:::inbox' && allowed.has(functionArn),
  };
  const service = createS3Service({ stateDir: state.dir, lambda, permissions });
  server = await startTestServer({ s3: service.handle });
  s3 = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'inbox' }));
});

afterEach(async () => {
  s3.destroy();
  await server.close();
  state.cleanup();
});

function records(): S3Event['Records'] {
  return lambda.calls.flatMap((c) => (c.event as S3Event).Records);
}

describe('S3 bucket notifications', () => {
  it('invokes the function with an S3 event shaped like AWS for matching keys only', async () => {
    // Prepare
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'inbox',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Id: 'mail-in',
              LambdaFunctionArn: FN,
              Events: ['s3:ObjectCreated:*'],
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: 'prefix', Value: 'inbound/' },
                    { Name: 'suffix', Value: '.eml' },
                  ],
                },
              },
            },
          ],
        },
      }),
    );
    // Act
    await s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'inbound/a b+c ü.eml', Body: 'hello' }));
    await s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'inbound/skip.txt', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'other/x.eml', Body: 'x' }));
    // Assess
    await eventually(() => expect(lambda.calls).toHaveLength(1));
    expect(lambda.calls[0]?.nameOrArn).toBe(FN);
    const [record] = records();
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'mail-in',
        bucket: { name: 'inbox', arn: 'arn:aws:s3:::inbox' },
        object: { key: 'inbound/a+b%2Bc+%C3%BC.eml', size: 5, eTag: '5d41402abc4b2a76b9719d911017c592' },
      },
    });
    expect(record?.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(record?.s3.object.sequencer).toMatch(/^[0-9A-F]{16,}$/);
    expect(record?.responseElements['x-amz-request-id']).toBeTruthy();
    expect(decodeURIComponent(record!.s3.object.key.replace(/\+/g, ' '))).toBe('inbound/a b+c ü.eml');
  });

  it('matches exact event names and wildcards for copies and deletes', async () => {
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'inbox',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { Id: 'copies', LambdaFunctionArn: FN, Events: ['s3:ObjectCreated:Copy'] },
            { Id: 'removals', LambdaFunctionArn: OTHER, Events: ['s3:ObjectRemoved:*'] },
          ],
        },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'a', Body: 'x' }));
    await s3.send(new CopyObjectCommand({ Bucket: 'inbox', Key: 'b', CopySource: 'inbox/a' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'inbox', Key: 'a' }));
    await eventually(() => expect(lambda.calls).toHaveLength(2));
    expect(records().map((r) => [r.eventName, r.s3.configurationId, r.s3.object.key])).toEqual([
      ['ObjectCreated:Copy', 'copies', 'b'],
      ['ObjectRemoved:Delete', 'removals', 'a'],
    ]);
    expect(records()[1]?.s3.object).not.toHaveProperty('size');
    expect(lambda.calls.map((c) => c.nameOrArn)).toEqual([FN, OTHER]);
  });

  it('round-trips the configuration through Get', async () => {
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'inbox',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Id: 'n1',
              LambdaFunctionArn: FN,
              Events: ['s3:ObjectCreated:Put', 's3:ObjectCreated:Copy'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }] } },
            },
          ],
        },
      }),
    );
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'inbox' }));
    expect(got.LambdaFunctionConfigurations).toEqual([
      {
        Id: 'n1',
        LambdaFunctionArn: FN,
        Events: ['s3:ObjectCreated:Put', 's3:ObjectCreated:Copy'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }] } },
      },
    ]);
    // Put replaces the whole configuration: an empty one removes every notification.
    await s3.send(
      new PutBucketNotificationConfigurationCommand({ Bucket: 'inbox', NotificationConfiguration: {} }),
    );
    const empty = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'inbox' }));
    expect(empty.LambdaFunctionConfigurations ?? []).toEqual([]);
  });

  it('refuses destinations whose policy does not allow S3, bad events and overlaps, keeping the old config', async () => {
    const put = (configs: LambdaFunctionConfiguration[]) =>
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'inbox',
          NotificationConfiguration: { LambdaFunctionConfigurations: configs },
        }),
      );
    await put([{ Id: 'keep', LambdaFunctionArn: FN, Events: ['s3:ObjectCreated:*'] }]);
    allowed.delete(OTHER);
    const denied = await errorOf(put([{ LambdaFunctionArn: OTHER, Events: ['s3:ObjectCreated:*'] }]));
    expect(denied.name).toBe('InvalidArgument');
    expect(denied.message).toContain('Unable to validate the following destination configurations');
    const badEvent = await errorOf(
      put([{ LambdaFunctionArn: FN, Events: ['s3:ObjectMade:*' as 's3:ObjectCreated:*'] }]),
    );
    expect(badEvent.name).toBe('InvalidArgument');
    const overlap = await errorOf(
      put([
        { LambdaFunctionArn: FN, Events: ['s3:ObjectCreated:*'] },
        {
          LambdaFunctionArn: FN,
          Events: ['s3:ObjectCreated:Put'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'a/' }] } },
        },
      ]),
    );
    expect(overlap.name).toBe('InvalidArgument');
    const missing = await errorOf(
      s3.send(
        new PutBucketNotificationConfigurationCommand({ Bucket: 'nope', NotificationConfiguration: {} }),
      ),
    );
    expect(missing.name).toBe('NoSuchBucket');
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'inbox' }));
    expect(got.LambdaFunctionConfigurations?.map((c) => c.Id)).toEqual(['keep']);
  });

  it('answers malformed XML with MalformedXML', async () => {
    const res = await fetch(`${server.endpoint}/inbox?notification`, {
      method: 'PUT',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDCAPRICETEST/20261125/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00',
      },
      body: '<NotificationConfiguration><CloudFunctionConfiguration>',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>MalformedXML</Code>');
  });
});

describe('encodeEventKey', () => {
  it('form-encodes like S3 event records', () => {
    expect(encodeEventKey('red flower.jpg')).toBe('red+flower.jpg');
    expect(encodeEventKey('a+b/c=d')).toBe('a%2Bb/c%3Dd');
    expect(encodeEventKey('日本')).toBe('%E6%97%A5%E6%9C%AC');
  });
});
