/**
 * The shipped artifact: bundles src/main.ts with @caprice/lambda-bundle (as scripts/bundle.ts does), loads the
 * bundle like the runtime would, and runs it against real SDK clients over a local S3/SES responder.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  buildLambdaBundle,
  collectDirectory,
  type LambdaBundleResult,
  writeReproducibleZip,
} from '@caprice/lambda-bundle';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailBotBundleOptions } from '../scripts/bundle-options.js';
import type { HandlerResult } from '../src/handler.js';
import { type AwsStub, startAwsStub } from './helpers/aws-stub.js';
import { inboundMessage } from './helpers/message.js';
import { s3Event } from './helpers/setup.js';

let dir: string;
let bundle: LambdaBundleResult;
let stub: AwsStub;

/**
 * Imports a fresh copy of the bundle with `env` as its environment (main.ts reads it at init; the SDK reads
 * credentials at call time, so the environment stays until `restore()`).
 */
async function loadBundle(env: Record<string, string>, copy: string) {
  const saved = { ...process.env };
  const restore = () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  };
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('EMAIL_BOT_') || key.startsWith('AWS_')) delete process.env[key];
  }
  Object.assign(process.env, env);
  try {
    // A query string makes a new module instance, as a fresh Lambda sandbox would.
    const mod = (await import(`${pathToFileURL(bundle.outfile).href}?${copy}`)) as {
      handler: (event: unknown, context: { awsRequestId: string }) => Promise<HandlerResult>;
    };
    return { handler: mod.handler, restore };
  } catch (error) {
    restore();
    throw error;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'email-bot-bundle-'));
  // The shipped configuration (charset shims, lazy paths), as `pnpm bundle` builds it.
  bundle = await buildLambdaBundle(emailBotBundleOptions(join(dir, 'index.mjs')));
  stub = await startAwsStub();
}, 60_000);

afterAll(async () => {
  await stub?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the bundle (dist/bundle/index.mjs)', () => {
  it('contains only the S3 and SES SDK clients', () => {
    const clients = new Set<string>();
    for (const path of Object.keys(bundle.metafile.inputs)) {
      const match = /@aws-sdk\/(client-[^/]+)/.exec(path);
      if (match) clients.add(match[1]!);
    }
    expect([...clients].sort()).toEqual(['client-s3', 'client-ses']);
  });

  it('builds reproducibly: two builds as `pnpm bundle` + `pnpm zip` run them give the same bytes and CodeSha256', {
    timeout: 60_000,
  }, async () => {
    // Prepare: the shipped options with the source map, into two folders, zipped without map and licence file
    // (as scripts/bundle.ts and scripts/zip.ts do).
    const results = [];
    for (const name of ['first', 'second']) {
      const out = join(dir, name, 'index.mjs');
      await buildLambdaBundle(emailBotBundleOptions(out, 'shipped', { sourcemap: true }));
      const entries = (await collectDirectory(join(dir, name))).filter(
        (entry) => !entry.path.endsWith('.map') && !entry.path.endsWith('.LEGAL.txt'),
      );
      results.push({
        code: await readFile(out),
        zip: await writeReproducibleZip(join(dir, `${name}.zip`), entries),
      });
    }
    // Assess
    const [first, second] = results as [(typeof results)[0], (typeof results)[0]];
    expect(first.zip.entries).toBe(1);
    expect(first.code.equals(second.code)).toBe(true);
    expect(first.zip.codeSha256).toBe(second.zip.codeSha256);
    expect((await readFile(join(dir, 'first.zip'))).equals(await readFile(join(dir, 'second.zip')))).toBe(
      true,
    );
  });

  it('fails its init naming the missing variable', async () => {
    await expect(loadBundle({ AWS_REGION: 'eu-west-1' }, 'no-address')).rejects.toThrow(/EMAIL_BOT_ADDRESS/);
  });

  it('fails its init naming a bot address the reply builder would refuse', async () => {
    await expect(
      loadBundle({ AWS_REGION: 'eu-west-1', EMAIL_BOT_ADDRESS: 'jörg@example.com' }, 'bad-address'),
    ).rejects.toThrow(/EMAIL_BOT_ADDRESS is "jörg@example.com", which the reply builder refuses/);
  });

  it('answers a stored message once through real S3 and SES clients', async () => {
    // Prepare
    const { handler, restore } = await loadBundle(
      {
        EMAIL_BOT_ADDRESS: 'bot@example.com',
        EMAIL_BOT_KEY_PREFIX: 'inbound/',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        EMAIL_BOT_S3_ENDPOINT: stub.endpoint,
        EMAIL_BOT_SES_ENDPOINT: stub.sesEndpoint,
      },
      'configured',
    );
    stub.objects.set('caprice-mail/inbound/abc', inboundMessage());
    // Act
    let first: HandlerResult;
    let second: HandlerResult;
    try {
      first = await handler(s3Event(['inbound/abc']), { awsRequestId: 'r1' });
      second = await handler(s3Event(['inbound/abc']), { awsRequestId: 'r2' });
    } finally {
      restore();
    }
    // Assess
    expect(first.outcomes[0]).toMatchObject({ status: 'replied' });
    expect(second.outcomes[0]).toMatchObject({ status: 'skipped', reason: 'already-answered' });
    expect(stub.sesRequests).toHaveLength(1);
    const request = stub.sesRequests[0]!;
    expect(request.get('Source')).toBe('bot@example.com');
    expect(request.get('Destinations.member.1')).toBe('alice@example.org');
    const reply = await simpleParser(Buffer.from(request.get('RawMessage.Data') ?? '', 'base64'));
    expect(reply.inReplyTo).toBe('<m1@example.org>');
    expect(reply.headers.get('auto-submitted')).toBe('auto-replied');
    expect(reply.text?.split('\n')[0]?.toLowerCase()).toBe('hello there, bot!');
  });
});
