/** A front door's `invoke` that goes through a Lambda Invoke API endpoint (a running emulator) over HTTP. */
import type { HttpApiFrontDoorOptions } from '@caprice/emulator';

type InvokeFunction = HttpApiFrontDoorOptions['invoke'];

/** Thrown when the Invoke API itself refuses the call (not a function error, which is a normal result). */
export class InvokeThroughError extends Error {
  readonly code = 'INVOKE_REFUSED';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvokeThroughError';
  }
}

/**
 * `POST <endpoint>/2015-03-31/functions/<name>/invocations` with the event, as `aws lambda invoke` does. A
 * function error (`X-Amz-Function-Error`) is passed on for the front door to answer (502/500); any other status
 * rejects, which the front door answers as an invoke the data plane refused.
 * @example
 * createRestApiFrontDoor({ functionName: 'caprice-http-api', invoke: invokeThrough('http://127.0.0.1:9000') });
 */
export function invokeThrough(endpoint: string): InvokeFunction {
  const base = endpoint.replace(/\/+$/, '');
  return async (functionName, payload) => {
    const url = `${base}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Uint8Array(payload),
      });
    } catch (cause) {
      throw new InvokeThroughError(
        `Could not reach the Invoke API at ${base} (${(cause as Error).message}); is \`caprice dev\` running?`,
        { cause },
      );
    }
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) {
      throw new InvokeThroughError(
        `Invoke of ${functionName} at ${base} returned ${res.status}: ${body.toString('utf8').slice(0, 300)}`,
      );
    }
    const functionError = res.headers.get('x-amz-function-error');
    return { payload: body, ...(functionError ? { functionError } : {}) };
  };
}
