/**
 * The only file that touches the network: a minimal HTTP/1.1 client for the Lambda Runtime API over one kept-alive
 * TCP socket.
 *
 * Why hand-written: the per-invoke cost of the HTTP client is paid on every request of every function. On loopback a
 * raw socket with pre-built request heads costs ~85–110 µs per GET+POST, `node:http` with keep-alive 1.2–2.4× that,
 * undici 1.1–1.7×, `fetch` 4–6× (shared/reference/perf.md §5). The Runtime API is a fixed, tiny protocol (three
 * request shapes, answers with Content-Length or chunked bodies), so the subset we need is small and fully tested.
 * @module
 */
import { connect, type Socket } from 'node:net';
import {
  API_VERSION_PATH,
  ERROR_BODY_TRAILER,
  ERROR_CONTENT_TYPE,
  ERROR_TYPE_HEADER,
  RESPONSE_MODE_HEADER,
  RUNTIME_API_ENV_VAR,
} from './constants.js';
import {
  type InvocationError,
  MissingEnvironmentError,
  RuntimeApiConnectionError,
  RuntimeApiError,
  stringifyInvocationError,
} from './errors.js';
import type { Invocation } from './types.js';

/** An open streamed `/response` request (chunked, with error trailers declared). */
export interface StreamingResponseRequest {
  /** Sends one chunk; `done` is called when the socket accepted it (back-pressure). */
  write(chunk: Buffer, done: () => void): void;
  /** Ends the body, with the error trailers when `error` is given; resolves once the Runtime API answered. */
  end(error?: InvocationError): Promise<void>;
}

/** What the loop needs from a Runtime API client. Tests pass fakes of this interface. */
export interface RuntimeApi {
  /** `GET /runtime/invocation/next`, with no timeout (it long-polls). */
  nextInvocation(): Promise<Invocation>;
  /** `POST /runtime/invocation/{id}/response` with a buffered body. */
  postResponse(requestId: string, body: string | Buffer, contentType?: string): Promise<void>;
  /** `POST /runtime/invocation/{id}/error`, always with `Lambda-Runtime-Function-Error-Type`. */
  postError(requestId: string, error: InvocationError): Promise<void>;
  /** `POST /runtime/init/error`. */
  postInitError(error: InvocationError): Promise<void>;
  /** Starts `POST /runtime/invocation/{id}/response` in streaming mode; the head is sent at once. */
  streamResponse(requestId: string, contentType: string): StreamingResponseRequest;
}

/** Options of {@link RuntimeClient}. */
export interface RuntimeClientOptions {
  /** `host:port` of the Runtime API; defaults to `$AWS_LAMBDA_RUNTIME_API`. */
  endpoint?: string;
  /** Sent as User-Agent. */
  userAgent?: string;
}

interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One request in flight or queued. A plain object with no closures: one is made per request on the hot path. */
interface Pending {
  head: string | Buffer;
  body: Buffer | null;
  /** A streamed request: never retried (its body was not buffered). */
  open: boolean;
  retried: boolean;
  resolve: (res: ParsedResponse) => void;
  reject: (err: Error) => void;
  /** True when the request went out on a socket that had served an earlier request (a stale-socket retry is safe). */
  reused: boolean;
  gotBytes: boolean;
}

const CRLF = '\r\n';
const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);
// Bodies up to this many UTF-16 units are sent in the same write as the head.
const SINGLE_WRITE_MAX = 64 * 1024;

/** Reads `$AWS_LAMBDA_RUNTIME_API`, or throws a {@link MissingEnvironmentError}. */
export function getRuntimeApiFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const value = env[RUNTIME_API_ENV_VAR];
  if (!value) throw new MissingEnvironmentError(RUNTIME_API_ENV_VAR);
  return value;
}

/**
 * Runtime API client on one kept-alive socket. Requests are sent one at a time (the Runtime API protocol is
 * sequential per runtime). The socket is unref'd while idle so that an empty event loop is still detectable
 * (callback handlers with `callbackWaitsForEmptyEventLoop`).
 *
 * @example
 * const client = new RuntimeClient({ endpoint: '127.0.0.1:9001' });
 * const { body, headers } = await client.nextInvocation();
 */
