/** Builds a handler over a FakeMailbox with the real MIME builder and a seeded capitalizer. */
import { capitalizeHtml, randomCapitalize } from '@caprice/capitalize';
import { buildReply } from '@caprice/mime';
import { type BotConfig, loadConfig } from '../../src/config.js';
import { createHandler, type HandlerDeps } from '../../src/handler.js';
import { FakeMailbox } from './fake-mailbox.js';
import { captureLogger } from './logs.js';

export const BUCKET = 'caprice-mail';

export const testConfig: BotConfig = loadConfig({
  EMAIL_BOT_ADDRESS: 'bot@example.com',
  EMAIL_BOT_NAME: 'Caprice',
  EMAIL_BOT_BUCKET: BUCKET,
  EMAIL_BOT_KEY_PREFIX: 'inbound/',
  AWS_REGION: 'eu-west-1',
});

export function setup(overrides: Partial<HandlerDeps> = {}) {
  const mailbox = new FakeMailbox();
  const { logger, lines } = captureLogger();
  let ids = 0;
  const handler = createHandler({
    config: testConfig,
    mailbox,
    logger,
    buildReply: (original, reply) =>
      buildReply(original, reply, {
        now: () => new Date('2026-11-25T09:00:05Z'),
        generateId: () => `id${++ids}`,
      }),
    transform: {
      text: (input) => randomCapitalize(input, { seed: 7 }),
      html: (input) => capitalizeHtml(input, { seed: 7 }),
    },
    ...overrides,
  });
  return { handler, mailbox, lines };
}

/** An S3 notification for `keys` in {@link BUCKET}, keys form-encoded as AWS sends them. */
export function s3Event(keys: readonly string[], options: { encode?: boolean; size?: number } = {}): unknown {
  const encode = options.encode ?? true;
  return {
    Records: keys.map((key, i) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: '2026-11-25T09:00:01.000Z',
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
        object: {
          key: encode ? encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+') : key,
          ...(options.size === undefined ? {} : { size: options.size }),
          sequencer: `00${i}`,
        },
      },
    })),
  };
}
