import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Harness, SH_PRELUDE, waitFor } from './harness.js';

// Extensions API basics (runtime-api.md §6, cases 46–48).

let h: Harness;
let n = 0;
beforeAll(async () => {
  h = await new Harness().start();
});
afterAll(() => h.close());

function outDir(): string {
  const dir = join(h.root, 'out', String(++n));
  mkdirSync(dir, { recursive: true });
  return dir;
}
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

/** Shell helpers for an extension: `register NAME EVENTS_JSON` sets $EXT; `extloop` records events to $OUT/ext-events. */
const EXT = `EXTAPI="http://$AWS_LAMBDA_RUNTIME_API/2020-01-01/extension"
register() {
  curl -sS -D "$TMPDIR/reg" -o /dev/null -X POST "$EXTAPI/register" -H "Lambda-Extension-Name: $1" -d "$2"
  EXT=$(grep -i '^lambda-extension-identifier:' "$TMPDIR/reg" | cut -d' ' -f2 | tr -d '\\r')
}
extloop() {
  while true; do
    E=$(curl -sS "$EXTAPI/event/next" -H "Lambda-Extension-Identifier: $EXT") || exit 0
    printf '%s\\n' "$E" >> "$OUT/ext-events"
    case "$E" in *SHUTDOWN*) exit 0;; esac
  done
}
`;