export class RuntimeClient implements RuntimeApi {
  readonly endpoint: string;
  readonly #host: string;
  readonly #port: number;
  readonly #nextHead: Buffer;
  readonly #commonHeaders: string;
  #socket: Socket | null = null;
  #socketUsed = false;
  #pending: Pending | null = null;
  #queue: Pending[] = [];
  // Response parser state.
  #buf: Buffer = EMPTY;
  #status = 0;
  #headers: Record<string, string> | null = null;
  #bodyLength = -1;
  #chunked = false;
  #chunks: Buffer[] = [];
  #untilClose = false;

  constructor({
    endpoint = getRuntimeApiFromEnv(),
    userAgent = 'caprice-runtime',
  }: RuntimeClientOptions = {}) {
    this.endpoint = endpoint;
    const colon = endpoint.lastIndexOf(':');
    this.#host = colon > 0 ? endpoint.slice(0, colon).replace(/^\[|\]$/g, '') : endpoint;
    this.#port = colon > 0 ? Number(endpoint.slice(colon + 1)) : 80;
    this.#commonHeaders = `Host: ${endpoint}${CRLF}User-Agent: ${userAgent}${CRLF}`;
    // Built once: the /next request never changes.
    this.#nextHead = Buffer.from(
      `GET ${API_VERSION_PATH}/runtime/invocation/next HTTP/1.1${CRLF}${this.#commonHeaders}${CRLF}`,
      'latin1',
    );
  }

  async nextInvocation(): Promise<Invocation> {
    const res = await this.#request(this.#nextHead, null);
    if (res.status !== 200)
      throw new RuntimeApiError('GET', '/runtime/invocation/next', res.status, res.body.toString());
    return { body: res.body, headers: res.headers };
  }

  async postResponse(
    requestId: string,
    body: string | Buffer,
    contentType = 'application/json',
  ): Promise<void> {
    const path = `/runtime/invocation/${encodeURIComponent(requestId)}/response`;
    await this.#post(path, body, `Content-Type: ${contentType}${CRLF}`);
  }

  async postError(requestId: string, error: InvocationError): Promise<void> {
    const path = `/runtime/invocation/${encodeURIComponent(requestId)}/error`;
    await this.#post(path, stringifyInvocationError(error), errorHeaders(error));
  }

  async postInitError(error: InvocationError): Promise<void> {
    await this.#post('/runtime/init/error', stringifyInvocationError(error), errorHeaders(error));
  }

  streamResponse(requestId: string, contentType: string): StreamingResponseRequest {
    const path = `/runtime/invocation/${encodeURIComponent(requestId)}/response`;
    const head = Buffer.from(
      `POST ${API_VERSION_PATH}${path} HTTP/1.1${CRLF}${this.#commonHeaders}Content-Type: ${headerValue(contentType)}${CRLF}` +
        `${RESPONSE_MODE_HEADER}: streaming${CRLF}Transfer-Encoding: chunked${CRLF}` +
        `Trailer: ${ERROR_TYPE_HEADER}, ${ERROR_BODY_TRAILER}${CRLF}${CRLF}`,
      'latin1',
    );
    const idle = this.#pending === null;
    const response = this.#request(head, null, true);
    // Surface failures through end(); avoid an unhandled rejection if the caller never gets there.
    response.catch(() => {});
    // While the handler streams, the open request alone must not keep the event loop alive, so that a handler
    // whose promise never settles is still detected (beforeExit). In-flight socket writes keep the loop alive.
    if (idle) this.#socket?.unref();
    const socketOf = (): Socket | null => this.#socket;
    return {
      write(chunk, done) {
        const socket = socketOf();
        if (chunk.length === 0 || socket === null || socket.destroyed) {
          done();
          return;
        }
        socket.cork();
        socket.write(`${chunk.length.toString(16)}${CRLF}`, 'latin1');
        socket.write(chunk);
        const flushed = socket.write(CRLF, 'latin1');
        socket.uncork();
        if (flushed) done();
        else socket.once('drain', done);
      },
      end: async (error) => {
        const socket = socketOf();
        socket?.ref();
        if (socket !== null && !socket.destroyed) {
          let tail = `0${CRLF}`;
          if (error !== undefined) {
            const body = Buffer.from(stringifyInvocationError(error)).toString('base64');
            tail += `${ERROR_TYPE_HEADER}: ${headerValue(error.errorType)}${CRLF}${ERROR_BODY_TRAILER}: ${body}${CRLF}`;
          }
          socket.write(`${tail}${CRLF}`, 'latin1');
        }
        const res = await response;
        if (res.status >= 300) throw new RuntimeApiError('POST', path, res.status, res.body.toString());
      },
    };
  }

  async #post(path: string, body: string | Buffer, extraHeaders: string): Promise<void> {
    const start = `POST ${API_VERSION_PATH}${path} HTTP/1.1${CRLF}${this.#commonHeaders}${extraHeaders}Content-Length: `;
    let res: ParsedResponse;
    if (typeof body === 'string' && body.length <= SINGLE_WRITE_MAX) {
      // Hot path: one string, one write syscall (a writev of head + body costs measurably more per invoke).
      res = await this.#request(`${start}${Buffer.byteLength(body)}${CRLF}${CRLF}${body}`, null);
    } else {
      const data = typeof body === 'string' ? Buffer.from(body) : body;
      res = await this.#request(`${start}${data.length}${CRLF}${CRLF}`, data);
    }
    if (res.status >= 300) throw new RuntimeApiError('POST', path, res.status, res.body.toString());
  }

  #request(head: string | Buffer, body: Buffer | null, open = false): Promise<ParsedResponse> {
    return new Promise<ParsedResponse>((resolve, reject) => {
      const pending: Pending = {
        head,
        body,
        open,
        retried: false,
        resolve,
        reject,
        reused: false,
        gotBytes: false,
      };
      if (this.#pending === null) this.#send(pending);
      else this.#queue.push(pending);
    });
  }

  #send(pending: Pending): void {
    const socket = this.#ensureSocket();
    pending.reused = this.#socketUsed;
    pending.gotBytes = false;
    this.#pending = pending;
    this.#socketUsed = true;
    socket.ref();
    if (pending.body === null) {
      socket.write(pending.head);
    } else {
      socket.cork();
      socket.write(pending.head);
      if (pending.body.length > 0) socket.write(pending.body);
      socket.uncork();
    }
  }

  #resolvePending(res: ParsedResponse): void {
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    this.#socket?.unref();
    pending.resolve(res);
    const next = this.#queue.shift();
    if (next !== undefined) this.#send(next);
  }

  #rejectPending(err: Error): void {
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    // A kept-alive socket the server closed while idle fails the next write: retry once on a fresh one
    // (only buffered requests, and only when the server never answered).
    if (!pending.retried && !pending.open && pending.reused && !pending.gotBytes) {
      pending.retried = true;
      this.#send(pending);
      return;
    }
    pending.reject(err);
    const next = this.#queue.shift();
    if (next !== undefined) this.#send(next);
  }

  #ensureSocket(): Socket {
    if (this.#socket !== null && !this.#socket.destroyed) return this.#socket;
    const socket = connect({ host: this.#host, port: this.#port, noDelay: true, keepAlive: true });
    this.#socket = socket;
    this.#socketUsed = false;
    this.#resetParser();
    socket.on('data', (data: Buffer) => {
      if (this.#socket === socket) this.#onData(data);
    });
    const fail = (err?: Error): void => {
      // Events of a socket we already replaced or closed on purpose concern no current request.
      if (this.#socket !== socket) return;
      this.#socket = null;
      const pending = this.#pending;
      if (pending === null) return;
      if (this.#untilClose && this.#headers !== null) {
        this.#finish(Buffer.concat(this.#chunks));
        return;
      }
      this.#rejectPending(
        new RuntimeApiConnectionError(this.endpoint, { cause: err ?? new Error('connection closed') }),
      );
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
    return socket;
  }

  #resetParser(): void {
    this.#buf = EMPTY;
    this.#status = 0;
    this.#headers = null;
    this.#bodyLength = -1;
    this.#chunked = false;
    if (this.#chunks.length > 0) this.#chunks = [];
    this.#untilClose = false;
  }

  #onData(data: Buffer): void {
    if (this.#pending === null) return; // Unsolicited bytes: nothing is waiting for them.
    this.#pending.gotBytes = true;
    this.#buf = this.#buf.length === 0 ? data : Buffer.concat([this.#buf, data]);
    if (this.#headers === null) {
      const end = this.#buf.indexOf(HEAD_END);
      if (end === -1) return;
      this.#parseHead(this.#buf.toString('latin1', 0, end));
      this.#buf = this.#buf.subarray(end + 4);
    }
    if (this.#untilClose) {
      if (this.#buf.length > 0) this.#chunks.push(this.#buf);
      this.#buf = EMPTY;
      return;
    }
    if (this.#chunked) {
      this.#parseChunks();
      return;
    }
    if (this.#buf.length >= this.#bodyLength) {
      const body = this.#buf.subarray(0, this.#bodyLength);
      this.#finish(body);
    }
  }

  #parseHead(text: string): void {
    // Hand-rolled scan (no split/trim): this runs twice per invoke.
    this.#status = Number(text.slice(9, 12));
    const headers: Record<string, string> = {};
    let pos = text.indexOf(CRLF);
    while (pos !== -1) {
      const start = pos + 2;
      pos = text.indexOf(CRLF, start);
      const end = pos === -1 ? text.length : pos;
      const colon = text.indexOf(':', start);
      if (colon <= start || colon > end) continue;
      let v = colon + 1;
      while (v < end && (text.charCodeAt(v) === 32 || text.charCodeAt(v) === 9)) v++;
      let e = end;
      while (e > v && (text.charCodeAt(e - 1) === 32 || text.charCodeAt(e - 1) === 9)) e--;
      const name = text.slice(start, colon).toLowerCase();
      const value = text.slice(v, e);
      const prev = headers[name];
      headers[name] = prev === undefined ? value : `${prev}, ${value}`;
    }
    this.#headers = headers;
    const te = headers['transfer-encoding'];
    const cl = headers['content-length'];
    if (te?.toLowerCase().includes('chunked')) this.#chunked = true;
    else if (cl !== undefined) this.#bodyLength = Number(cl);
    else if (this.#status === 204 || this.#status === 304 || this.#status < 200) this.#bodyLength = 0;
    else this.#untilClose = true;
  }

  #parseChunks(): void {
    for (;;) {
      const lineEnd = this.#buf.indexOf(CRLF);
      if (lineEnd === -1) return;
      const size = Number.parseInt(this.#buf.toString('latin1', 0, lineEnd), 16);
      if (Number.isNaN(size)) {
        this.#protocolError('bad chunk size');
        return;
      }
      if (size === 0) {
        // Last chunk: trailers (ignored) follow, up to an empty line.
        const rest = this.#buf.subarray(lineEnd + 2);
        if (rest.length < 2) return;
        if (rest[0] !== 13 || rest[1] !== 10) {
          if (rest.indexOf(HEAD_END) === -1) return;
        }
        this.#finish(Buffer.concat(this.#chunks));
        return;
      }
      if (this.#buf.length < lineEnd + 2 + size + 2) return;
      this.#chunks.push(this.#buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      this.#buf = this.#buf.subarray(lineEnd + 2 + size + 2);
    }
  }

  #protocolError(why: string): void {
    this.#socket?.destroy();
    this.#socket = null;
    this.#rejectPending(new RuntimeApiConnectionError(this.endpoint, { cause: new Error(why) }));
  }

  #finish(body: Buffer): void {
    const res: ParsedResponse = { status: this.#status, headers: this.#headers ?? {}, body };
    const close = this.#untilClose || res.headers.connection?.toLowerCase() === 'close';
    this.#resetParser();
    if (close) {
      this.#socket?.destroy();
      this.#socket = null;
    }
    this.#resolvePending(res);
  }
}

function errorHeaders(error: InvocationError): string {
  return `Content-Type: ${ERROR_CONTENT_TYPE}${CRLF}${ERROR_TYPE_HEADER}: ${headerValue(error.errorType)}${CRLF}`;
}

// Header values must not carry CR/LF (header injection) nor non-latin1 bytes.
function headerValue(value: string): string {
  return value.replace(/[\r\n]/g, ' ').replace(/[^\x20-\x7e\t]/g, '?');
}
