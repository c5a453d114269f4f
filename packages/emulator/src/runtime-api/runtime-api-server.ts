import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmulatorError } from '../errors.js';
import {
  guardBodyIdle,
  type ListenerTimeouts,
  RUNTIME_API_TIMEOUTS,
  serverOptions,
} from '../http/listener-timeouts.js';
import type { InvokeCall, InvokeRequest, InvokeResult } from './invoke-call.js';

/** `MaxPayloadSize` of the Runtime API: 6 MiB + 100 B. */
export const MAX_RESPONSE_PAYLOAD_BYTES = 6291556;
/** At most this many extensions may register, as on AWS. */
export const MAX_EXTENSIONS = 10;

const RUNTIME = '/2018-06-01';
const EXTENSION = '/2020-01-01/extension';

/** What the function looks like to extensions registering with this instance. */
export interface RuntimeApiInfo {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly handler: string;
}

/** Signals from the Runtime API to the instance that owns it. */
export interface RuntimeApiListener {
  /** The runtime and every registered extension are waiting on `/next`: init or the last invoke is over. */
  onReady(): void;
  /** The runtime posted `/init/error`. */
  onInitError(errorType: string, body: Buffer): void;
  /** An extension registered (external extensions must register before the runtime starts). */
  onExtensionRegistered?(): void;
}

interface Extension {
  readonly id: string;
  readonly name: string;
  readonly events: ReadonlySet<string>;
  waiting: ServerResponse | null;
  /** It posted /init/error during init: its exit then fails the init as Extension.InitError. */
  initErrored: boolean;
}

/**
 * The Runtime API 2018-06-01 (plus the basics of the Extensions API 2020-01-01) for exactly one instance,
 * on its own port, so `AWS_LAMBDA_RUNTIME_API` identifies the instance. Enforces the RIE's state machine:
 * 400 InvalidRequestID, 403 InvalidStateTransition, 413 over 6291556 bytes, 400 InvalidFunctionResponseMode.
 */
export class RuntimeApiServer {
  readonly #server: Server;
  readonly #info: RuntimeApiInfo;
  readonly #listener: RuntimeApiListener;
  readonly #extensions = new Map<string, Extension>();
  #runtimeWaiting: ServerResponse | null = null;
  #initDone = false;
  #initErrorPosted = false;
  #current: InvokeCall | null = null;
  #readySignalled = false;
  #shuttingDown = false;

