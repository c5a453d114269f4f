import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvokeWithResponseStreamCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { echoBootstrap, Harness } from './harness.js';

// Case 44: a streaming /response is relayed chunk by chunk; error trailers end the stream with an error.
// The bootstrap is a small node script (curl cannot send trailers).

let h: Harness;
let lambda: LambdaClient;
beforeAll(async () => {
  h = await new Harness().start();
  lambda = h.lambda();
});
afterAll(async () => {
  lambda.destroy();
  await h.close();
});

/** Streams "first", waits for $OUT/go, streams "second", then ends (with error trailers for event "fail"). */
const streamingBootstrap = `#!/usr/bin/env node
const http = require('node:http');
const fs = require('node:fs');
const api = process.env.AWS_LAMBDA_RUNTIME_API;
const agent = new http.Agent({ keepAlive: true });
function next() {
  http.get({ host: api.split(':')[0], port: api.split(':')[1], path: '/2018-06-01/runtime/invocation/next', agent }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => handle(res.headers['lambda-runtime-aws-request-id'], Buffer.concat(chunks).toString()));
  });
}
function handle(id, event) {
  const req = http.request({
    host: api.split(':')[0], port: api.split(':')[1], method: 'POST', agent,
    path: '/2018-06-01/runtime/invocation/' + encodeURIComponent(id) + '/response',
    headers: {
      'Lambda-Runtime-Function-Response-Mode': 'streaming',
      'Transfer-Encoding': 'chunked',
      'Content-Type': 'text/plain',
      Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
    },
  }, (res) => { res.resume(); res.on('end', next); });
  req.flushHeaders();
  req.write('first');
  const go = process.env.OUT + '/go';
  const wait = setInterval(() => {
    if (!fs.existsSync(go)) return;
    clearInterval(wait);
    fs.rmSync(go);
    req.write('second');
    if (event === '"fail"') {
      const body = JSON.stringify({ errorType: 'Error', errorMessage: 'mid-stream', trace: [] });
      req.addTrailers({
        'Lambda-Runtime-Function-Error-Type': 'Error',
        'Lambda-Runtime-Function-Error-Body': Buffer.from(body).toString('base64'),
      });
    }
    req.end();
  }, 10);
}
next();
`;

describe('response streaming', () => {
  test('44: chunks reach the SDK InvokeWithResponseStream as they are written; InvokeComplete ends it', async () => {
    const out = join(h.root, 'stream-ok');
    mkdirSync(out, { recursive: true });
    h.define('stream', { environment: { OUT: out }, bootstrap: streamingBootstrap });
    const res = await lambda.send(
      new InvokeWithResponseStreamCommand({
        FunctionName: 'stream',
        Payload: Buffer.from('"ok"'),
        LogType: 'Tail',
      }),
    );
    expect(res.StatusCode).toBe(200);
    expect(res.ExecutedVersion).toBe('$LATEST');
    const seen: string[] = [];
    let complete: { ErrorCode?: string; ErrorDetails?: string; LogResult?: string } | undefined;
    for await (const event of res.EventStream ?? []) {
      if (event.PayloadChunk?.Payload !== undefined) {
        seen.push(Buffer.from(event.PayloadChunk.Payload).toString());
        // Only now does the function write its second chunk: the first one was relayed on its own.
        if (seen.length === 1) writeFileSync(join(out, 'go'), '');
      }
      if (event.InvokeComplete !== undefined) complete = event.InvokeComplete;
    }
    expect(seen).toEqual(['first', 'second']);
    expect(complete?.ErrorCode).toBeUndefined();
    expect(Buffer.from(complete?.LogResult ?? '', 'base64').toString()).toMatch(
      /^START RequestId: .*REPORT RequestId: /s,
    );
  });

  test('44: error trailers become an error InvokeComplete', async () => {
    const out = join(h.root, 'stream-fail');
    mkdirSync(out, { recursive: true });
    h.define('stream-fail', { environment: { OUT: out }, bootstrap: streamingBootstrap });
    const res = await lambda.send(
      new InvokeWithResponseStreamCommand({ FunctionName: 'stream-fail', Payload: Buffer.from('"fail"') }),
    );
    const seen: string[] = [];
    let complete: { ErrorCode?: string; ErrorDetails?: string } | undefined;
    for await (const event of res.EventStream ?? []) {
      if (event.PayloadChunk?.Payload !== undefined) {
        seen.push(Buffer.from(event.PayloadChunk.Payload).toString());
        if (!existsSync(join(out, 'go'))) writeFileSync(join(out, 'go'), '');
      }
      if (event.InvokeComplete !== undefined) complete = event.InvokeComplete;
    }
    expect(seen).toEqual(['first', 'second']);
    expect(complete?.ErrorCode).toBe('Error');
    expect(JSON.parse(complete?.ErrorDetails ?? '{}')).toEqual({
      errorType: 'Error',
      errorMessage: 'mid-stream',
      trace: [],
    });
  });

  test('a streamed response to a classic (buffered) invoke arrives whole; a buffered response streams as one chunk', async () => {
    const out = join(h.root, 'stream-buffered');
    mkdirSync(out, { recursive: true });
    h.define('stream-buffered', { environment: { OUT: out }, bootstrap: streamingBootstrap });
    const pending = h.invoke('stream-buffered', '"ok"');
    setTimeout(() => writeFileSync(join(out, 'go'), ''), 50);
    const res = await pending;
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('firstsecond');

    h.define('plain', { bootstrap: echoBootstrap() });
    const streamed = await lambda.send(
      new InvokeWithResponseStreamCommand({ FunctionName: 'plain', Payload: Buffer.from('{"x":1}') }),
    );
    const chunks: string[] = [];
    for await (const event of streamed.EventStream ?? []) {
      if (event.PayloadChunk?.Payload !== undefined)
        chunks.push(Buffer.from(event.PayloadChunk.Payload).toString());
    }
    expect(chunks).toEqual(['{"x":1}']);
  });
});
