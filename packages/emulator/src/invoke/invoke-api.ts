import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsServiceError, sendAwsJsonError } from '../http/aws-error.js';
import type { FunctionResolver, FunctionSnapshot, InvokeRoute } from '../lambda/types.js';
import { encodeLogTail } from '../logs/log-store.js';
import type { InstancePool, PoolRequest } from '../pool/instance-pool.js';
import type { InvokeResult } from '../runtime-api/invoke-call.js';
import type { AsyncInvoker } from './async-invoker.js';
import { encodeInvokeComplete, encodePayloadChunk } from './event-stream.js';
import { newTraceId } from './trace-id.js';

/** Synchronous request payload limit (6 MB). */
export const MAX_SYNC_REQUEST_BYTES = 6 * 1024 * 1024;
/** Asynchronous (Event) request payload limit (1 MB). */
export const MAX_ASYNC_REQUEST_BYTES = 1024 * 1024;
/** `X-Amz-Client-Context` limit (base64 text). */
export const MAX_CLIENT_CONTEXT_BYTES = 3583;

/** Options of a programmatic synchronous invoke. */
export interface InvokeOptions {
  readonly qualifier?: string;
  /** Decoded client context JSON. */
  readonly clientContext?: string;
  /** JSON `{"cognitoIdentityId":…,"cognitoIdentityPoolId":…}` (API Gateway / Cognito callers). */
  readonly cognitoIdentity?: string;
  readonly traceId?: string;
  readonly tenantId?: string;
}

/** What a synchronous invoke produced, as the Invoke API would report it. */
export interface InvokeOutput {
  /** 200, or 429 when throttled. */
  readonly statusCode: number;
  readonly requestId: string;
  readonly executedVersion: string;
  /** 'Unhandled' when the function failed. */
  readonly functionError?: 'Unhandled';
  readonly errorType?: string;
  readonly contentType: string;
  readonly payload: Buffer;
  /** This invoke's log (START … REPORT). */
  readonly log: string;
}

/** What a programmatic streaming invoke produced (`invokeStreaming`). */
export interface StreamingInvokeOutput {
  /** 200, or 429 when throttled (then `body` is empty). */
  readonly statusCode: number;
  readonly requestId: string;
  readonly executedVersion: string;
  /** The Content-Type the runtime gave its response. */
  readonly contentType: string;
  /**
   * The response bytes as the runtime writes them. Iteration throws when the invoke fails after the response
   * started (mid-stream error, timeout, crash).
   */
  readonly body: AsyncIterable<Uint8Array>;
  /** 'Unhandled' when the invoke failed before any response started (`errorPayload` is the error JSON). */
  readonly functionError?: 'Unhandled';
  readonly errorType?: string;
  readonly errorPayload?: Buffer;
}

/** The Invoke API 2015-03-31 and InvokeWithResponseStream 2021-11-15 over the instance pool. */
export class InvokeApi {
  readonly #resolver: FunctionResolver;
  readonly #pool: InstancePool;
  readonly #async: AsyncInvoker;

  constructor(resolver: FunctionResolver, pool: InstancePool, asyncInvoker: AsyncInvoker) {
    this.#resolver = resolver;
    this.#pool = pool;
    this.#async = asyncInvoker;
  }

  /** Runs one synchronous invoke to completion (throws AwsServiceError for unknown functions). */
  async invoke(nameOrArn: string, payload: Uint8Array, options: InvokeOptions = {}): Promise<InvokeOutput> {
    const snapshot = this.#resolve(nameOrArn, options.qualifier);
    return this.#runBuffered(snapshot, this.#request(snapshot, payload, options));
  }