  constructor(
    info: RuntimeApiInfo,
    listener: RuntimeApiListener,
    timeouts: ListenerTimeouts = RUNTIME_API_TIMEOUTS,
  ) {
    this.#info = info;
    this.#listener = listener;
    // /next blocks for as long as it takes and a streamed /response may pause between chunks for as long as the
    // function runs: by default only the headers are bounded (slow-loris), never the wait or the body.
    this.#server = createServer(serverOptions(timeouts), (req, res) => {
      guardBodyIdle(req, res, timeouts.bodyIdleTimeoutMs);
      this.#route(req, res).catch((err: unknown) => {
        if (!res.headersSent)
          sendJson(res, 500, { errorType: 'InternalServerError', errorMessage: String(err) });
        else res.destroy();
      });
    });
  }

  /** Starts listening on an ephemeral port; resolves to `host:port` for `AWS_LAMBDA_RUNTIME_API`. */
  async listen(host: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, host, () => resolve());
    });
    const { port } = this.#server.address() as AddressInfo;
    return `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  get initDone(): boolean {
    return this.#initDone;
  }

  get extensionCount(): number {
    return this.#extensions.size;
  }

  /** How a registered extension of this name stands: `undefined` when none registered. */
  extensionState(name: string): 'registered' | 'init-error' | undefined {
    for (const ext of this.#extensions.values())
      if (ext.name === name) return ext.initErrored ? 'init-error' : 'registered';
    return undefined;
  }

  /** The runtime and all extensions wait on `/next` and nothing is in flight. */
  get ready(): boolean {
    if (this.#runtimeWaiting === null || this.#shuttingDown) return false;
    if (this.#current !== null && !this.#current.settled) return false;
    for (const ext of this.#extensions.values()) if (ext.waiting === null) return false;
    return true;
  }

  /** Hands an invoke to the runtime (which must be `ready`) and to extensions subscribed to INVOKE. */
  deliver(call: InvokeCall): void {
    const res = this.#runtimeWaiting;
    if (res === null || !this.ready)
      throw new EmulatorError(
        'deliver() called while the runtime is not waiting on /next: wait for onReady() first',
      );
    this.#runtimeWaiting = null;
    this.#current = call;
    this.#readySignalled = false;
    const r = call.request;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': r.requestId,
      'lambda-runtime-deadline-ms': String(r.deadlineMs),
      'lambda-runtime-invoked-function-arn': r.invokedFunctionArn,
    };
    if (r.traceId !== undefined) headers['lambda-runtime-trace-id'] = r.traceId;
    if (r.clientContext !== undefined) headers['lambda-runtime-client-context'] = r.clientContext;
    if (r.cognitoIdentity !== undefined) headers['lambda-runtime-cognito-identity'] = r.cognitoIdentity;
    if (r.tenantId !== undefined) headers['lambda-runtime-aws-tenant-id'] = r.tenantId;
    headers['content-length'] = String(r.payload.byteLength);
    res.writeHead(200, headers);
    res.end(r.payload);
    for (const ext of this.#extensions.values()) {
      if (!ext.events.has('INVOKE') || ext.waiting === null) continue;
      sendJson(ext.waiting, 200, invokeEvent(r));
      ext.waiting = null;
    }
  }

  /**
   * Sends SHUTDOWN to extensions subscribed to it and stops accepting work. Resolves immediately;
   * the owner then signals and kills the processes.
   */
  shutdownExtensions(reason: string, deadlineMs: number): void {
    this.#shuttingDown = true;
    for (const ext of this.#extensions.values()) {
      if (!ext.events.has('SHUTDOWN') || ext.waiting === null) continue;
      sendJson(ext.waiting, 200, { eventType: 'SHUTDOWN', shutdownReason: reason, deadlineMs });
      ext.waiting = null;
    }
  }

  /** Closes the port and drops every held `/next`. */
  async close(): Promise<void> {
    this.#shuttingDown = true;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    if (path.startsWith(`${RUNTIME}/runtime/`))
      return this.#routeRuntime(method, path.slice(RUNTIME.length + 9), req, res);
    if (path === `${RUNTIME}/ping` && method === 'GET') return sendText(res, 200, 'pong');
    if (path.startsWith(`${EXTENSION}/`))
      return this.#routeExtension(method, path.slice(EXTENSION.length + 1), req, res);
    if (path === '/2022-07-01/telemetry' || path === '/2020-08-15/logs') {
      await drain(req);
      const errorType = path.startsWith('/2022') ? 'Telemetry.NotSupported' : 'Logs.NotSupported';
      return sendJson(res, 202, {
        errorMessage: `${errorType.split('.')[0]} API is not supported`,
        errorType,
      });
    }
    await drain(req);
    sendJson(res, 404, { errorMessage: 'Not found', errorType: 'NotFound' });
  }

  async #routeRuntime(
    method: string,
    rest: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (rest === 'invocation/next' && method === 'GET') return this.#next(req, res);
    if (rest === 'init/error' && method === 'POST') return this.#initError(req, res);
    const m = /^invocation\/([^/]+)\/(response|error)$/.exec(rest);
    if (m !== null && method === 'POST') {
      const id = safeDecode(m[1] ?? '');
      return m[2] === 'response' ? this.#response(id, req, res) : this.#error(id, req, res);
    }
    await drain(req);
    sendJson(res, 404, { errorMessage: 'Not found', errorType: 'NotFound' });
  }

  #next(req: IncomingMessage, res: ServerResponse): void {
    if (this.#initErrorPosted) {
      // The runtime reported an init failure; it must exit, not ask for work.
      sendJson(res, 403, transitionError('InitError', 'Ready'));
      return;
    }
    // A /next after the answer makes the previous request ID stale (400 instead of 403 from now on).
    if (this.#current?.settled === true) this.#current = null;
    this.#runtimeWaiting = res;
    req.socket.setTimeout(0);
    res.on('close', () => {
      if (this.#runtimeWaiting === res) this.#runtimeWaiting = null;
    });
    this.#initDone = true;
    this.#maybeReady();
  }

  #maybeReady(): void {
    if (this.#readySignalled || !this.ready) return;
    this.#readySignalled = true;
    this.#listener.onReady();
  }

  /** The invoke a /response or /error targets, or an HTTP error already sent. */
  #target(id: string, res: ServerResponse, to: string): InvokeCall | null {
    const call = this.#current;
    if (call === null || call.request.requestId !== id) {
      sendJson(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
      return null;
    }
    if (call.responded || call.settled) {
      // Still the current ID (no /next since): a second answer is an illegal state transition.
      sendJson(res, 403, transitionError('ResponseSent', to));
      return null;
    }
    return call;
  }

  async #response(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call = this.#target(id, res, 'InvocationResponse');
    if (call === null) return drain(req);
    const mode = header(req, 'lambda-runtime-function-response-mode');
    if (mode !== undefined && mode !== '' && mode.toLowerCase() !== 'streaming') {
      await drain(req);
      sendJson(res, 400, {
        errorMessage: `Invalid function response mode: ${mode}. Valid values: streaming`,
        errorType: 'InvalidFunctionResponseMode',
      });
      call.responded = true;
      call.finish(
        errorResult(
          'Runtime.InvalidResponseModeHeader',
          `RequestId: ${id} Error: Invalid function response mode header: ${mode}`,
        ),
      );
      return;
    }
    call.responded = true;
    const contentType = header(req, 'content-type');
    if (mode !== undefined && mode !== '') return this.#streamingResponse(call, contentType, req, res);

    const { body, size } = await readBody(req, MAX_RESPONSE_PAYLOAD_BYTES);
    if (size > MAX_RESPONSE_PAYLOAD_BYTES) {
      sendJson(res, 413, {
        errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_PAYLOAD_BYTES} bytes).`,
        errorType: 'RequestEntityTooLarge',
      });
      call.finish(
        errorResult(
          'Function.ResponseSizeTooLarge',
          `Response payload size (${size} bytes) exceeded maximum allowed payload size (${MAX_RESPONSE_PAYLOAD_BYTES} bytes).`,
        ),
      );
      return;
    }
    call.start(contentType ?? 'application/json', false);
    call.chunk(body);
    call.finish({ ok: true });
    sendAccepted(res);
  }

  async #streamingResponse(
    call: InvokeCall,
    contentType: string | undefined,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    call.start(contentType ?? 'application/octet-stream', true);
    for await (const chunk of req as AsyncIterable<Buffer>) call.chunk(chunk);
    const errorType = req.trailers['lambda-runtime-function-error-type'];
    if (errorType !== undefined && errorType !== '') {
      const encoded = req.trailers['lambda-runtime-function-error-body'];
      const body =
        encoded !== undefined && encoded !== ''
          ? Buffer.from(encoded, 'base64')
          : Buffer.from(JSON.stringify({ errorType, errorMessage: '' }));
      call.finish({ ok: false, errorType, body });
    } else {
      call.finish({ ok: true });
    }
    sendJson(res, 202, { status: 'OK' });
  }

  async #error(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call = this.#target(id, res, 'InvocationErrorResponse');
    if (call === null) return drain(req);
    call.responded = true;
    const body = await readCapped(req, MAX_RESPONSE_PAYLOAD_BYTES);
    const errorType = header(req, 'lambda-runtime-function-error-type') ?? 'Runtime.Unknown';
    call.finish({
      ok: false,
      errorType,
      body: body.length > 0 ? body : Buffer.from(JSON.stringify({ errorMessage: '', errorType })),
    });
    sendAccepted(res);
  }

  async #initError(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readCapped(req, MAX_RESPONSE_PAYLOAD_BYTES);
    if (this.#initDone || this.#initErrorPosted) {
      sendJson(res, 403, transitionError(this.#initDone ? 'Ready' : 'InitError', 'InitError'));
      return;
    }
    this.#initErrorPosted = true;
    const errorType = header(req, 'lambda-runtime-function-error-type') ?? 'Runtime.Unknown';
    sendJson(res, 202, { status: 'OK' });
    this.#listener.onInitError(
      errorType,
      body.length > 0 ? body : Buffer.from(JSON.stringify({ errorMessage: '', errorType })),
    );
  }

  async #routeExtension(
    method: string,
    rest: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (rest === 'register' && method === 'POST') return this.#register(req, res);
    await drain(req);
    const id = header(req, 'lambda-extension-identifier');
    if (id === undefined || id === '') {
      sendJson(res, 403, {
        errorMessage: 'Missing Lambda-Extension-Identifier header',
        errorType: 'Extension.MissingExtensionIdentifier',
      });
      return;
    }
    const ext = this.#extensions.get(id);
    if (ext === undefined) {
      sendJson(res, 403, {
        errorMessage: 'Invalid Lambda-Extension-Identifier',
        errorType: 'Extension.InvalidExtensionIdentifier',
      });
      return;
    }
    if (rest === 'event/next' && method === 'GET') {
      ext.waiting = res;
      req.socket.setTimeout(0);
      res.on('close', () => {
        if (ext.waiting === res) ext.waiting = null;
      });
      this.#maybeReady();
      return;
    }
    if ((rest === 'init/error' || rest === 'exit/error') && method === 'POST') {
      sendJson(res, 202, { status: 'OK' });
      // Init lasts until the runtime and every extension wait on next, so an extension may report its failure
      // after the runtime has reached /next. As on Lambda, the init fails when the extension then exits
      // (Extension.InitError with its exit code; the instance watches the exit). Afterwards it is only acknowledged.
      if (rest === 'init/error' && !this.#readySignalled) ext.initErrored = true;
      return;
    }
    sendJson(res, 404, { errorMessage: 'Not found', errorType: 'NotFound' });
  }

  async #register(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readCapped(req, 64 * 1024);
    const name = header(req, 'lambda-extension-name');
    if (name === undefined || name === '') {
      sendJson(res, 403, {
        errorMessage: 'Empty extension name',
        errorType: 'Extension.InvalidExtensionName',
      });
      return;
    }
    if (this.#initDone) {
      sendJson(res, 403, {
        errorMessage: 'Extensions can only register during init',
        errorType: 'Extension.InvalidStateTransition',
      });
      return;
    }
    if (this.#extensions.size >= MAX_EXTENSIONS) {
      sendJson(res, 403, { errorMessage: 'Too many extensions', errorType: 'Extension.TooManyExtensions' });
      return;
    }
    let events: string[] = [];
    try {
      const parsed = JSON.parse(raw.toString('utf8') || '{}') as { events?: unknown };
      if (Array.isArray(parsed.events)) events = parsed.events.map(String);
    } catch {
      sendJson(res, 400, { errorMessage: 'Invalid register body', errorType: 'InvalidRequestFormat' });
      return;
    }
    const bad = events.find((e) => e !== 'INVOKE' && e !== 'SHUTDOWN');
    if (bad !== undefined) {
      sendJson(res, 400, { errorMessage: `Unknown event type: ${bad}`, errorType: 'InvalidEventType' });
      return;
    }
    const id = randomUUID();
    this.#extensions.set(id, { id, name, events: new Set(events), waiting: null, initErrored: false });
    this.#listener.onExtensionRegistered?.();
    const body = JSON.stringify({
      functionName: this.#info.functionName,
      functionVersion: this.#info.functionVersion,
      handler: this.#info.handler,
    });
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'lambda-extension-identifier': id,
    });
    res.end(body);
  }
}

