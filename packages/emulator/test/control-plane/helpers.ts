import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import yazl from 'yazl';
import type { InvokeOptions, InvokeOutput } from '../../src/invoke/invoke-api.js';
import type { DataPlane } from '../../src/lambda/data-plane.js';
import type { DataPlaneOptions, FunctionResolver, InvokeRoute } from '../../src/lambda/types.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/server.js';

export interface ZipEntry {
  readonly content: string | Buffer;
  readonly mode?: number;
}

/** Builds a zip in memory; `mode` becomes the Unix external attributes (0o100755, 0o120777 for symlinks…). */
export function makeZip(files: Record<string, string | Buffer | ZipEntry>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, value] of Object.entries(files)) {
    const entry: ZipEntry = typeof value === 'string' || Buffer.isBuffer(value) ? { content: value } : value;
    const content = typeof entry.content === 'string' ? Buffer.from(entry.content) : entry.content;
    zip.addBuffer(content, name, entry.mode === undefined ? {} : { mode: entry.mode });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/**
 * yazl refuses unsafe names (rightly), so hostile zips are made by renaming an entry in the bytes: same length,
 * every occurrence (local header and central directory).
 */
export function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error(`renameEntry needs equal lengths: "${from}" vs "${to}"`);
  const out = Buffer.from(zip);
  const needle = Buffer.from(from);
  let at = out.indexOf(needle);
  if (at < 0) throw new Error(`entry name "${from}" not found in the zip`);
  while (at >= 0) {
    Buffer.from(to).copy(out, at);
    at = out.indexOf(needle, at + needle.length);
  }
  return out;
}

/** A data plane stand-in: records calls and answers invokes with what the resolver returned. */
export class FakeDataPlane implements DataPlane {
  readonly retired: string[] = [];
  readonly invokes: InvokeRoute[] = [];
  closed = false;
  readonly #resolver: FunctionResolver;

  constructor(options: DataPlaneOptions) {
    this.#resolver = options.resolver;
  }

  async handleInvoke(req: IncomingMessage, res: ServerResponse, route: InvokeRoute): Promise<void> {
    this.invokes.push(route);
    for await (const _ of req) {
      // drain
    }
    const snapshot = this.#resolver.resolve(route.functionName, route.qualifier);
    const body = JSON.stringify({ route, snapshot });
    res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': snapshot.version });
    res.end(body);
  }

  async invokeAsync(): Promise<{ requestId: string }> {
    return { requestId: 'fake' };
  }

  async invoke(nameOrArn: string, _payload: Uint8Array, options?: InvokeOptions): Promise<InvokeOutput> {
    const snapshot = this.#resolver.resolve(nameOrArn, options?.qualifier);
    return {
      statusCode: 200,
      payload: Buffer.from(JSON.stringify(snapshot)),
      executedVersion: snapshot.version,
    } as InvokeOutput;
  }

  readLogs(): string {
    return '';
  }

  logFile(functionName: string): string {
    return `/nonexistent/${functionName}.log`;
  }

  async drainAsync(): Promise<void> {}

  instances(): readonly { id: string; state: string; version: string; pgid: number }[] {
    return [];
  }

  retire(functionName: string): void {
    this.retired.push(functionName);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

export interface TestEmulator {
  readonly emulator: Emulator;
  readonly lambda: LambdaClient;
  readonly dataPlane: () => FakeDataPlane;
  readonly stateDir: string;
  close(): Promise<void>;
}

/** Starts an emulator on an ephemeral port with a fresh state folder and a fake data plane. */
export async function startTestEmulator(
  options: EmulatorOptions & { stateDir?: string; keepState?: boolean } = {},
): Promise<TestEmulator> {
  const stateDir = options.stateDir ?? (await mkdtemp(path.join(tmpdir(), 'caprice-cp-')));
  let plane: FakeDataPlane | undefined;
  const emulator = await startEmulator({
    port: 0,
    createDelayMs: 100,
    updateDelayMs: 100,
    ...options,
    stateDir,
    createDataPlane: (o) => {
      plane = new FakeDataPlane(o);
      return plane;
    },
  });
  const lambda = new LambdaClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  return {
    emulator,
    lambda,
    dataPlane: () => plane!,
    stateDir,
    async close() {
      lambda.destroy();
      await emulator.close();
      if (!options.keepState) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

export const BOOTSTRAP_ZIP = () =>
  makeZip({ bootstrap: { content: '#!/bin/sh\necho hi\n', mode: 0o100755 }, 'handler.txt': 'x' });
