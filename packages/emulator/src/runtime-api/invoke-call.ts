/** How an invoke ended, as the invoker should see it. */
export type InvokeResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** e.g. `Sandbox.Timedout`, or the runtime's `Lambda-Runtime-Function-Error-Type`. */
      readonly errorType: string;
      /** The error JSON the invoker receives as the body. */
      readonly body: Buffer;
    };

/** Receives a function's response as it arrives. */
export interface InvokeSink {
  /** The runtime started a response (once at most, before any chunk). */
  start(contentType: string, streaming: boolean): void;
  chunk(data: Buffer): void;
  /**
   * Called exactly once: the response completed, or the invoke failed. `log` is this invoke's log text
   * (START … REPORT), for `X-Amz-Log-Type: Tail`.
   */
  finish(result: InvokeResult, log: string): void;
}

/** What the Runtime API hands to the runtime on `/next`. */
export interface InvokeRequest {
  readonly requestId: string;
  readonly payload: Uint8Array;
  /** Epoch milliseconds. */
  readonly deadlineMs: number;
  readonly invokedFunctionArn: string;
  readonly traceId?: string;
  /** Decoded client context JSON. */
  readonly clientContext?: string;
  /** JSON `{"cognitoIdentityId":…,"cognitoIdentityPoolId":…}`. */
  readonly cognitoIdentity?: string;
  readonly tenantId?: string;
}

/**
 * One in-flight invoke. Several parties can end it (the runtime's /response or /error, the timeout, the
 * process exiting, the memory watchdog); the first one wins and later ones are ignored.
 */
export class InvokeCall {
  #settled = false;
  #started = false;
  #finisher: (result: InvokeResult) => void;
  /** Set as soon as the runtime begins /response or /error, so a second one is an illegal transition. */
  responded = false;

  constructor(
    readonly request: InvokeRequest,
    readonly sink: InvokeSink,
  ) {
    this.#finisher = (result) => sink.finish(result, '');
  }

  /** Lets the owner run (log END/REPORT) between the end of the invoke and the sink hearing of it. */
  onFinish(finisher: (result: InvokeResult) => void): void {
    this.#finisher = finisher;
  }

  get settled(): boolean {
    return this.#settled;
  }

  get started(): boolean {
    return this.#started;
  }

  start(contentType: string, streaming: boolean): void {
    if (this.#settled || this.#started) return;
    this.#started = true;
    this.sink.start(contentType, streaming);
  }

  chunk(data: Buffer): void {
    if (this.#settled || data.length === 0) return;
    if (!this.#started) this.start('application/json', false);
    this.sink.chunk(data);
  }

  finish(result: InvokeResult): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#finisher(result);
    return true;
  }
}

/** The error body Lambda builds itself: `{"errorType":…,"errorMessage":"RequestId: <id> Error: <msg>"}`. */
export function platformError(requestId: string, errorType: string, message: string): InvokeResult {
  return {
    ok: false,
    errorType,
    body: Buffer.from(
      JSON.stringify({ errorType, errorMessage: `RequestId: ${requestId} Error: ${message}` }),
    ),
  };
}
