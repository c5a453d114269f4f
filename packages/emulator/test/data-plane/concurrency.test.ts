import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Harness, SH_PRELUDE } from './harness.js';

// Reserved concurrency counts invocations in flight, as AWS does — not processes. An instance that has answered and
// is exiting (a crash right after /error, like the Node runtime's uncaught exception), or that answered and is late
// back on /next, must not make the pool throttle callers that are within the limit.

/** "crash": /error, then exit a moment later; "late": answer, then come back to /next late; else echo. */
const CHURN_BOOTSTRAP = `${SH_PRELUDE}
while true; do
  next
  case "$EVENT" in
    *crash*)
      curl -sS -o /dev/null -X POST "$API/invocation/$ID/error" \\
        -H 'Lambda-Runtime-Function-Error-Type: Function.Crash' --data-binary '{"errorType":"Function.Crash","errorMessage":"boom"}'
      sleep 0.3
      exit 1;;
    *late*)
      respond "$EVENT"
      sleep 0.3;;
    *)
      respond "$EVENT";;
  esac
done
`;

const LIMIT = 4;
const PER_CALLER = 18;
const ROUNDS = 3;

let h: Harness;
beforeAll(async () => {
  // A short reuse wait makes the exiting/late instance outlast it (the case that used to throttle).
  h = await new Harness({ reuseWaitMs: 20 }).start();
  h.define('churn', { bootstrap: CHURN_BOOTSTRAP, reservedConcurrency: LIMIT, timeout: 30 });
});
afterAll(() => h.close());

describe('reserved concurrency at exactly the number of callers', () => {
  test(`${LIMIT} callers × ${PER_CALLER} invokes with crashes and late /next, ${ROUNDS} rounds: never a 429`, async () => {
    const seen = { ok: 0, crashed: 0, throttled: 0, wrong: [] as string[] };
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(
        Array.from({ length: LIMIT }, async (_, caller) => {
          for (let i = 0; i < PER_CALLER; i++) {
            const kind = (i + caller) % 6 === 0 ? 'crash' : (i + caller) % 6 === 3 ? 'late' : 'ok';
            const event = JSON.stringify({ kind, round, caller, i });
            const out = await h.dataPlane.invoke('churn', Buffer.from(event));
            if (out.statusCode === 429) {
              seen.throttled++;
              continue;
            }
            if (kind === 'crash') {
              if (out.functionError === 'Unhandled' && out.errorType === 'Function.Crash') seen.crashed++;
              else seen.wrong.push(`${event} → ${out.statusCode} ${out.errorType} ${out.payload}`);
            } else if (out.payload.toString() === event && out.functionError === undefined) {
              seen.ok++;
            } else {
              seen.wrong.push(`${event} → ${out.statusCode} ${out.errorType} ${out.payload}`);
            }
          }
        }),
      );
    }
    expect(seen.wrong).toEqual([]);
    expect(seen.throttled).toBe(0);
    expect(seen.ok + seen.crashed).toBe(LIMIT * PER_CALLER * ROUNDS);
    // Processes stay within the limit: an admitted invoke waits for an exiting or late instance to free its
    // place rather than start one more (it would only after placementWaitMs, 10 s).
    const live = h.dataPlane.instances('churn').filter((i) => i.state !== 'dead' && i.state !== 'stopping');
    expect(live.length).toBeLessThanOrEqual(LIMIT);
  }, 120_000);

  test('limit 1, a runtime late back on /next: sequential invokes wait for it (no 429, no second process)', async () => {
    h.define('late1', { bootstrap: CHURN_BOOTSTRAP, reservedConcurrency: 1, timeout: 30 });
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const event = JSON.stringify({ kind: 'late', i });
      const out = await h.dataPlane.invoke('late1', Buffer.from(event));
      expect(out.statusCode).toBe(200);
      expect(out.payload.toString()).toBe(event);
      for (const inst of h.dataPlane.instances('late1')) pids.add(inst.pgid);
    }
    expect(pids.size).toBe(1);
  }, 60_000);

  test('one more caller than the limit is still throttled (429) while the limit is in flight', async () => {
    h.define('held', {
      reservedConcurrency: 1,
      bootstrap: `${SH_PRELUDE}
while true; do
  next
  if [ "$EVENT" = '"hold"' ]; then while [ ! -f "$TMPDIR/go" ]; do sleep 0.02; done; rm -f "$TMPDIR/go"; fi
  respond "$EVENT"
done
`,
    });
    const held = h.dataPlane.invoke('held', Buffer.from('"hold"'));
    // Poll until the held invoke is running (no sleep as synchronisation).
    const deadline = Date.now() + 20_000;
    while (!h.dataPlane.instances('held').some((i) => i.state === 'busy')) {
      if (Date.now() > deadline) throw new Error('the held invoke never started');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await h.dataPlane.invoke('held', Buffer.from('"x"'))).statusCode).toBe(429);
    const { readdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    // The instance's TMPDIR is its scratch folder's tmp: release every instance of "held".
    const instancesDir = join(h.root, 'state', 'instances');
    for (const d of readdirSync(instancesDir)) writeFileSync(join(instancesDir, d, 'tmp', 'go'), '');
    expect((await held).payload.toString()).toBe('"hold"');
    expect((await h.dataPlane.invoke('held', Buffer.from('"after"'))).statusCode).toBe(200);
  }, 60_000);
  test('no reserved concurrency: the default limit is 10 in flight, the 11th synchronous invoke gets 429, async queues', async () => {
    const { existsSync, mkdirSync, readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const out = join(h.root, 'default-limit');
    mkdirSync(out, { recursive: true });
    h.define('default-limit', {
      timeout: 60,
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}
while true; do
  next
  echo "$EVENT" >> "$OUT/events"
  if [ "$EVENT" = '"hold"' ]; then while [ ! -f "$OUT/go" ]; do sleep 0.05; done; fi
  respond "$EVENT"
done
`,
    });
    const started = () =>
      existsSync(join(out, 'events'))
        ? readFileSync(join(out, 'events'), 'utf8').trim().split('\n').length
        : 0;
    const held = Array.from({ length: 10 }, () => h.dataPlane.invoke('default-limit', Buffer.from('"hold"')));
    const deadline = Date.now() + 40_000;
    while (started() < 10) {
      if (Date.now() > deadline) throw new Error(`only ${started()} of the 10 held invokes started`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const throttled = await h.invoke('default-limit', '"eleventh"');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
    // Not reserved: the limit stands for the account's, and AWS names that reason so.
    expect(await throttled.json()).toEqual({
      Reason: 'ConcurrentInvocationLimitExceeded',
      Type: 'User',
      message: 'Rate Exceeded.',
    });
    const queued = await h.invoke('default-limit', '"queued"', { 'x-amz-invocation-type': 'Event' });
    expect(queued.status).toBe(202);
    expect(h.dataPlane.instances('default-limit')).toHaveLength(10);
    writeFileSync(join(out, 'go'), '');
    for (const r of await Promise.all(held)) expect(r.payload.toString()).toBe('"hold"');
    await h.dataPlane.drainAsync();
    expect(readFileSync(join(out, 'events'), 'utf8')).toContain('"queued"');
    expect(readFileSync(join(out, 'events'), 'utf8')).not.toContain('eleventh');
  }, 90_000);
});