describe('Extensions API', () => {
  test('47: register needs a name, returns an identifier; /event/next without it → 403', async () => {
    const out = outDir();
    h.define('c47', {
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}${EXT}
curl -sS -o "$OUT/noname" -w '%{http_code}' -X POST "$EXTAPI/register" -d '{"events":[]}' > "$OUT/noname.status"
register probe '{"events":["INVOKE"]}'
echo "$EXT" > "$OUT/id"
curl -sS -o "$OUT/noid" -w '%{http_code}' "$EXTAPI/event/next" > "$OUT/noid.status"
extloop &
while true; do next; respond '"ok"'; done
`,
    });
    expect(await (await h.invoke('c47')).text()).toBe('"ok"');
    expect(read(out, 'noname.status')).toBe('403');
    expect(read(out, 'id').trim()).toMatch(/^[0-9a-f-]{36}$/);
    expect(read(out, 'noid.status')).toBe('403');
    expect(JSON.parse(read(out, 'noid')).errorType).toBe('Extension.MissingExtensionIdentifier');
    await waitFor(() => existsSync(join(out, 'ext-events')));
    const event = JSON.parse(read(out, 'ext-events').trim());
    expect(event).toMatchObject({
      eventType: 'INVOKE',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:c47',
    });
  });

  test('48: the invoke is not delivered until every registered extension has called /event/next', async () => {
    const out = outDir();
    h.define('c48', {
      environment: { OUT: out },
      bootstrap: `${SH_PRELUDE}${EXT}
register slow '{"events":["INVOKE"]}'
(while [ ! -f "$OUT/go" ]; do sleep 0.02; done; extloop) &
while true; do next; echo delivered > "$OUT/delivered"; respond '"ok"'; done
`,
    });
    const pending = h.invoke('c48');
    // The runtime is already on /next; only the extension is missing.
    await waitFor(() => h.dataPlane.instances('c48').length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(join(out, 'delivered'))).toBe(false);
    writeFileSync(join(out, 'go'), '');
    expect(await (await pending).text()).toBe('"ok"');
    expect(existsSync(join(out, 'delivered'))).toBe(true);
  });

  test('48b: an external extension in /opt/extensions (from a layer) is started before the runtime and gets INVOKE', async () => {
    const out = outDir();
    h.define('c48b', {
      environment: { OUT: out },
      layers: [
        {
          'extensions/recorder*': `#!/bin/sh\n${EXT}\nregister recorder '{"events":["INVOKE","SHUTDOWN"]}'\nextloop\n`,
        },
      ],
      bootstrap: `${SH_PRELUDE}\nwhile true; do next; respond '"ok"'; done\n`,
    });
    const res = await h.invoke('c48b');
    const id = res.headers.get('x-amzn-requestid');
    expect(await res.text()).toBe('"ok"');
    await waitFor(() => existsSync(join(out, 'ext-events')));
    expect(JSON.parse(read(out, 'ext-events').trim())).toMatchObject({ eventType: 'INVOKE', requestId: id });
  });

  test('an extension /init/error, then its exit, fails the init as Extension.InitError; /exit/error is accepted; Telemetry and Logs answer the RIE stubs', async () => {
    const out = outDir();
    h.define('ext-init-error', {
      environment: { OUT: out },
      layers: [
        {
          'extensions/broken*': `#!/bin/sh\n${EXT}\nregister broken '{"events":["INVOKE"]}'
curl -sS -o "$OUT/telemetry" -w ' %{http_code}' -X PUT "http://$AWS_LAMBDA_RUNTIME_API/2022-07-01/telemetry" -H "Lambda-Extension-Identifier: $EXT" -d '{"schemaVersion":"2022-12-13","types":["function"]}' >> "$OUT/telemetry"
curl -sS -o "$OUT/logs" -w ' %{http_code}' -X PUT "http://$AWS_LAMBDA_RUNTIME_API/2020-08-15/logs" -H "Lambda-Extension-Identifier: $EXT" -d '{}' >> "$OUT/logs"
curl -sS -o /dev/null -w '%{http_code}' -X POST "$EXTAPI/exit/error" -H "Lambda-Extension-Identifier: $EXT" -H 'Lambda-Extension-Function-Error-Type: Extension.Early' -d '{}' > "$OUT/exit-error"
curl -sS -o /dev/null -w '%{http_code}' -X POST "$EXTAPI/init/error" -H "Lambda-Extension-Identifier: $EXT" -H 'Lambda-Extension-Function-Error-Type: Extension.ConfigInvalid' -d '{}' > "$OUT/init-error"
exit 1
`,
        },
      ],
      bootstrap: `${SH_PRELUDE}\nwhile true; do next; respond '"ran"'; done\n`,
    });
    const res = await h.invoke('ext-init-error');
    const id = res.headers.get('x-amzn-requestid');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    // What Lambda answers once the extension exits after /init/error (its exit code in the message).
    expect(await res.json()).toEqual({
      errorType: 'Extension.InitError',
      errorMessage: `RequestId: ${id} Error: exit code 1`,
    });
    expect(h.dataPlane.readLogs('ext-init-error')).toContain(
      'Status: error\tError Type: Extension.InitError',
    );
    expect(h.dataPlane.readLogs('ext-init-error')).not.toContain('Status: timeout');
    expect(read(out, 'init-error')).toBe('202');
    expect(read(out, 'exit-error')).toBe('202');
    expect(read(out, 'telemetry')).toBe(
      '{"errorMessage":"Telemetry API is not supported","errorType":"Telemetry.NotSupported"} 202',
    );
    expect(read(out, 'logs')).toBe(
      '{"errorMessage":"Logs API is not supported","errorType":"Logs.NotSupported"} 202',
    );
  });

  test('a registered extension that exits during init fails it at once with Extension.Crash (no init timeout)', async () => {
    const out = outDir();
    h.define('ext-crash', {
      timeout: 30,
      environment: { OUT: out },
      layers: [
        {
          'extensions/crasher*': `#!/bin/sh\n${EXT}\nregister crasher '{"events":["INVOKE"]}'\necho started >> "$OUT/starts"\nexit 4\n`,
        },
      ],
      bootstrap: `${SH_PRELUDE}\nwhile true; do next; respond '"ran"'; done\n`,
    });
    const res = await h.invoke('ext-crash');
    const id = res.headers.get('x-amzn-requestid');
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await res.json()).toEqual({
      errorType: 'Extension.Crash',
      errorMessage: `RequestId: ${id} Error: exit code 4`,
    });
    // Init, then its retry inside the invoke: both ended by the crash, neither by a timeout.
    expect(read(out, 'starts').trim().split('\n')).toHaveLength(2);
    expect(h.dataPlane.readLogs('ext-crash')).toContain('Status: error\tError Type: Extension.Crash');
    expect(h.dataPlane.readLogs('ext-crash')).not.toContain('Status: timeout');
  });

  test('46: shutdown sends SHUTDOWN to subscribed extensions and SIGTERM to the runtime, then SIGKILL', async () => {
    const own = await new Harness().start();
    try {
      const out = join(own.root, 'out');
      mkdirSync(out, { recursive: true });
      own.define('c46', {
        environment: { OUT: out },
        bootstrap: `${SH_PRELUDE}${EXT}
trap 'echo sigterm > "$OUT/runtime-signal"; exit 0' TERM
register watcher '{"events":["SHUTDOWN"]}'
extloop &
while true; do
  # In the background so the TERM trap runs while /next is held.
  curl -sS -D "$H" -o "$TMPDIR/event" "$API/invocation/next" & wait $!
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$H" | cut -d' ' -f2 | tr -d '\r')
  respond '"ok"'
done
`,
      });
      expect(await (await own.invoke('c46')).text()).toBe('"ok"');
      const [instance] = own.dataPlane.instances('c46');
      const before = Date.now();
      await own.dataPlane.close();
      await waitFor(() => existsSync(join(out, 'ext-events')));
      const event = JSON.parse(read(out, 'ext-events').trim());
      expect(event.eventType).toBe('SHUTDOWN');
      expect(event.shutdownReason).toBe('spindown');
      expect(event.deadlineMs).toBeGreaterThanOrEqual(before);
      expect(read(out, 'runtime-signal').trim()).toBe('sigterm');
      expect(() => process.kill(-(instance?.pgid ?? 0), 0)).toThrow();
    } finally {
      await own.close();
    }
  });
});
