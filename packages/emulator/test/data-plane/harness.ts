import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { AwsServiceError, sendAwsJsonError } from '../../src/http/aws-error.js';
import { createDataPlane, type DataPlane, type DataPlaneTuning } from '../../src/lambda/data-plane.js';
import type { FunctionResolver, FunctionSnapshot, ResolvedLayer } from '../../src/lambda/types.js';

/** What a test function is made of. */
export interface TestFunction {
  /** The bootstrap script (written to <code>/bootstrap, mode 755); omit for no bootstrap. */
  readonly bootstrap?: string;
  readonly files?: Readonly<Record<string, string>>;
  readonly timeout?: number;
  readonly memorySize?: number;
  readonly environment?: Record<string, string>;
  readonly reservedConcurrency?: number;
  /** Each layer: files (path → content; names ending in `*` are written executable without the star). */
  readonly layers?: readonly Readonly<Record<string, string>>[];
  readonly handler?: string;
}

/** The start of every shell bootstrap: `next` fills $ID, $EVENT and the header file $H. */
export const SH_PRELUDE = `#!/bin/sh
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
H="$TMPDIR/headers"
next() {
  EVENT=$(curl -sS -D "$H" "$API/invocation/next")
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$H" | cut -d' ' -f2 | tr -d '\\r')
}
hdr() { grep -i "^$1:" "$H" | cut -d' ' -f2- | tr -d '\\r'; }
respond() { curl -sS -o /dev/null -X POST "$API/invocation/$ID/response" --data-binary "$1"; }
`;

/** A bootstrap answering every event with `body` (a shell expression). */
export function echoBootstrap(body = '"$EVENT"'): string {
  return `${SH_PRELUDE}
while true; do
  next
  respond ${body}
done
`;
}

/**
 * A data plane over an in-test resolver (functions are folders made here), mounted on a real HTTP server
 * with the two Invoke API routes, plus an SDK client pointed at it.
 */
export class Harness {
  readonly root = mkdtempSync(join(tmpdir(), 'caprice-dp-'));
  readonly snapshots = new Map<string, FunctionSnapshot>();
  readonly dataPlane: DataPlane;
  readonly server: Server;
  url = '';
  #revision = 0;

  constructor(tuning: DataPlaneTuning = {}) {
    const resolver: FunctionResolver = {
      resolve: (nameOrArn, qualifier) => {
        const name = nameOrArn.split(':function:').pop()?.split(':')[0] ?? nameOrArn;
        const s = this.snapshots.get(name);
        if (s === undefined)
          throw new AwsServiceError(404, 'ResourceNotFoundException', `Function not found: ${nameOrArn}`);
        if (qualifier !== undefined && qualifier !== '$LATEST') {
          if (qualifier !== '1') {
            throw new AwsServiceError(
              404,
              'ResourceNotFoundException',
              `Function not found: ${s.functionArn}:${qualifier}`,
            );
          }
          return { ...s, version: '1', invokedFunctionArn: `${s.functionArn}:1` };
        }
        return s;
      },
    };
    this.dataPlane = createDataPlane({
      resolver,
      stateDir: join(this.root, 'state'),
      idleTimeoutMs: 60_000,
      memoryPollMs: 50,
      asyncRetryDelaysMs: [50, 100],
      ...tuning,
    });
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const m =
        /^\/(2015-03-31|2021-11-15)\/functions\/([^/]+)\/(invocations|response-streaming-invocations)$/.exec(
          url.pathname,
        );
      if (m === null || req.method !== 'POST') {
        sendAwsJsonError(res, 404, 'UnknownOperationException', 'Unknown operation');
        return;
      }
      const qualifier = url.searchParams.get('Qualifier') ?? undefined;
      void this.dataPlane.handleInvoke(req, res, {
        functionName: decodeURIComponent(m[2] ?? ''),
        ...(qualifier === undefined ? {} : { qualifier }),
        streaming: m[3] === 'response-streaming-invocations',
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Creates (or updates: new revision) a function. */
  define(name: string, fn: TestFunction): FunctionSnapshot {
    const rev = ++this.#revision;
    const codeDir = join(this.root, 'code', `${name}-${rev}`);
    mkdirSync(codeDir, { recursive: true });
    if (fn.bootstrap !== undefined) writeExecutable(join(codeDir, 'bootstrap'), fn.bootstrap);
    for (const [p, content] of Object.entries(fn.files ?? {})) writeFile(codeDir, p, content);
    const layers: ResolvedLayer[] = (fn.layers ?? []).map((files, i) => {
      const dir = join(this.root, 'layers', `${name}-${rev}-${i}`);
      mkdirSync(dir, { recursive: true });
      for (const [p, content] of Object.entries(files)) writeFile(dir, p, content);
      return { arn: `arn:aws:lambda:us-east-1:000000000000:layer:${name}-${i}:${rev}`, dir, unzippedSize: 0 };
    });
    const functionArn = `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
    const snapshot: FunctionSnapshot = {
      functionName: name,
      functionArn,
      version: '$LATEST',
      invokedFunctionArn: functionArn,
      runtime: 'provided.al2023',
      handler: fn.handler ?? 'index.handler',
      memorySize: fn.memorySize ?? 128,
      timeout: fn.timeout ?? 3,
      architecture: 'x86_64',
      environment: fn.environment ?? {},
      codeDir,
      codeSha256: `sha-${rev}`,
      layers,
      revisionId: `rev-${rev}`,
      ...(fn.reservedConcurrency === undefined ? {} : { reservedConcurrency: fn.reservedConcurrency }),
      region: 'us-east-1',
      logGroupName: `/aws/lambda/${name}`,
      state: 'Active',
    };
    this.snapshots.set(name, snapshot);
    return snapshot;
  }

  lambda(): LambdaClient {
    return new LambdaClient({
      endpoint: this.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  }

  /** POST to the Invoke API with fetch. */
  invoke(
    name: string,
    body: string | Uint8Array = '{}',
    headers: Record<string, string> = {},
    query = '',
  ): Promise<Response> {
    return fetch(`${this.url}/2015-03-31/functions/${encodeURIComponent(name)}/invocations${query}`, {
      method: 'POST',
      headers,
      body,
    });
  }

  async close(): Promise<void> {
    await this.dataPlane.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.root, { recursive: true, force: true });
  }
}

function writeFile(dir: string, path: string, content: string): void {
  const executable = path.endsWith('*');
  const file = join(dir, executable ? path.slice(0, -1) : path);
  mkdirSync(join(file, '..'), { recursive: true });
  if (executable) writeExecutable(file, content);
  else writeFileSync(file, content);
}

function writeExecutable(file: string, content: string): void {
  writeFileSync(file, content);
  chmodSync(file, 0o755);
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export async function waitFor<T>(check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('waitFor: condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
