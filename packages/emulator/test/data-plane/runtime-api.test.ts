import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { echoBootstrap, Harness, SH_PRELUDE, waitFor } from './harness.js';

// Runtime API conformance (runtime-api.md §6, cases 27–37, 43, 45) with POSIX sh + curl bootstraps.

let h: Harness;
let n = 0;
beforeAll(async () => {
  h = await new Harness({ initTimeoutMs: 700 }).start();
});
afterAll(() => h.close());

/** A fresh folder the bootstrap writes its observations to (env OUT). */
function outDir(): string {
  const dir = join(h.root, 'out', String(++n));
  mkdirSync(dir, { recursive: true });
  return dir;
}
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

/** `st NAME curl-args…`: runs curl, writes "<status> <body>" to $OUT/NAME. */
const ST = `st() { f="$1"; shift; curl -sS -o "$OUT/$f.body" -w '%{http_code}' "$@" > "$OUT/.$f"; printf ' ' >> "$OUT/.$f"; cat "$OUT/$f.body" >> "$OUT/.$f"; mv "$OUT/.$f" "$OUT/$f"; }\n`;

describe('Runtime API', () => {
  test('27: /next blocks until an invoke, then carries the real headers', async () => {
    const out = outDir();
    h.define('c27', {
      timeout: 7,
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}
echo waiting > "$OUT/state"
while true; do
  next
  cp "$H" "$OUT/headers"
  printf '%s' "$EVENT" > "$OUT/event"
  respond '{"ok":true}'
done
`,
    });
    // Warm an instance, then check that /next holds until the next invoke arrives.
    await (await h.invoke('c27', '{"warm":1}')).text();
    rmSync(join(out, 'headers'), { force: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(join(out, 'headers'))).toBe(false);
    const before = Date.now();
    const res = await h.invoke('c27', '{"n":27}', {
      'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
    });
    expect(res.status).toBe(200);
    await res.text();
    const headers = parseHeaders(read(out, 'headers'));
    expect(headers['lambda-runtime-aws-request-id']).toBe(res.headers.get('x-amzn-requestid'));
    const deadline = Number(headers['lambda-runtime-deadline-ms']);
    expect(deadline).toBeGreaterThanOrEqual(before + 6000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 7000);
    expect(headers['lambda-runtime-invoked-function-arn']).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:c27',
    );
    expect(headers['lambda-runtime-trace-id']).toBe('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1');
    expect(read(out, 'event')).toBe('{"n":27}');
  });

  test('28: /response gets 202 {"status":"OK"} and the invoker gets the bytes without waiting for /next', async () => {
    const out = outDir();
    h.define('c28', {
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}${ST}
while true; do
  next
  st resp -X POST "$API/invocation/$ID/response" --data-binary 'exact bytes ✓'
  while [ ! -f "$OUT/go" ]; do sleep 0.02; done
  rm -f "$OUT/go"
done
`,
    });
    const res = await h.invoke('c28');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('exact bytes ✓');
    // The invoker may well be answered before curl has written down its own 202.
    await waitFor(() => existsSync(join(out, 'resp')));
    expect(read(out, 'resp')).toBe('202 {"status":"OK"}');
    writeFileSync(join(out, 'go'), '');
  });

  test('29/30: unknown ID → 400 InvalidRequestID; a second answer → 403; a stale ID → 400', async () => {
    const out = outDir();
    h.define('c30', {
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}${ST}
next
st unknown -X POST "$API/invocation/not-an-id/response" -d x
st first -X POST "$API/invocation/$ID/response" -d first
st again -X POST "$API/invocation/$ID/response" -d second
st err -X POST "$API/invocation/$ID/error" -d '{}'
OLD=$ID
next
st stale -X POST "$API/invocation/$OLD/response" -d stale
respond second-invoke
while true; do next; respond more; done
`,
    });
    const first = await h.invoke('c30');
    expect(await first.text()).toBe('first');
    expect(first.headers.get('x-amz-function-error')).toBeNull();
    expect(read(out, 'unknown')).toBe(
      '400 {"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}',
    );
    await waitFor(() => existsSync(join(out, 'err')));
    expect(read(out, 'again')).toMatch(/^403 .*"errorType":"InvalidStateTransition"/);
    expect(read(out, 'err')).toMatch(/^403 .*"errorType":"InvalidStateTransition"/);
    // Once the runtime is back on /next, the warm instance takes the second invoke.
    await waitFor(() => h.dataPlane.instances('c30')[0]?.state === 'idle');
    expect(await (await h.invoke('c30')).text()).toBe('second-invoke');
    expect(read(out, 'stale')).toBe(
      '400 {"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}',
    );
  });

  test('31: a /response over 6291556 bytes → 413 to the runtime, Function.ResponseSizeTooLarge to the invoker', async () => {
    const out = outDir();
    h.define('c31', {
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}${ST}
head -c 6291557 /dev/zero | tr '\\0' a > "$TMPDIR/big"
while true; do
  next
  st big -X POST "$API/invocation/$ID/response" --data-binary @"$TMPDIR/big"
done
`,
    });
    const res = await h.invoke('c31');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await res.json()).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage:
        'Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes).',
    });
    await waitFor(() => existsSync(join(out, 'big')));
    expect(read(out, 'big')).toBe(
      '413 {"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}',
    );
  });

  test('32: /error → 202, the invoker gets 200 Unhandled with the body unchanged', async () => {
    const out = outDir();
    const body = '{"errorMessage":"boom","errorType":"TypeError","stackTrace":["at x"]}';
    h.define('c32', {
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}${ST}
while true; do
  next
  st err -X POST "$API/invocation/$ID/error" -H 'Lambda-Runtime-Function-Error-Type: Function.TypeError' --data-binary '${body}'
done
`,
    });
    const res = await h.invoke('c32');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await res.text()).toBe(body);
    await waitFor(() => existsSync(join(out, 'err')));
    expect(read(out, 'err')).toBe('202 {"status":"OK"}');
  });

  test('33: timeout → Sandbox.Timedout, the process group is killed, the next invoke inits afresh', async () => {
    const out = outDir();
    h.define('c33', {
      timeout: 1,
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}
echo "$$" >> "$OUT/inits"
while true; do
  next
  if [ "$EVENT" = '"sleep"' ]; then sleep 30 & echo $! > "$OUT/child"; wait; fi
  respond '"fast"'
done
`,
    });
    const res = await h.invoke('c33', '"sleep"');
    const id = res.headers.get('x-amzn-requestid');
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await res.json()).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${id} Error: Task timed out after 1.00 seconds`,
    });
    const [pid] = read(out, 'inits').trim().split('\n').map(Number);
    await waitFor(() => !alive(pid ?? 0) && !alive(Number(read(out, 'child'))));
    expect(await (await h.invoke('c33', '"again"')).text()).toBe('"fast"');
    expect(read(out, 'inits').trim().split('\n')).toHaveLength(2);
    expect(h.dataPlane.readLogs('c33')).toMatch(/Task timed out after 1\.00 seconds\n.*END RequestId/s);
  });

  test('34: the runtime exits mid-invoke → Runtime.ExitError, re-init next time', async () => {
    const out = outDir();
    h.define('c34', {
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}
echo init >> "$OUT/inits"
while true; do
  next
  if [ "$EVENT" = '"exit"' ]; then exit 3; fi
  respond '"ok"'
done
`,
    });
    const res = await h.invoke('c34', '"exit"');
    const id = res.headers.get('x-amzn-requestid');
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await res.json()).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${id} Error: Runtime exited with error: exit status 3`,
    });
    expect(await (await h.invoke('c34', '"ok"')).text()).toBe('"ok"');
    expect(read(out, 'inits').trim().split('\n')).toHaveLength(2);
  });

  test('35: /init/error + exit → the posted body, Unhandled; init is retried (in the invoke, and on each invoke)', async () => {
    const out = outDir();
    const body = '{"errorType":"Runtime.ImportModuleError","errorMessage":"Cannot find module index"}';
    h.define('c35', {
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}${ST}
echo init >> "$OUT/inits"
echo "cannot load index" >&2
st initerr -X POST "$API/init/error" -H 'Lambda-Runtime-Function-Error-Type: Runtime.ImportModuleError' --data-binary '${body}'
exit 1
`,
    });
    const res = await h.invoke('c35', '{}', { 'x-amz-log-type': 'Tail' });
    expect(res.status).toBe(200);
    const tail = Buffer.from(res.headers.get('x-amz-log-result') ?? '', 'base64').toString();
    expect(tail).toMatch(
      /^START RequestId: .*\ncannot load index\n.*Error: Runtime\.ImportModuleError\nEND RequestId: /s,
    );
    expect(h.dataPlane.readLogs('c35')).toContain(
      'Phase: invoke\tStatus: error\tError Type: Runtime.ImportModuleError',
    );
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await res.text()).toBe(body);
    await waitFor(() => existsSync(join(out, 'initerr')));
    expect(read(out, 'initerr')).toBe('202 {"status":"OK"}');
    expect(read(out, 'inits').trim().split('\n')).toHaveLength(2);
    await (await h.invoke('c35')).text();
    expect(read(out, 'inits').trim().split('\n')).toHaveLength(4);
  });

  test('35b: a runtime that exits during init without /init/error → Runtime.ExitError with its exit status', async () => {
    const out = outDir();
    h.define('c35b', {
      environment: { OUT: out },
      bootstrap: `#!/bin/sh\necho init >> "$OUT/inits"\necho "config missing" >&2\nexit 2\n`,
    });
    const res = await h.invoke('c35b', '{}', { 'x-amz-log-type': 'Tail' });
    const id = res.headers.get('x-amzn-requestid');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await res.json()).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${id} Error: Runtime exited with error: exit status 2`,
    });
    const tail = Buffer.from(res.headers.get('x-amz-log-result') ?? '', 'base64').toString();
    expect(tail).toMatch(
      /^START RequestId: .*\nconfig missing\n.*Error: Runtime\.ExitError\nEND RequestId: /s,
    );
    // Init ran, failed, and was retried once inside the invoke, as Lambda does.
    expect(read(out, 'inits').trim().split('\n')).toHaveLength(2);
    await waitFor(() => h.dataPlane.instances('c35b').length === 0);
  });

  test('36: an init over the init limit is abandoned and retried within the first invoke', async () => {
    const out = outDir();
    h.define('c36', {
      timeout: 3,
      environment: { OUT: out },
      bootstrap: `${echoBootstrap().replace('while true', 'echo init >> "$OUT/inits"\n[ "$(wc -l < "$OUT/inits")" -eq 1 ] && sleep 30\nwhile true')}`,
    });
    const res = await h.invoke('c36', '"slow init"');
    expect(res.headers.get('x-amz-function-error')).toBeNull();
    expect(await res.text()).toBe('"slow init"');
    expect(read(out, 'inits').trim().split('\n')).toHaveLength(2);
    expect(h.dataPlane.readLogs('c36')).toContain('Phase: init\tStatus: timeout');
  });

  test('36b: when the retried init also overruns, the invoke times out under the function timeout', async () => {
    h.define('c36b', { timeout: 1, bootstrap: '#!/bin/sh\nsleep 30\n' });
    const res = await h.invoke('c36b');
    const id = res.headers.get('x-amzn-requestid');
    expect(await res.json()).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${id} Error: Task timed out after 1.00 seconds`,
    });
  });

  test('37: /init/error after init → 403 InvalidStateTransition', async () => {
    const out = outDir();
    h.define('c37', {
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}${ST}
while true; do
  next
  st late -X POST "$API/init/error" -H 'Lambda-Runtime-Function-Error-Type: Runtime.Late' -d '{}'
  respond '"done"'
done
`,
    });
    expect(await (await h.invoke('c37')).text()).toBe('"done"');
    expect(read(out, 'late')).toMatch(/^403 .*"errorType":"InvalidStateTransition"/);
  });

  test('43: reserved environment, user variables cannot override it, cwd = task', async () => {
    const out = outDir();
    const s = h.define('c43', {
      memorySize: 256,
      handler: 'app.main',
      environment: {
        OUT: out,
        MY_VAR: 'mine',
        AWS_REGION: 'xx-nowhere-1',
        TZ: 'Europe/Paris',
        AWS_LAMBDA_RUNTIME_API: '10.0.0.1:1',
        LAMBDA_TASK_ROOT: '/nope',
        _HANDLER: 'hijack',
      },
      bootstrap: `${SH_PRELUDE}
env > "$OUT/env"
pwd > "$OUT/pwd"
while true; do next; respond '"env"'; done
`,
    });
    await (await h.invoke('c43')).text();
    const env = Object.fromEntries(
      read(out, 'env')
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env.MY_VAR).toBe('mine');
    expect(env.AWS_LAMBDA_RUNTIME_API).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(env._HANDLER).toBe('app.main');
    expect(env.LAMBDA_TASK_ROOT).toBe(s.codeDir);
    expect(env.AWS_LAMBDA_FUNCTION_NAME).toBe('c43');
    expect(env.AWS_LAMBDA_FUNCTION_VERSION).toBe('$LATEST');
    expect(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE).toBe('256');
    expect(env.AWS_LAMBDA_LOG_GROUP_NAME).toBe('/aws/lambda/c43');
    expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(env.AWS_REGION).toBe('us-east-1');
    expect(env.AWS_DEFAULT_REGION).toBe('us-east-1');
    expect(env.TZ).toBe(':UTC');
    expect(env.AWS_LAMBDA_INITIALIZATION_TYPE).toBe('on-demand');
    expect(env.AWS_ACCESS_KEY_ID).toBeTruthy();
    expect(read(out, 'pwd').trim()).toBe(s.codeDir);
  });

  test('45: an unknown Lambda-Runtime-Function-Response-Mode → 400 InvalidFunctionResponseMode', async () => {
    const out = outDir();
    h.define('c45', {
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}${ST}
while true; do
  next
  st mode -X POST "$API/invocation/$ID/response" -H 'Lambda-Runtime-Function-Response-Mode: buffered' -d x
done
`,
    });
    const res = await h.invoke('c45');
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(((await res.json()) as { errorType: string }).errorType).toBe('Runtime.InvalidResponseModeHeader');
    await waitFor(() => existsSync(join(out, 'mode')));
    expect(read(out, 'mode')).toMatch(/^400 .*"errorType":"InvalidFunctionResponseMode"/);
  });
});

function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
