import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { echoBootstrap, Harness, SH_PRELUDE, waitFor } from './harness.js';

// The instance pool: warm reuse, concurrency, idle stop, retirement, layers, memory, logs, shutdown.

let h: Harness;
beforeAll(async () => {
  h = await new Harness({ idleTimeoutMs: 60_000 }).start();
});
afterAll(() => h.close());

/** Answers each event with the runtime's pid; "hold" waits for $OUT/go first. */
function pidBootstrap(): string {
  return `${SH_PRELUDE}
while true; do
  next
  if [ "$EVENT" = '"hold"' ]; then while [ ! -f "$OUT/go" ]; do sleep 0.02; done; fi
  respond "$$"
done
`;
}

/** Whether a process exists and is not a zombie (an orphan's zombie may linger until init reaps it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('instance pool', () => {
  test('an idle warm instance is reused; a busy one makes the pool start another', async () => {
    const out = join(h.root, 'reuse');
    mkdirSync(out, { recursive: true });
    h.define('reuse', { environment: { OUT: out }, bootstrap: pidBootstrap() });
    const a = await (await h.invoke('reuse')).text();
    // The instance is reusable once its runtime is back on /next (as on AWS).
    await waitFor(() => h.dataPlane.instances('reuse')[0]?.state === 'idle');
    const b = await (await h.invoke('reuse')).text();
    expect(b).toBe(a);
    // Once the runtime is back on /next, the warm instance is the one that takes "hold".
    await waitFor(() => h.dataPlane.instances('reuse')[0]?.state === 'idle');
    const held = h.invoke('reuse', '"hold"');
    await waitFor(() => h.dataPlane.instances('reuse').some((i) => i.state === 'busy'));
    const c = await (await h.invoke('reuse')).text();
    expect(c).not.toBe(a);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(out, 'go'), '');
    expect(await (await held).text()).toBe(a);
    expect(h.dataPlane.instances('reuse')).toHaveLength(2);
  });

  test('instances of several functions at once: each Runtime API knows only its own instance and invoke', async () => {
    const out = join(h.root, 'several');
    mkdirSync(out, { recursive: true });
    const bootstrap = (fn: string) => `${SH_PRELUDE}
while true; do
  next
  case "$EVENT" in
    '"hold"')
      echo "$ID" > "$OUT/${fn}-held-id"
      echo "$AWS_LAMBDA_RUNTIME_API" > "$OUT/${fn}-held-api"
      while [ ! -f "$OUT/go" ]; do sleep 0.02; done;;
    '"steal"')
      # Answer the other instance's invoke through this instance's own Runtime API.
      curl -sS -o "$OUT/steal-body" -w '%{http_code}' -X POST "$API/invocation/$(cat "$OUT/a-held-id")/response" -d stolen > "$OUT/steal-status";;
  esac
  respond "${fn}-$$-$EVENT"
done
`;
    h.define('several-a', { environment: { OUT: out }, bootstrap: bootstrap('a') });
    h.define('several-b', { environment: { OUT: out }, bootstrap: bootstrap('b') });
    const heldA = h.invoke('several-a', '"hold"');
    const heldB = h.invoke('several-b', '"hold"');
    await waitFor(() => existsSync(join(out, 'a-held-id')) && existsSync(join(out, 'b-held-id')), 20_000);
    const steal = await (await h.invoke('several-a', '"steal"')).text();
    expect(steal).toMatch(/^a-\d+-"steal"$/);
    expect(readFileSync(join(out, 'steal-status'), 'utf8')).toBe('400');
    expect(readFileSync(join(out, 'steal-body'), 'utf8')).toBe(
      '{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}',
    );
    const apis = ['a-held-api', 'b-held-api'].map((f) => readFileSync(join(out, f), 'utf8').trim());
    expect(new Set(apis).size).toBe(2);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(out, 'go'), '');
    const a = await (await heldA).text();
    const b = await (await heldB).text();
    expect(a).toMatch(/^a-\d+-"hold"$/);
    expect(b).toMatch(/^b-\d+-"hold"$/);
    expect(a).not.toBe(steal.replace('"steal"', '"hold"'));
    expect(h.dataPlane.instances('several-a')).toHaveLength(2);
    expect(h.dataPlane.instances('several-b')).toHaveLength(1);
  });

  test('back-to-back sequential invokes stay on one warm instance (it is back on /next within moments)', async () => {
    // A generous reuse wait keeps this independent of how loaded the machine is.
    const patient = await new Harness({ reuseWaitMs: 10_000 }).start();
    try {
      patient.define('sequential', { environment: { OUT: patient.root }, bootstrap: pidBootstrap() });
      const pids = new Set<string>();
      for (let i = 0; i < 5; i++) pids.add(await (await patient.invoke('sequential')).text());
      expect(pids.size).toBe(1);
      expect(patient.dataPlane.instances('sequential')).toHaveLength(1);
    } finally {
      await patient.close();
    }
  });

  test('a new revision retires old instances; the next invoke runs the new code', async () => {
    const out = join(h.root, 'retire');
    mkdirSync(out, { recursive: true });
    h.define('retire', { environment: { OUT: out }, bootstrap: pidBootstrap() });
    const oldPid = Number(await (await h.invoke('retire')).text());
    h.define('retire', { environment: { OUT: out }, bootstrap: echoBootstrap(`'"v2"'`) });
    expect(await (await h.invoke('retire')).text()).toBe('"v2"');
    await waitFor(() => !alive(oldPid));
    expect(h.dataPlane.instances('retire')).toHaveLength(1);
  });

  test('an instance of an old revision finishes its current invoke, then stops', async () => {
    const out = join(h.root, 'retire-busy');
    mkdirSync(out, { recursive: true });
    h.define('retire-busy', { environment: { OUT: out }, bootstrap: pidBootstrap() });
    const held = h.invoke('retire-busy', '"hold"');
    await waitFor(() => h.dataPlane.instances('retire-busy')[0]?.state === 'busy');
    const [old] = h.dataPlane.instances('retire-busy');
    h.define('retire-busy', { environment: { OUT: out }, bootstrap: echoBootstrap(`'"v2"'`) });
    expect(await (await h.invoke('retire-busy')).text()).toBe('"v2"');
    expect(alive(old?.pgid ?? 0)).toBe(true);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(out, 'go'), '');
    expect(await (await held).text()).toBe(String(old?.pgid));
    await waitFor(() => !alive(old?.pgid ?? 0));
    expect(h.dataPlane.instances('retire-busy').map((i) => i.id)).not.toContain(old?.id);
  });

  test('programmatic invoke() passes Cognito identity and client context to the runtime', async () => {
    h.define('identity', {
      bootstrap: `${SH_PRELUDE}\nwhile true; do next; respond "{\\"id\\":$(hdr lambda-runtime-cognito-identity),\\"ctx\\":$(hdr lambda-runtime-client-context)}"; done\n`,
    });
    const identity = '{"cognitoIdentityId":"us-east-1:abc","cognitoIdentityPoolId":"us-east-1:pool"}';
    const out = await h.dataPlane.invoke('identity', Buffer.from('{}'), {
      cognitoIdentity: identity,
      clientContext: '{"c":1}',
    });
    expect(out.statusCode).toBe(200);
    expect(JSON.parse(out.payload.toString())).toEqual({ id: JSON.parse(identity), ctx: { c: 1 } });
    expect(out.log).toContain(`START RequestId: ${out.requestId}`);
  });

  test('retire() stops idle instances of a function (after an update or delete)', async () => {
    h.define('retire2', { bootstrap: echoBootstrap() });
    await (await h.invoke('retire2')).text();
    const [inst] = h.dataPlane.instances('retire2');
    h.dataPlane.retire('retire2');
    await waitFor(() => h.dataPlane.instances('retire2').length === 0);
    expect(alive(inst?.pgid ?? 0)).toBe(false);
  });

  test('idle instances are stopped after the idle time', async () => {
    const quick = await new Harness({ idleTimeoutMs: 150 }).start();
    try {
      quick.define('idle', { bootstrap: echoBootstrap() });
      await (await quick.invoke('idle')).text();
      const [inst] = quick.dataPlane.instances('idle');
      await waitFor(() => quick.dataPlane.instances('idle').length === 0);
      expect(alive(inst?.pgid ?? 0)).toBe(false);
    } finally {
      await quick.close();
    }
  });

  test('layers compose into /opt in order (later wins) as hardlinks; bootstrap found in /opt', async () => {
    const s = h.define('layered', {
      layers: [
        {
          'bootstrap*': `${SH_PRELUDE}\nOPT=$(dirname "$0")\nwhile true; do next; respond "\\"$(cat "$OPT/lib/which") $(cat "$OPT/lib/only-first")\\""; done\n`,
          'lib/which': 'first',
          'lib/only-first': 'kept',
        },
        { 'lib/which': 'second' },
      ],
    });
    expect(await (await h.invoke('layered')).text()).toBe('"second kept"');
    const optRoot = join(h.root, 'state', 'opt');
    const { readdirSync } = await import('node:fs');
    const optDir = readdirSync(optRoot).find((d) => existsSync(join(optRoot, d, 'lib', 'which')));
    const composed = statSync(join(optRoot, optDir ?? '', 'lib', 'which'));
    const source = statSync(join(s.layers[1]?.dir ?? '', 'lib', 'which'));
    expect(composed.ino).toBe(source.ino);
  });

  test('no bootstrap in task or /opt → Runtime.InvalidEntrypoint', async () => {
    const s = h.define('nobootstrap', { files: { 'index.js': '' } });
    const res = await h.invoke('nobootstrap');
    const id = res.headers.get('x-amzn-requestid');
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    const optDir = (await res.clone().json()) as { errorMessage: string };
    expect(optDir.errorMessage).toMatch(
      new RegExp(
        `^RequestId: ${id} Error: Couldn't find valid bootstrap\\(s\\): \\[${s.codeDir}/bootstrap .*/bootstrap\\]$`,
      ),
    );
    expect(((await res.json()) as { errorType: string }).errorType).toBe('Runtime.InvalidEntrypoint');
  });

  test('a bootstrap that is not executable → Runtime.InvalidEntrypoint (permission denied)', async () => {
    const s = h.define('noexec', { files: { bootstrap: '#!/bin/sh\n' } });
    const res = await h.invoke('noexec');
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    const body = (await res.json()) as { errorType: string; errorMessage: string };
    expect(body.errorType).toBe('Runtime.InvalidEntrypoint');
    expect(body.errorMessage).toContain(`fork/exec ${s.codeDir}/bootstrap: permission denied`);
  });

  test('a bootstrap whose interpreter does not exist → Runtime.InvalidEntrypoint (no such file or directory)', async () => {
    const s = h.define('badshebang', { bootstrap: '#!/nonexistent/interpreter\n' });
    const body = (await (await h.invoke('badshebang')).json()) as { errorType: string; errorMessage: string };
    expect(body.errorType).toBe('Runtime.InvalidEntrypoint');
    expect(body.errorMessage).toContain(`fork/exec ${s.codeDir}/bootstrap: no such file or directory`);
  });

  test('over MemorySize → killed, Runtime.OutOfMemory; REPORT shows Max Memory Used', async () => {
    h.define('hog', {
      memorySize: 128,
      timeout: 10,
      bootstrap: `${SH_PRELUDE}
