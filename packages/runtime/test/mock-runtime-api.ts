/**
 * A small recording Runtime API for tests: real HTTP on 127.0.0.1, `/next` long-polls until an invoke is queued,
 * every request is recorded with headers, body and trailers.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: Buffer;
  trailers: Record<string, string | undefined>;
  /** Chunks as they arrived, with ms since the request started. */
  chunks: { at: number; data: Buffer }[];
  at: number;
}

export interface InvokeOptions {
  event?: unknown;
  rawBody?: Buffer | string;
  requestId?: string;
  headers?: Record<string, string>;
  deadlineMs?: number;
}

export interface InvokeResult {
  kind: 'response' | 'error';
  request: RecordedRequest;
}

interface QueuedInvoke {
  requestId: string;
  body: Buffer;
  headers: Record<string, string>;
  done: (result: InvokeResult) => void;
}

let counter = 0;

export class MockRuntimeApi {
  readonly requests: RecordedRequest[] = [];
  #server: Server;
  #queue: QueuedInvoke[] = [];
  #waitingNext: ServerResponse[] = [];
  #inflight = new Map<string, QueuedInvoke>();
  #listeners: Array<() => void> = [];
  /** Status to answer the next POST with (then back to 202). */
  nextPostStatus: number | null = null;
  endpoint = '';
  /** Called for every body chunk as it arrives (streaming tests). */
  onChunk: ((req: IncomingMessage, data: Buffer) => void) | null = null;
  /** TCP connections accepted so far. */
  connections = 0;

  constructor() {
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.keepAliveTimeout = 60_000;
    this.#server.on('connection', () => {
      this.connections += 1;
    });
  }

  async start(): Promise<this> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.endpoint = `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.#waitingNext) res.destroy();
    this.#server.closeAllConnections();
    this.#server.close();
  }

  /** Queues an invoke; resolves with the runtime's /response or /error request for it. */
  invoke(options: InvokeOptions = {}): Promise<InvokeResult> {
    counter += 1;
    const requestId = options.requestId ?? `req-${counter}-${Math.random().toString(16).slice(2, 8)}`;
    const body =
      options.rawBody !== undefined
        ? Buffer.from(options.rawBody)
        : Buffer.from(JSON.stringify(options.event ?? {}));
    const headers: Record<string, string> = {
      'Lambda-Runtime-Aws-Request-Id': requestId,
      'Lambda-Runtime-Deadline-Ms': String(options.deadlineMs ?? Date.now() + 30_000),
      'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:012345678912:function:test',
      'Content-Type': 'application/json',
      ...options.headers,
    };
    return new Promise((resolve) => {
      const item: QueuedInvoke = { requestId, body, headers, done: resolve };
      this.#queue.push(item);
      this.#dispatch();
    });
  }

  /** Resolves when a request matching `predicate` has been recorded. */
  waitFor(predicate: (r: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.requests.find(predicate);
        if (found) {
          clearTimeout(timer);
          this.#listeners = this.#listeners.filter((l) => l !== listener);
          resolve(found);
          return true;
        }
        return false;
      };
      const listener = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        this.#listeners = this.#listeners.filter((l) => l !== listener);
        reject(
          new Error(
            `timed out waiting for a matching request; saw ${this.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`,
          ),
        );
      }, timeoutMs);
      if (!check()) this.#listeners.push(listener);
    });
  }

  /** Number of /next requests currently held open. */
  get waitingNextCount(): number {
    return this.#waitingNext.length;
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && this.#waitingNext.length > 0) {
      const item = this.#queue.shift() as QueuedInvoke;
      const res = this.#waitingNext.shift() as ServerResponse;
      if (res.destroyed) {
        this.#queue.unshift(item);
        continue;
      }
      this.#inflight.set(item.requestId, item);
      res.writeHead(200, { ...item.headers, 'Content-Length': item.body.length });
      res.end(item.body);
    }
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const start = Date.now();
    const chunks: { at: number; data: Buffer }[] = [];
    req.on('data', (data: Buffer) => {
      chunks.push({ at: Date.now() - start, data });
      this.onChunk?.(req, data);
    });
    req.on('end', () => {
      const path = (req.url ?? '').replace(/^\/2018-06-01/, '');
      const record: RecordedRequest = {
        method: req.method ?? '',
        path,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks.map((c) => c.data)),
        trailers: req.trailers,
        chunks,
        at: start,
      };
      this.requests.push(record);
      for (const l of this.#listeners.slice()) l();
      if (req.method === 'GET' && path === '/runtime/invocation/next') {
        this.#waitingNext.push(res);
        res.on('close', () => {
          this.#waitingNext = this.#waitingNext.filter((r) => r !== res);
        });
        this.#dispatch();
        return;
      }
      const override = this.nextPostStatus;
      if (override !== null) {
        this.nextPostStatus = null;
        const payload = JSON.stringify({
          errorType: `Status${override}`,
          errorMessage: 'forced by the test',
        });
        res.writeHead(override, { 'Content-Type': 'application/json' }).end(payload);
      } else {
        res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"status":"OK"}');
      }
      const m = /^\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
      if (m) {
        const id = decodeURIComponent(m[1] as string);
        const item = this.#inflight.get(id);
        if (item) {
          this.#inflight.delete(id);
          item.done({ kind: m[2] as 'response' | 'error', request: record });
        }
      }
    });
  }
}
