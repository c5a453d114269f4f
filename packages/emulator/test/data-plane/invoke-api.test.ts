import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { echoBootstrap, Harness, SH_PRELUDE, waitFor } from './harness.js';

// Invoke API conformance (runtime-api.md §6, cases 38–42) over fetch and @aws-sdk/client-lambda.

let h: Harness;
let lambda: LambdaClient;
let n = 0;
beforeAll(async () => {
  h = await new Harness().start();
  lambda = h.lambda();
});
afterAll(async () => {
  lambda.destroy();
  await h.close();
});

function outDir(): string {
  const dir = join(h.root, 'out', String(++n));
  mkdirSync(dir, { recursive: true });
  return dir;
}
const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];

/** Appends every event to $OUT/events, answers with it. */
const recordingBootstrap = `${SH_PRELUDE}
while true; do
  next
  printf '%s\\n' "$EVENT" >> "$OUT/events"
  respond "$EVENT"
done
`;

describe('Invoke API', () => {
  test('38: Event → 202 at once and runs later; DryRun → 204 and does not run; > 1 MB async → 413', async () => {
    const out = outDir();
    h.define('c38', { environment: { OUT: out }, bootstrap: recordingBootstrap });
    const dry = await h.invoke('c38', '{"dry":1}', { 'x-amz-invocation-type': 'DryRun' });
    expect(dry.status).toBe(204);
    expect(h.dataPlane.instances('c38')).toHaveLength(0);

    const ev = await h.invoke('c38', '{"async":1}', { 'x-amz-invocation-type': 'Event' });
    expect(ev.status).toBe(202);
    expect(await ev.text()).toBe('');
    expect(ev.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    await h.dataPlane.drainAsync();
    expect(lines(join(out, 'events'))).toEqual(['{"async":1}']);

    const big = `"${'x'.repeat(1024 * 1024)}"`;
    const tooBig = await h.invoke('c38', big, { 'x-amz-invocation-type': 'Event' });
    expect(tooBig.status).toBe(413);
    expect(tooBig.headers.get('x-amzn-errortype')).toBe('RequestTooLargeException');
    expect(((await tooBig.json()) as { message: string }).message).toBe(
      'Request must be smaller than 1048576 bytes for the InvokeFunction operation',
    );
  });

  test('38b: a failing async invoke is retried twice, with the same request ID', async () => {
    const out = outDir();
    h.define('c38b', {
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}
while true; do
  next
  echo "$ID" >> "$OUT/attempts"
  curl -sS -o /dev/null -X POST "$API/invocation/$ID/error" -d '{"errorType":"Boom","errorMessage":"no"}'
done
`,
    });
    const ev = await h.invoke('c38b', '{}', { 'x-amz-invocation-type': 'Event' });
    expect(ev.status).toBe(202);
    await h.dataPlane.drainAsync();
    const attempts = lines(join(out, 'attempts'));
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts)).toEqual(new Set([ev.headers.get('x-amzn-requestid')]));
    expect(h.dataPlane.readLogs('c38b')).toContain('giving up');
  });

  test('39: a RequestResponse payload over 6 MB → 413 RequestTooLargeException with x-amzn-ErrorType', async () => {
    h.define('c39', { bootstrap: echoBootstrap() });
    const res = await h.invoke('c39', `"${'y'.repeat(6 * 1024 * 1024)}"`);
    expect(res.status).toBe(413);
    expect(res.headers.get('x-amzn-errortype')).toBe('RequestTooLargeException');
    const err = await lambda
      .send(
        new InvokeCommand({ FunctionName: 'c39', Payload: Buffer.from(`"${'y'.repeat(6 * 1024 * 1024)}"`) }),
      )
      .catch((e: unknown) => e as Error);
    expect((err as Error).name).toBe('RequestTooLargeException');
  });

  test('40: LogType Tail → X-Amz-Log-Result, base64 of the last 4 KB of START/output/END/REPORT', async () => {
    h.define('c40', {
      bootstrap: `${SH_PRELUDE}
while true; do
  next
  echo "hello from $ID"
  if [ "$EVENT" = '"lots"' ]; then i=0; while [ $i -lt 300 ]; do echo "line $i of filler text"; i=$((i+1)); done; fi
  respond '"ok"'
done
`,
    });
    const res = await h.invoke('c40', '"small"', { 'x-amz-log-type': 'Tail' });
    const id = res.headers.get('x-amzn-requestid');
    const log = Buffer.from(res.headers.get('x-amz-log-result') ?? '', 'base64').toString('utf8');
    expect(log).toMatch(
      new RegExp(
        `^START RequestId: ${id} Version: \\$LATEST\nhello from ${id}\nEND RequestId: ${id}\nREPORT RequestId: ${id}\tDuration: [\\d.]+ ms\tBilled Duration: \\d+ ms\tMemory Size: 128 MB\tMax Memory Used: \\d+ MB\t`,
      ),
    );
    const big = await h.invoke('c40', '"lots"', { 'x-amz-log-type': 'Tail' });
    const tail = Buffer.from(big.headers.get('x-amz-log-result') ?? '', 'base64');
    expect(tail.length).toBe(4096);
    expect(tail.toString('utf8')).toMatch(/line 299 of filler text\nEND RequestId: .*\nREPORT RequestId: /);
    const none = await h.invoke('c40', '"small"');
    expect(none.headers.get('x-amz-log-result')).toBeNull();
  });

  test('41: X-Amz-Executed-Version on every synchronous response; Qualifier selects the version', async () => {
    const out = outDir();
    h.define('c41', {
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}
while true; do next; respond "\\"$AWS_LAMBDA_FUNCTION_VERSION $(hdr lambda-runtime-invoked-function-arn)\\""; done
`,
    });
    const latest = await h.invoke('c41');
    expect(latest.headers.get('x-amz-executed-version')).toBe('$LATEST');
    expect(await latest.text()).toBe('"$LATEST arn:aws:lambda:us-east-1:000000000000:function:c41"');
    const v1 = await h.invoke('c41', '{}', {}, '?Qualifier=1');
    expect(v1.headers.get('x-amz-executed-version')).toBe('1');
    expect(await v1.text()).toBe('"1 arn:aws:lambda:us-east-1:000000000000:function:c41:1"');
    const missing = await h.invoke('c41', '{}', {}, '?Qualifier=7');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
  });

  test('42: X-Amz-Client-Context arrives decoded; invalid base64 is rejected and never forwarded', async () => {
    const out = outDir();
    h.define('c42', {
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}
while true; do
  next
  hdr lambda-runtime-client-context >> "$OUT/contexts"
  respond '"ok"'
done
`,
    });
    const ctx = '{"custom":{"a":"b"},"env":{"locale":"en"}}';
    const ok = await h.invoke('c42', '{}', { 'x-amz-client-context': Buffer.from(ctx).toString('base64') });
    expect(ok.status).toBe(200);
    await ok.text();
    for (const bad of ['!!not base64!!', Buffer.from('not json').toString('base64')]) {
      const res = await h.invoke('c42', '{}', { 'x-amz-client-context': bad });
      expect(res.status).toBe(400);
      expect(res.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    }
    expect(lines(join(out, 'contexts'))).toEqual([ctx]);
  });

  test('SDK InvokeCommand: payload, FunctionError, LogResult, ExecutedVersion, StatusCode', async () => {
    h.define('sdk', {
      bootstrap: `${SH_PRELUDE}
while true; do
  next
  echo "log line"
  if [ "$EVENT" = '"fail"' ]; then
    curl -sS -o /dev/null -X POST "$API/invocation/$ID/error" -H 'Lambda-Runtime-Function-Error-Type: Function.Error' -d '{"errorType":"Error","errorMessage":"failed"}'
  else
    respond "{\\"got\\":$EVENT}"
  fi
done
`,
    });
    const ok = await lambda.send(
      new InvokeCommand({ FunctionName: 'sdk', Payload: Buffer.from('[1,2]'), LogType: 'Tail' }),
    );
    expect(ok.StatusCode).toBe(200);
    expect(ok.FunctionError).toBeUndefined();
    expect(ok.ExecutedVersion).toBe('$LATEST');
    expect(Buffer.from(ok.Payload ?? []).toString()).toBe('{"got":[1,2]}');
    expect(Buffer.from(ok.LogResult ?? '', 'base64').toString()).toContain('log line');
    const bad = await lambda.send(
      new InvokeCommand({
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:sdk',
        Payload: Buffer.from('"fail"'),
      }),
    );
    expect(bad.StatusCode).toBe(200);
    expect(bad.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(bad.Payload ?? []).toString())).toEqual({
      errorType: 'Error',
      errorMessage: 'failed',
    });
    const ev = await lambda.send(
      new InvokeCommand({ FunctionName: 'sdk', InvocationType: 'Event', Payload: Buffer.from('1') }),
    );
    expect(ev.StatusCode).toBe(202);
    const dry = await lambda.send(new InvokeCommand({ FunctionName: 'sdk', InvocationType: 'DryRun' }));
    expect(dry.StatusCode).toBe(204);
    const missing = await lambda
      .send(new InvokeCommand({ FunctionName: 'nope' }))
      .catch((e: unknown) => e as Error);
    expect((missing as Error).name).toBe('ResourceNotFoundException');
    await h.dataPlane.drainAsync();
  });

  test('a synchronous invoke beyond the concurrency limit → 429 TooManyRequestsException; async invokes queue', async () => {
    const out = outDir();
    h.define('busy', {
      reservedConcurrency: 1,
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}
while true; do
  next
  echo "$EVENT" >> "$OUT/events"
  if [ "$EVENT" = '"hold"' ]; then while [ ! -f "$OUT/go" ]; do sleep 0.02; done; fi
  respond '"done"'
done
`,
    });
    const held = h.invoke('busy', '"hold"');
    await waitFor(() => lines(join(out, 'events')).length === 1);
    const throttled = await lambda
      .send(new InvokeCommand({ FunctionName: 'busy' }))
      .catch((e: unknown) => e as Error);
    expect((throttled as Error).name).toBe('TooManyRequestsException');
    const raw = await h.invoke('busy');
    expect(raw.status).toBe(429);
    expect(await raw.json()).toEqual({
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      Type: 'User',
      message: 'Rate Exceeded.',
    });
    for (const i of [1, 2]) {
      expect((await h.invoke('busy', String(i), { 'x-amz-invocation-type': 'Event' })).status).toBe(202);
    }
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(out, 'go'), '');
    expect(await (await held).text()).toBe('"done"');
    await h.dataPlane.drainAsync();
    expect(lines(join(out, 'events'))).toEqual(['"hold"', '1', '2']);
    expect(h.dataPlane.instances('busy').length).toBe(1);
  });

  test('reserved concurrency 0: synchronous invokes get 429, async ones are dropped (logged), never run', async () => {
    const out = outDir();
    h.define('off', { reservedConcurrency: 0, environment: { OUT: out }, bootstrap: recordingBootstrap });
    expect((await h.invoke('off')).status).toBe(429);
    expect((await h.invoke('off', '{}', { 'x-amz-invocation-type': 'Event' })).status).toBe(202);
    await h.dataPlane.drainAsync();
    expect(lines(join(out, 'events'))).toEqual([]);
    expect(h.dataPlane.readLogs('off')).toContain('reserved concurrency is 0; event not run');
    expect(h.dataPlane.readLogs('off')).toContain('No on-failure destination; event dropped');
  });

  test('an invocation or log type outside the model enum → 400 ValidationException in AWS words, nothing runs', async () => {
    const out = outDir();
    h.define('enums', { environment: { OUT: out }, bootstrap: recordingBootstrap });
    const badType = await h.invoke('enums', '{}', { 'x-amz-invocation-type': 'Async' });
    expect(badType.status).toBe(400);
    expect(badType.headers.get('x-amzn-errortype')).toBe('ValidationException');
    expect(((await badType.json()) as { message: string }).message).toBe(
      "1 validation error detected: Value 'Async' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
    );
    const both = await h.invoke('enums', '{}', { 'x-amz-invocation-type': 'Later', 'x-amz-log-type': 'All' });
    expect(((await both.json()) as { message: string }).message).toBe(
      "2 validation errors detected: Value 'Later' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]; Value 'All' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]",
    );
    const streamingEvent = await fetch(`${h.url}/2021-11-15/functions/enums/response-streaming-invocations`, {
      method: 'POST',
      headers: { 'x-amz-invocation-type': 'Event' },
      body: '{}',
    });
    expect(streamingEvent.status).toBe(400);
    expect(((await streamingEvent.json()) as { message: string }).message).toBe(
      "1 validation error detected: Value 'Event' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]",
    );
    // Through the SDK, which sends what it is given.
    const sdk = await lambda
      .send(new InvokeCommand({ FunctionName: 'enums', LogType: 'Everything' as 'Tail' }))
      .catch((e: unknown) => e as Error);
    expect((sdk as Error).name).toBe('ValidationException');
    await h.dataPlane.drainAsync();
    expect(lines(join(out, 'events'))).toEqual([]);
    expect(h.dataPlane.instances('enums')).toHaveLength(0);
  });

  test('a payload that is not JSON → 400 InvalidRequestContentException; an empty payload arrives as {}', async () => {
    const out = outDir();
    h.define('json', { environment: { OUT: out }, bootstrap: recordingBootstrap });
    const bad = await h.invoke('json', 'not json');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    const empty = await h.invoke('json', '');
    expect(await empty.text()).toBe('{}');
  });
});