  /** One invoke with its response buffered: what `invoke` returns and the HTTP Invoke API sends (429 = throttled). */
  async #runBuffered(snapshot: FunctionSnapshot, request: PoolRequest): Promise<InvokeOutput> {
    const chunks: Buffer[] = [];
    let contentType = 'application/json';
    let outcome: { result: InvokeResult; log: string } | undefined;
    const ran = await this.#pool.run(
      snapshot,
      request,
      {
        start: (ct) => {
          contentType = ct;
        },
        chunk: (c) => chunks.push(c),
        finish: (result, log) => {
          outcome = { result, log };
        },
      },
      false,
    );
    const base = { requestId: request.requestId, executedVersion: snapshot.version };
    if (!ran || outcome === undefined) {
      return { ...base, statusCode: 429, contentType: 'application/json', payload: Buffer.alloc(0), log: '' };
    }
    const { result, log } = outcome;
    if (result.ok) return { ...base, statusCode: 200, contentType, payload: joinChunks(chunks), log };
    return {
      ...base,
      statusCode: 200,
      functionError: 'Unhandled',
      errorType: result.errorType,
      contentType: 'application/json',
      payload: result.body,
      log,
    };
  }

  /**
   * Runs one invoke and resolves as soon as the runtime starts its response, with a body that yields each chunk
   * as it arrives (function URLs in RESPONSE_STREAM mode). A buffered `/response` arrives as one chunk.
   */
  async invokeStreaming(
    nameOrArn: string,
    payload: Uint8Array,
    options: InvokeOptions = {},
  ): Promise<StreamingInvokeOutput> {
    const snapshot = this.#resolve(nameOrArn, options.qualifier);
    const request = this.#request(snapshot, payload, options);
    const base = { requestId: request.requestId, executedVersion: snapshot.version };
    const body = new ChunkQueue();
    return new Promise<StreamingInvokeOutput>((resolve, reject) => {
      let started = false;
      const sink = {
        start: (contentType: string) => {
          started = true;
          resolve({ ...base, statusCode: 200, contentType, body });
        },
        chunk: (c: Buffer) => body.push(c),
        finish: (result: InvokeResult) => {
          if (result.ok) {
            body.end();
            resolve({ ...base, statusCode: 200, contentType: 'application/json', body });
          } else if (started) {
            body.fail(new Error(`The invoke failed mid-stream (${result.errorType})`));
          } else {
            body.end();
            resolve({
              ...base,
              statusCode: 200,
              contentType: 'application/json',
              body,
              functionError: 'Unhandled',
              errorType: result.errorType,
              errorPayload: result.body,
            });
          }
        },
      };
      this.#pool.run(snapshot, request, sink, false).then((ran) => {
        if (ran) return;
        body.end();
        resolve({ ...base, statusCode: 429, contentType: 'application/json', body });
      }, reject);
    });
  }

  /**
   * Queues an Event invoke; resolves with its request ID once the event is kept in the state folder. `hops` > 0
   * marks an invocation record sent on by a Lambda destination (the chain is bounded).
   */
  async invokeAsync(
    nameOrArn: string,
    payload: Uint8Array,
    qualifier?: string,
    hops = 0,
  ): Promise<{ requestId: string }> {
    if (payload.byteLength > MAX_ASYNC_REQUEST_BYTES) {
      throw new AwsServiceError(413, 'RequestTooLargeException', tooLargeMessage(MAX_ASYNC_REQUEST_BYTES));
    }
    const snapshot = this.#resolve(nameOrArn, qualifier);
    const request = this.#request(snapshot, payload, {});
    await this.#enqueue(snapshot, request, hops);
    return { requestId: request.requestId };
  }

  /** Answers POST /2015-03-31/functions/{name}/invocations and the response-streaming variant. */
  async handle(req: IncomingMessage, res: ServerResponse, route: InvokeRoute): Promise<void> {
    try {
      await this.#handle(req, res, route);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof AwsServiceError) sendAwsJsonError(res, err.status, err.type, err.message);
      else sendAwsJsonError(res, 500, 'ServiceException', `Invoke failed: ${String(err)}`);
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse, route: InvokeRoute): Promise<void> {
    const invocationType = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
    const logType = header(req, 'x-amz-log-type') ?? 'None';
    // Enum violations are model validation on AWS's front end: ValidationException in the model's words.
    const allowedTypes = route.streaming
      ? ['RequestResponse', 'DryRun']
      : ['Event', 'RequestResponse', 'DryRun'];
    const violations: string[] = [];
    if (!allowedTypes.includes(invocationType))
      violations.push(enumViolation(invocationType, 'invocationType', allowedTypes));
    if (logType !== 'None' && logType !== 'Tail')
      violations.push(enumViolation(logType, 'logType', ['None', 'Tail']));
    if (violations.length > 0) {
      await drain(req);
      throw new AwsServiceError(
        400,
        'ValidationException',
        `${violations.length} validation error${violations.length === 1 ? '' : 's'} detected: ${violations.join('; ')}`,
      );
    }
    const limit = invocationType === 'Event' ? MAX_ASYNC_REQUEST_BYTES : MAX_SYNC_REQUEST_BYTES;
    const body = await readLimited(req, limit);
    if (body === null) throw new AwsServiceError(413, 'RequestTooLargeException', tooLargeMessage(limit));

    const qualifier =
      route.qualifier ??
      (req.url?.includes('?') ? new URL(req.url, 'http://x').searchParams.get('Qualifier') : null) ??
      undefined;
    const snapshot = this.#resolve(route.functionName, qualifier === '' ? undefined : qualifier);
    const clientContext = decodeClientContext(header(req, 'x-amz-client-context'));
    const payload = normalisePayload(body);

    if (invocationType === 'DryRun') {
      res.writeHead(204, { 'x-amzn-requestid': randomUUID(), 'x-amz-executed-version': snapshot.version });
      res.end();
      return;
    }
    const options: InvokeOptions = {
      ...(clientContext === undefined ? {} : { clientContext }),
      ...optional('traceId', header(req, 'x-amzn-trace-id')),
      ...optional('tenantId', header(req, 'x-amz-tenant-id')),
    };
    const request = this.#request(snapshot, payload, options);
    if (invocationType === 'Event') {
      // 202 only once the event is on disk: an accepted event survives a restart, as on AWS.
      await this.#enqueue(snapshot, request, 0);
      res.writeHead(202, { 'x-amzn-requestid': request.requestId, 'content-length': 0 });
      res.end();
      return;
    }
    if (route.streaming) return this.#stream(res, snapshot, request, logType === 'Tail');

    const output = await this.#runBuffered(snapshot, request);
    if (output.statusCode === 429) return sendThrottled(res, snapshot);
    const headers: Record<string, string | number> = {
      'content-type': output.contentType,
      'content-length': output.payload.length,
      'x-amzn-requestid': request.requestId,
      'x-amz-executed-version': snapshot.version,
    };
    if (output.functionError !== undefined) headers['x-amz-function-error'] = output.functionError;
    if (logType === 'Tail') headers['x-amz-log-result'] = encodeLogTail(output.log);
    res.writeHead(200, headers);
    res.end(output.payload);
  }

  /** InvokeWithResponseStream: PayloadChunk events as the runtime writes, then InvokeComplete. */
  async #stream(
    res: ServerResponse,
    snapshot: FunctionSnapshot,
    request: PoolRequest,
    tail: boolean,
  ): Promise<void> {
    const head = () => {
      if (res.headersSent) return;
      res.writeHead(200, {
        'content-type': 'application/vnd.amazon.eventstream',
        'x-amzn-requestid': request.requestId,
        'x-amz-executed-version': snapshot.version,
      });
      res.flushHeaders();
    };
    const ran = await this.#pool.run(
      snapshot,
      request,
      {
        start: head,
        chunk: (c) => {
          head();
          res.write(encodePayloadChunk(c));
        },
        finish: (result, log) => {
          head();
          const logResult = tail ? { LogResult: encodeLogTail(log) } : {};
          res.end(
            encodeInvokeComplete(
              result.ok
                ? logResult
                : { ErrorCode: result.errorType, ErrorDetails: result.body.toString('utf8'), ...logResult },
            ),
          );
        },
      },
      false,
    );
    if (!ran) sendThrottled(res, snapshot);
  }

  #resolve(nameOrArn: string, qualifier?: string): FunctionSnapshot {
    const snapshot = this.#resolver.resolve(nameOrArn, qualifier);
    if (snapshot.state === 'Pending' || snapshot.state === 'Failed') {
      throw new AwsServiceError(
        409,
        'ResourceConflictException',
        `The operation cannot be performed at this time. The function is currently in the following state: ${snapshot.state}`,
      );
    }
    return snapshot;
  }

  /** Keeps the event (a failed write is a 500: nothing was accepted). */
  async #enqueue(snapshot: FunctionSnapshot, request: PoolRequest, hops: number): Promise<void> {
    try {
      await this.#async.enqueue(snapshot, request, hops);
    } catch (err) {
      throw new AwsServiceError(
        500,
        'ServiceException',
        `The event could not be kept in the emulator's state folder (${err instanceof Error ? err.message : String(err)}); it was not accepted. Check that the state folder exists and is writable, then retry.`,
      );
    }
  }

  #request(snapshot: FunctionSnapshot, payload: Uint8Array, options: InvokeOptions): PoolRequest {
    return {
      requestId: randomUUID(),
      payload,
      invokedFunctionArn: snapshot.invokedFunctionArn,
      traceId: options.traceId ?? newTraceId(),
      ...optional('clientContext', options.clientContext),
      ...optional('cognitoIdentity', options.cognitoIdentity),
      ...optional('tenantId', options.tenantId),
    };
  }
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined || value === '' ? {} : { [key]: value }) as { [P in K]?: string };
}

