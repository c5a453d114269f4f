import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson } from '../../src/http/send-json.js';
import { startEmulator } from '../../src/server.js';
import { startTestEmulator, type TestEmulator } from './helpers.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

const sig = (service: string, region = 'eu-west-1') =>
  `AWS4-HMAC-SHA256 Credential=AKID/20240101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=abc`;

describe('emulator router', () => {
  let t: TestEmulator;
  const seen: { service: string; region?: string; path: string }[] = [];
  beforeAll(async () => {
    t = await startTestEmulator({
      services: {
        s3: async (_req, res, ctx) => {
          seen.push({ service: ctx.service, region: ctx.region, path: ctx.url.pathname });
          sendJson(res, 200, { s3: true });
        },
      },
      defaultService: 's3',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers the health check', async () => {
    const res = await call(t.emulator.url, 'GET', '/_caprice/health');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      status: 'ok',
      services: { lambda: { functions: expect.any(Number) } },
    });
  });

  it('routes by the SigV4 credential scope service and passes its region', async () => {
    const res = await call(t.emulator.url, 'GET', '/2015-03-31/functions/', { authorization: sig('s3') });
    expect(res.status).toBe(200);
    expect(seen.at(-1)).toEqual({ service: 's3', region: 'eu-west-1', path: '/2015-03-31/functions/' });
  });

  it('routes presigned URLs by X-Amz-Credential', async () => {
    await call(
      t.emulator.url,
      'GET',
      '/bucket/key?X-Amz-Credential=AKID%2F20240101%2Fus-west-2%2Fs3%2Faws4_request',
    );
    expect(seen.at(-1)).toEqual({ service: 's3', region: 'us-west-2', path: '/bucket/key' });
  });

  it('routes unsigned Lambda paths to Lambda and the rest to the default service', async () => {
    const lambda = await call(t.emulator.url, 'GET', '/2015-03-31/functions/');
    expect(JSON.parse(lambda.body)).toEqual({ Functions: [] });
    await call(t.emulator.url, 'GET', '/some-bucket');
    expect(seen.at(-1)?.path).toBe('/some-bucket');
  });

  it('uses the signed region in new ARNs', async () => {
    const res = await call(
      t.emulator.url,
      'POST',
      '/2018-10-31/layers/l/versions',
      { authorization: sig('lambda') },
      JSON.stringify({ Content: { ZipFile: 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==' } }),
    );
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body).LayerVersionArn).toBe('arn:aws:lambda:eu-west-1:000000000000:layer:l:1');
  });

  it('answers an unknown service and an unknown Lambda path with AWS-shaped errors', async () => {
    const unknown = await call(t.emulator.url, 'GET', '/', { authorization: sig('dynamodb') });
    expect(unknown.status).toBe(400);
    expect(unknown.headers['x-amzn-errortype']).toBe('UnrecognizedClientException');
    const bad = await call(t.emulator.url, 'GET', '/2015-03-31/nothing', { authorization: sig('lambda') });
    expect(bad.status).toBe(404);
    expect(bad.headers['x-amzn-errortype']).toBe('UnknownOperationException');
  });

  it('hands Invoke and streaming invokes to the data plane with name and qualifier', async () => {
    await t.lambda
      .send(
        new InvokeCommand({
          FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:f',
          Qualifier: 'live',
        }),
      )
      .catch(() => undefined);
    await call(t.emulator.url, 'POST', '/2021-11-15/functions/g/response-streaming-invocations?Qualifier=3', {
      authorization: sig('lambda'),
    });
    expect(t.dataPlane().invokes).toEqual([
      {
        functionName: 'arn:aws:lambda:us-east-1:000000000000:function:f',
        qualifier: 'live',
        streaming: false,
      },
      { functionName: 'g', qualifier: '3', streaming: true },
    ]);
  });
});

describe('emulator defaults', () => {
  it('binds 127.0.0.1 and keeps its state in .caprice/ of the working directory', async () => {
    const cwd = process.cwd();
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'caprice-defaults-')));
    process.chdir(dir);
    try {
      const emulator = await startEmulator({ port: 0 });
      try {
        expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect((await call(emulator.url, 'GET', '/_caprice/health')).status).toBe(200);
        expect(existsSync(join(dir, '.caprice'))).toBe(true);
      } finally {
        await emulator.close();
      }
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('emulator extensions', () => {
  it('adds services, admin routes and a default service built from the running parts, and closes them', async () => {
    // Prepare
    let closed = false;
    let partsUrl = '';
    const t = await startTestEmulator({
      extensions: [
        (parts) => {
          partsUrl = parts.url;
          expect(parts.dataPlane).toBeDefined();
          expect(parts.lambda).toBeDefined();
          return {
            services: { ses: async (_req, res) => sendJson(res, 200, { ses: true }) },
            adminRoutes: [
              {
                pathPrefix: '/_caprice/ses/',
                handler: async (_req, res, url) => sendJson(res, 200, { admin: url.pathname }),
              },
            ],
            defaultService: 'ses',
            close: async () => {
              closed = true;
            },
          };
        },
      ],
    });
    try {
      // Act
      const signed = await call(t.emulator.url, 'POST', '/', { authorization: sig('ses') });
      const admin = await call(t.emulator.url, 'GET', '/_caprice/ses/outbox');
      const unsigned = await call(t.emulator.url, 'GET', '/anything');
      // Assess
      expect(partsUrl).toBe(t.emulator.url);
      expect(JSON.parse(signed.body)).toEqual({ ses: true });
      expect(JSON.parse(admin.body)).toEqual({ admin: '/_caprice/ses/outbox' });
      expect(JSON.parse(unsigned.body)).toEqual({ ses: true });
    } finally {
      await t.close();
    }
    expect(closed).toBe(true);
  });
});
