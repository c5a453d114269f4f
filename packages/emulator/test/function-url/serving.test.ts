import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CreateFunctionUrlConfigCommand, UpdateFunctionUrlConfigCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpApiEventV2 } from '../../src/apigw/types.js';
import {
  allowPublicUrl,
  createFunction,
  ECHO_BOOTSTRAP,
  FAILING_BOOTSTRAP,
  STREAMING_BOOTSTRAP,
  startUrlEmulator,
  type UrlTestEmulator,
} from './helpers.js';

let t: UrlTestEmulator;
beforeAll(async () => {
  t = await startUrlEmulator();
});
afterAll(async () => {
  await t?.close();
});

async function createUrl(
  name: string,
  input: Partial<{ AuthType: 'NONE' | 'AWS_IAM'; InvokeMode: 'BUFFERED' | 'RESPONSE_STREAM' }> = {},
): Promise<string> {
  const out = await t.lambda.send(
    new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE', ...input }),
  );
  return out.FunctionUrl!;
}

describe('function URL access', () => {
  it('NONE answers 403 Forbidden until the policy grants both InvokeFunctionUrl and InvokeFunction', async () => {
    await createFunction(t.lambda, 'gated', ECHO_BOOTSTRAP);
    const url = await createUrl('gated');
    const denied = await fetch(url);
    expect(denied.status).toBe(403);
    expect(denied.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    expect(await denied.json()).toEqual({ Message: 'Forbidden' });

    await allowPublicUrl(t.lambda, 'gated');
    const ok = await fetch(`${url}path/x?text=hi&text=there`, { headers: { cookie: 'a=1; b=2' } });
    expect(ok.status).toBe(200);
    const event = (await ok.json()) as HttpApiEventV2;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/path/x',
      rawQueryString: 'text=hi&text=there',
      queryStringParameters: { text: 'hi,there' },
      cookies: ['a=1', 'b=2'],
      requestContext: { accountId: 'anonymous', http: { method: 'GET', path: '/path/x' } },
    });
    expect(event.requestContext.domainName).toMatch(/^[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws$/);
  });

  it('AWS_IAM refuses unsigned requests and accepts signed ones (signatures are not verified)', async () => {
    await createFunction(t.lambda, 'iam', ECHO_BOOTSTRAP);
    const url = await createUrl('iam', { AuthType: 'AWS_IAM' });
    expect((await fetch(url)).status).toBe(403);
    const signed = await fetch(url, {
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00',
      },
    });
    expect(signed.status).toBe(200);
    // Switching to NONE applies at once, on the same port; no policy yet → 403.
    await t.lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'iam', AuthType: 'NONE' }));
    expect((await fetch(url)).status).toBe(403);
  });
});

describe('function URL CORS from CreateFunctionUrlConfig', () => {
  it('answers preflights itself (even before any policy) and decorates responses', async () => {
    await createFunction(t.lambda, 'cors', ECHO_BOOTSTRAP);
    const out = await t.lambda.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: 'cors',
        AuthType: 'NONE',
        Cors: { AllowOrigins: ['https://app.example.com'], AllowMethods: ['POST'], MaxAge: 60 },
      }),
    );
    const url = out.FunctionUrl!;
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    expect((await fetch(url, { headers: { origin: 'https://app.example.com' } })).status).toBe(403);
    await allowPublicUrl(t.lambda, 'cors');
    const res = await fetch(url, {
      method: 'POST',
      body: '{}',
      headers: { origin: 'https://app.example.com' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });
});

describe('function URL invokes through the data plane', () => {
  it('BUFFERED: a function error becomes 502, as on AWS', async () => {
    await createFunction(t.lambda, 'failing', FAILING_BOOTSTRAP);
    await allowPublicUrl(t.lambda, 'failing');
    const url = await createUrl('failing');
    const res = await fetch(url);
    expect(res.status).toBe(502);
    expect(await res.text()).toBe('Internal Server Error');
  });

  it('RESPONSE_STREAM: the first chunk reaches the client before the function writes the last', async () => {
    const out = path.join(t.stateDir, 'stream-signal');
    mkdirSync(out, { recursive: true });
    await createFunction(t.lambda, 'streamer', STREAMING_BOOTSTRAP, { OUT: out });
    await allowPublicUrl(t.lambda, 'streamer');
    const url = await createUrl('streamer', { InvokeMode: 'RESPONSE_STREAM' });

    const res = await fetch(url);
    // Status and headers come from the streamed prelude.
    expect(res.status).toBe(201);
    expect(res.headers.get('x-streamed')).toBe('yes');
    expect(res.headers.get('content-type')).toBe('text/plain');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('first')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended early: ${text}`);
      text += decoder.decode(value, { stream: true });
    }
    // The function is blocked until the go file exists: "second" cannot have been written yet.
    expect(text).toBe('first');
    writeFileSync(path.join(out, 'go'), '');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe('firstsecond');
  });

  it('RESPONSE_STREAM: a failure after the first byte cuts the connection, as Lambda does', async () => {
    const out = path.join(t.stateDir, 'stream-cut');
    mkdirSync(out, { recursive: true });
    await createFunction(t.lambda, 'cut', STREAMING_BOOTSTRAP, { OUT: out, FAIL: '1' });
    await allowPublicUrl(t.lambda, 'cut');
    const url = await createUrl('cut', { InvokeMode: 'RESPONSE_STREAM' });
    const res = await fetch(url);
    expect(res.status).toBe(201);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('first')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended early: ${text}`);
      text += new TextDecoder().decode(value);
    }
    writeFileSync(path.join(out, 'go'), '');
    const rest = (async () => {
      for (;;) if ((await reader.read()).done) return 'ended cleanly';
    })();
    await expect(rest).rejects.toThrow();
  });

  it('RESPONSE_STREAM with a function that answers buffered still gets the whole body', async () => {
    await createFunction(t.lambda, 'plain', ECHO_BOOTSTRAP);
    await allowPublicUrl(t.lambda, 'plain');
    const url = await createUrl('plain', { InvokeMode: 'RESPONSE_STREAM' });
    const res = await fetch(`${url}buffered`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as HttpApiEventV2).rawPath).toBe('/buffered');
  });

  it('RESPONSE_STREAM: a function error before any byte becomes 502', async () => {
    await createFunction(t.lambda, 'stream-fail', FAILING_BOOTSTRAP);
    await allowPublicUrl(t.lambda, 'stream-fail');
    const url = await createUrl('stream-fail', { InvokeMode: 'RESPONSE_STREAM' });
    expect((await fetch(url)).status).toBe(502);
  });
});
