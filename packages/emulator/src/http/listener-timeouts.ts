import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http';

/**
 * How long a client may take to send a request to one of the emulator's listeners (slow-loris bounds). None of
 * these covers the time the emulator takes to answer: Node's `requestTimeout` ends when the request has been
 * received, so a long synchronous invoke (up to the function's 900 s) or the Runtime API's long-poll `/next` is
 * never cut by them.
 */
export interface ListenerTimeouts {
  /** The request line and headers must arrive within this, ms (Node's `headersTimeout`; 0 = no limit). */
  readonly headersTimeoutMs: number;
  /** Headers and body must arrive within this, ms (Node's `requestTimeout`; 0 = no limit). */
  readonly requestTimeoutMs: number;
  /**
   * A request body that stops arriving (no byte) for this long is cut, ms (0 = off). A slow upload that keeps
   * moving is never cut; a stalled one is.
   */
  readonly bodyIdleTimeoutMs: number;
  /** An idle kept-alive connection is closed after this, ms (Node's `keepAliveTimeout`; 0 = never). */
  readonly keepAliveTimeoutMs: number;
  /**
   * How often Node checks `headersTimeout`/`requestTimeout`, ms. Node's default (30 s) would add up to 30 s to
   * both bounds.
   */
  readonly checkIntervalMs: number;
}

/**
 * The main port (Lambda, S3, SES APIs), function URLs and API Gateway front doors. No overall request limit:
 * S3 objects can be gigabytes and a slow upload must complete; a stalled body is cut by the idle bound instead.
 */
export const DEFAULT_LISTENER_TIMEOUTS: ListenerTimeouts = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 0,
  bodyIdleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
};

/**
 * Each instance's Runtime API. `/next` waits indefinitely for work, and a streamed `/response` is a request body
 * that may pause between chunks for as long as the function runs: only the headers are bounded. The runtime's
 * kept-alive connection is never closed for idleness (it may sit between `/response` and `/next`).
 */
export const RUNTIME_API_TIMEOUTS: ListenerTimeouts = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 0,
  bodyIdleTimeoutMs: 0,
  keepAliveTimeoutMs: 0,
  checkIntervalMs: 1_000,
};

/** `createServer` options carrying the bounds (the check interval can only be set at construction). */
export function serverOptions(t: ListenerTimeouts): ServerOptions {
  // Node refuses a headers bound above a non-zero request bound.
  const headersTimeout =
    t.requestTimeoutMs > 0 && (t.headersTimeoutMs === 0 || t.headersTimeoutMs > t.requestTimeoutMs)
      ? t.requestTimeoutMs
      : t.headersTimeoutMs;
  return {
    headersTimeout,
    requestTimeout: t.requestTimeoutMs,
    keepAliveTimeout: t.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(10, t.checkIntervalMs),
  };
}

/**
 * Cuts the connection when the request's body stops arriving for `ms` (call first thing in the request
 * handler). Once the body is complete the bound no longer applies, however long the answer takes. Uses the
 * socket's own inactivity timer, refreshed by Node on every read and write (no timer per request).
 */
export function guardBodyIdle(req: IncomingMessage, res: ServerResponse, ms: number): void {
  if (ms <= 0 || req.complete) return;
  const socket = req.socket;
  socket.setTimeout(ms);
  // Node emits 'timeout' on the request only while it is incomplete: the body stalled.
  req.once('timeout', () => socket.destroy());
  // Otherwise the request is complete and the emulator is working on the answer: no inactivity bound then.
  // (Listening here also stops Node destroying the socket by default.)
  res.once('timeout', () => {
    if (req.complete) socket.setTimeout(0);
    else socket.destroy();
  });
}

/** Fills in the defaults of a partial set of bounds. */
export function listenerTimeouts(
  overrides: Partial<ListenerTimeouts> | undefined,
  defaults: ListenerTimeouts = DEFAULT_LISTENER_TIMEOUTS,
): ListenerTimeouts {
  return { ...defaults, ...overrides };
}