function invokeEvent(r: InvokeRequest): object {
  return {
    eventType: 'INVOKE',
    deadlineMs: r.deadlineMs,
    requestId: r.requestId,
    invokedFunctionArn: r.invokedFunctionArn,
    tracing: r.traceId === undefined ? undefined : { type: 'X-Amzn-Trace-Id', value: r.traceId },
  };
}

function transitionError(from: string, to: string): object {
  return {
    errorMessage: `State transition from ${from} to ${to} failed for runtime. Error: State transition is not allowed`,
    errorType: 'InvalidStateTransition',
  };
}

function errorResult(errorType: string, errorMessage: string): InvokeResult {
  return { ok: false, errorType, body: Buffer.from(JSON.stringify({ errorType, errorMessage })) };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // discard
  }
}

/** Reads a body, keeping at most `limit` bytes (the rest is drained). */
async function readCapped(req: IncomingMessage, limit: number): Promise<Buffer> {
  return (await readBody(req, limit)).body;
}

/**
 * Reads a whole body with plain stream events (no async iterator or promise per chunk: this runs on every
 * invoke's `/response`). Keeps chunks while the total stays within `limit`, drains the rest; `size` is the full
 * size. A single chunk is returned as is (no copy). Rejects when the request is aborted before its end.
 */
function readBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let kept = 0;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (kept + chunk.length <= limit && size <= limit) {
        chunks.push(chunk);
        kept += chunk.length;
      }
    });
    req.once('end', () => {
      ended = true;
      const body =
        chunks.length === 1
          ? (chunks[0] as Buffer)
          : chunks.length === 0
            ? EMPTY
            : Buffer.concat(chunks, kept);
      resolve({ body, size });
    });
    req.once('error', reject);
    req.once('close', () => {
      if (!ended) reject(new EmulatorError('The request was aborted before its body ended'));
    });
  });
}

const EMPTY = Buffer.alloc(0);
const ACCEPTED_BODY = Buffer.from(JSON.stringify({ status: 'OK' }));

/** 202 `{"status":"OK"}`, the answer to every accepted /response and /error (body encoded once). */
function sendAccepted(res: ServerResponse): void {
  res.writeHead(202, { 'content-type': 'application/json', 'content-length': ACCEPTED_BODY.length });
  res.end(ACCEPTED_BODY);
}
