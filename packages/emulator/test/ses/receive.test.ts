import {
  CreateReceiptRuleCommand,
  CreateReceiptRuleSetCommand,
  SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import type { SESEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createS3Service, type S3Service } from '../../src/s3/s3-service.js';
import { SesReceiveError } from '../../src/ses/ses-error.js';
import { createSesService, type SesService } from '../../src/ses/ses-service.js';
import { recordingLambda, startTestServer, TEST_CREDENTIALS, tempStateDir } from '../s3/test-server.js';

const DECIDER = 'arn:aws:lambda:us-east-1:000000000000:function:decider';

let state: ReturnType<typeof tempStateDir>;
let server: Awaited<ReturnType<typeof startTestServer>>;
let ses: SESClient;
let s3: S3Service;
let service: SesService;
let disposition: string;
const syncEvents: SESEvent[] = [];

beforeEach(async () => {
  state = tempStateDir();
  syncEvents.length = 0;
  const lambda = recordingLambda();
  s3 = createS3Service({ stateDir: state.dir, lambda });
  service = createSesService({
    stateDir: state.dir,
    s3,
    lambda: {
      invokeAsync: lambda.invokeAsync,
      invokeSync: async (_name, payload) => {
        syncEvents.push(JSON.parse(Buffer.from(payload).toString('utf8')) as SESEvent);
        return Buffer.from(JSON.stringify({ disposition }));
      },
    },
  });
  server = await startTestServer({ ses: service.handle });
  ses = new SESClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'main' }));
  await ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'main' }));
});

afterEach(async () => {
  ses.destroy();
  await server.close();
  state.cleanup();
});

describe('ses.receive (in-process)', () => {
  it('honours the disposition a RequestResponse Lambda action returns', async () => {
    // The second rule's bucket is created through the S3 API.
    const s3server = await startTestServer({ s3: s3.handle });
    const { S3Client, CreateBucketCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const client = new S3Client({
      endpoint: s3server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: TEST_CREDENTIALS,
    });
    try {
      await client.send(new CreateBucketCommand({ Bucket: 'mail-in' }));
      await ses.send(
        new CreateReceiptRuleCommand({
          RuleSetName: 'main',
          Rule: {
            Name: 'decide',
            Enabled: true,
            Actions: [{ LambdaAction: { FunctionArn: DECIDER, InvocationType: 'RequestResponse' } }],
          },
        }),
      );
      await ses.send(
        new CreateReceiptRuleCommand({
          RuleSetName: 'main',
          After: 'decide',
          Rule: { Name: 'store', Enabled: true, Actions: [{ S3Action: { BucketName: 'mail-in' } }] },
        }),
      );
      const message = {
        mailFrom: 'a@example.org',
        recipients: ['bot@example.com'],
        remoteAddress: '127.0.0.1',
        helo: 'client.example.org',
        raw: Buffer.from('From: a@example.org\r\nTo: bot@example.com\r\nSubject: x\r\n\r\nbody\r\n'),
        verdicts: { virus: 'FAIL' as const },
      };
      disposition = 'STOP_RULE_SET';
      const stopped = await service.receive(message);
      disposition = 'CONTINUE';
      const continued = await service.receive(message);
      const listed = await client.send(new ListObjectsV2Command({ Bucket: 'mail-in' }));
      expect((listed.Contents ?? []).map((c) => c.Key)).toEqual([continued.messageId]);
      expect(stopped.messageId).not.toBe(continued.messageId);
      expect(syncEvents).toHaveLength(2);
      expect(syncEvents[0]?.Records[0]?.ses.receipt.virusVerdict.status).toBe('FAIL');
      expect(syncEvents[0]?.Records[0]?.ses.receipt.action).toEqual({
        type: 'Lambda',
        functionArn: DECIDER,
        invocationType: 'RequestResponse',
      });
    } finally {
      client.destroy();
      await s3server.close();
    }
  });

  it('refuses messages no active rule accepts and messages over 40 MB', async () => {
    await ses.send(
      new CreateReceiptRuleCommand({
        RuleSetName: 'main',
        Rule: { Name: 'bot', Enabled: true, Recipients: ['bot@example.com'] },
      }),
    );
    const base = { mailFrom: 'a@x.org', remoteAddress: '127.0.0.1', helo: 'h' };
    const unknown = await service
      .receive({ ...base, recipients: ['other@example.com'], raw: Buffer.from('\r\n') })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(SesReceiveError);
    expect((unknown as SesReceiveError).responseCode).toBe(550);
    const huge = await service
      .receive({ ...base, recipients: ['bot@example.com'], raw: Buffer.alloc(40 * 1024 * 1024 + 1) })
      .catch((e: unknown) => e);
    expect((huge as SesReceiveError).responseCode).toBe(552);
  });
});