while true; do
  next
  node -e 'const a = []; setInterval(() => { for (let i = 0; i < 8; i++) a.push(Buffer.alloc(1 << 20, 1)); }, 10)'
  respond '"survived"'
done
`,
    });
    const res = await h.invoke('hog', '{}', { 'x-amz-log-type': 'Tail' });
    const id = res.headers.get('x-amzn-requestid');
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await res.json()).toEqual({
      errorType: 'Runtime.OutOfMemory',
      errorMessage: `RequestId: ${id} Error: Runtime exited with error: signal: killed`,
    });
    const log = Buffer.from(res.headers.get('x-amz-log-result') ?? '', 'base64').toString();
    const used = Number(/Max Memory Used: (\d+) MB/.exec(log)?.[1]);
    expect(used).toBeGreaterThan(128);
    expect(log).toContain('Error Type: Runtime.OutOfMemory');
  });

  test('logs: output between START and END, REPORT with Init Duration on a cold start, on disk per function', async () => {
    h.define('logs', {
      bootstrap: `${SH_PRELUDE}\necho "init output"\nwhile true; do next; echo "out $ID"; echo "err $ID" >&2; respond 1; done\n`,
    });
    const r1 = await h.invoke('logs');
    await r1.text();
    await waitFor(() => h.dataPlane.instances('logs')[0]?.state === 'idle');
    const r2 = await h.invoke('logs');
    await r2.text();
    const text = h.dataPlane.readLogs('logs');
    const id1 = r1.headers.get('x-amzn-requestid');
    const id2 = r2.headers.get('x-amzn-requestid');
    expect(text).toContain('init output\n');
    expect(text).toMatch(
      new RegExp(
        `START RequestId: ${id1} Version: \\$LATEST\n(out|err) ${id1}\n(out|err) ${id1}\nEND RequestId: ${id1}\nREPORT RequestId: ${id1}\t.*Init Duration: [\\d.]+ ms\t\n`,
      ),
    );
    expect(text).toMatch(
      new RegExp(
        `REPORT RequestId: ${id2}\tDuration: [\\d.]+ ms\tBilled Duration: \\d+ ms\tMemory Size: 128 MB\tMax Memory Used: \\d+ MB\t\n`,
      ),
    );
    expect(readFileSync(h.dataPlane.logFile('logs'), 'utf8')).toBe(text);
  });

  test('close() stops every runtime and its children: no orphans', async () => {
    const own = await new Harness().start();
    const out = join(own.root, 'out');
    mkdirSync(out, { recursive: true });
    own.define('orphans', {
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}\nsleep 300 &\necho $! > "$OUT/child"\nsetsid sleep 300 &\necho $! > "$OUT/escaped"\nwhile true; do next; respond "$$"; done\n`,
    });
    const pid = Number(await (await own.invoke('orphans')).text());
    const child = Number(readFileSync(join(out, 'child'), 'utf8'));
    const escaped = Number(readFileSync(join(out, 'escaped'), 'utf8'));
    expect(alive(pid) && alive(child) && alive(escaped)).toBe(true);
    await own.close();
    expect(alive(pid)).toBe(false);
    expect(alive(child)).toBe(false);
    // It left the process group with setsid but is still the runtime's child when the runtime is killed.
    expect(alive(escaped)).toBe(false);
    expect(existsSync(own.root)).toBe(false);
  });
});
