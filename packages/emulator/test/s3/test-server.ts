import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The service name of a SigV4 credential scope (`Credential=AKID/date/region/<service>/aws4_request`). */
export function sigV4Service(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization ?? '';
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth)?.[1];
}

/**
 * A real node:http server on 127.0.0.1 that routes like the emulator does: by the SigV4 scope's service,
 * and `/_caprice/…` paths to `admin`.
 */
export async function startTestServer(
  services: Record<string, Handler>,
  admin?: Handler,
): Promise<{ endpoint: string; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const route = req.url?.startsWith('/_caprice/') ? admin : services[sigV4Service(req) ?? ''];
    if (route === undefined) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('no route');
      return;
    }
    route(req, res).catch((err: unknown) => {
      res.destroy(err as Error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RecordedInvoke {
  readonly nameOrArn: string;
  readonly qualifier: string | undefined;
  readonly event: unknown;
}

/** A fake `invokeAsync` that records what S3/SES would queue. */
export function recordingLambda(): {
  calls: RecordedInvoke[];
  invokeAsync(nameOrArn: string, payload: Uint8Array, qualifier?: string): Promise<{ requestId: string }>;
} {
  const calls: RecordedInvoke[] = [];
  return {
    calls,
    invokeAsync(nameOrArn, payload, qualifier) {
      calls.push({ nameOrArn, qualifier, event: JSON.parse(Buffer.from(payload).toString('utf8')) });
      return Promise.resolve({ requestId: `req-${calls.length}` });
    },
  };
}

/** A temporary state folder removed by the returned cleanup. */
export function tempStateDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'caprice-s3ses-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Waits until `check` passes (events are queued right after the response is written). */
export async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() - start > timeoutMs) throw err;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDCAPRICETEST', secretAccessKey: 'caprice-test-secret' };