/** The response bytes; a buffered `/response` arrives as one chunk, handed on without a copy. */
function joinChunks(chunks: Buffer[]): Buffer {
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

function tooLargeMessage(limit: number): string {
  return `Request must be smaller than ${limit} bytes for the InvokeFunction operation`;
}

function sendThrottled(res: ServerResponse, snapshot: FunctionSnapshot): void {
  const body = JSON.stringify({
    Reason:
      snapshot.reservedConcurrency === undefined
        ? 'ConcurrentInvocationLimitExceeded'
        : 'ReservedFunctionConcurrentInvocationLimitExceeded',
    Type: 'User',
    message: 'Rate Exceeded.',
  });
  res.writeHead(429, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': 'TooManyRequestsException',
    'x-amzn-requestid': randomUUID(),
  });
  res.end(body);
}

/**
 * Validates `X-Amz-Client-Context` (base64 of a JSON object, ≤ 3583 bytes) and returns the decoded JSON; an
 * invalid one is rejected and never forwarded.
 */
export function decodeClientContext(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const invalid = () =>
    new AwsServiceError(
      400,
      'InvalidRequestContentException',
      'Client context must be a valid Base64-encoded JSON object.',
    );
  if (Buffer.byteLength(value) > MAX_CLIENT_CONTEXT_BYTES) {
    throw new AwsServiceError(
      400,
      'InvalidRequestContentException',
      `Client context must be at most ${MAX_CLIENT_CONTEXT_BYTES} bytes of Base64.`,
    );
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) throw invalid();
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  try {
    const parsed: unknown = JSON.parse(decoded);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid();
  } catch {
    throw invalid();
  }
  return decoded;
}

