/**
 * S3 request bodies that make the XML parser itself throw (an external entity, nesting deeper than the parser's
 * stack): S3 answers 400 MalformedXML (or its size error), not 500, and reads no file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailExtension } from '../../src/email/email-extension.js';
import { type Emulator, startEmulator } from '../../src/server.js';
import { TEST_CREDENTIALS } from '../s3/test-server.js';

const AUTH_S3 =
  'AWS4-HMAC-SHA256 Credential=AKIDCAPRICETEST/20261125/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00';

let dir: string;
let emulator: Emulator;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'caprice-xml-'));
  emulator = await startEmulator({ port: 0, stateDir: dir, extensions: [emailExtension({ smtpPort: 0 })] });
  const s3 = new S3Client({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: TEST_CREDENTIALS,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'keep' }));
  s3.destroy();
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('S3 XML bodies that break the parser', () => {
  const bodies: Array<[string, string]> = [
    [
      'external entity',
      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&x;</Key></Object></Delete>',
    ],
    ['20 000 nested elements', `${'<a>'.repeat(20000)}${'</a>'.repeat(20000)}`],
  ];
  const targets: Array<[string, string]> = [
    ['POST', '/keep?delete'],
    ['PUT', '/keep?notification'],
    ['PUT', '/newbucket'],
  ];
  for (const [name, body] of bodies) {
    for (const [method, target] of targets) {
      it(`${name}: ${method} ${target} → 400, not 500`, async () => {
        const res = await fetch(`${emulator.url}${target}`, {
          method,
          headers: { authorization: AUTH_S3, 'content-type': 'application/xml' },
          body,
        });
        const text = await res.text();
        expect(res.status, text).toBe(400);
        // CreateBucket reads at most 64 KiB: the 140 KB document is refused for its size before parsing.
        expect(text).toMatch(/<Code>(MalformedXML|MaxMessageLengthExceeded)<\/Code>/);
        expect(text).not.toContain('root:');
      });
    }
  }
});