/** The event must be JSON (Lambda rejects anything else); an empty payload is delivered as `{}`. */
function normalisePayload(body: Buffer): Buffer {
  if (body.length === 0) return Buffer.from('{}');
  try {
    JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new AwsServiceError(
      400,
      'InvalidRequestContentException',
      `Could not parse request body into json: ${(err as Error).message}`,
    );
  }
  return body;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // discard
  }
}

/**
 * Reads the body; null when it exceeds `limit` (the rest is read and discarded so the answer gets through). Plain
 * stream events, no async iterator (this is on every invoke over HTTP); a single chunk is not copied.
 */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.once('end', () => {
      ended = true;
      if (size > limit) resolve(null);
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    req.once('error', reject);
    req.once('close', () => {
      if (!ended) reject(new Error('The request was aborted before its body ended'));
    });
  });
}

/** An async-iterable queue of chunks: pushed as the runtime writes them, read by one consumer. */
class ChunkQueue implements AsyncIterable<Uint8Array> {
  readonly #chunks: Buffer[] = [];
  #done = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#notify();
  }

  end(): void {
    this.#done = true;
    this.#notify();
  }

  fail(error: Error): void {
    this.#error = error;
    this.#done = true;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk !== undefined) {
        yield chunk;
        continue;
      }
      if (this.#error) throw this.#error;
      if (this.#done) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }
}

/** One model constraint violation, worded like AWS's API front end. */
function enumViolation(value: string, field: string, allowed: readonly string[]): string {
  return `Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`;
}
