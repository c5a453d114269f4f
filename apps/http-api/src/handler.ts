/**
 * The Lambda handler, built from injected parts so it runs the same in unit tests, in the emulator and on AWS.
 * @module
 */
import { ErrorCode, HttpError, INTERNAL_ERROR_MESSAGE } from './errors.js';
import { type HttpResult, headerOf, toRequest, toResult } from './http/event.js';
import { type Capitalize, createRoutes } from './routes.js';

/** A structured log line; the default writes JSON to stderr (CloudWatch in Lambda). */
export type Log = (entry: Record<string, unknown>) => void;

export interface HandlerOptions {
  capitalize: Capitalize;
  /** Origins allowed cross-origin; default none. */
  corsOrigins?: readonly string[];
  log?: Log;
}

/** The part of the Lambda context the handler reads. */
export interface HandlerContext {
  awsRequestId?: string;
}

const defaultLog: Log = (entry) => console.error(JSON.stringify(entry));

/** The body of last resort when even shaping the error failed: valid for every source. */
const LAST_RESORT: HttpResult = {
  statusCode: 500,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify({ error: { code: ErrorCode.INTERNAL, message: INTERNAL_ERROR_MESSAGE } }),
  isBase64Encoded: false,
};

/**
 * Builds the handler: event → `Request` → routes → `Response` → result for the event's source.
 * Client errors become 4xx JSON; anything unexpected is logged with the request id and answered with a generic 500.
 * @example
 * export const handler = createHandler({ capitalize: randomCapitalize, corsOrigins: ['https://example.com'] });
 */
export function createHandler(
  options: HandlerOptions,
): (event: unknown, context?: HandlerContext) => Promise<HttpResult> {
  const routes = createRoutes(options);
  const log = options.log ?? defaultLog;
  return async (event, context) => {
    let response: Response;
    try {
      response = await routes(toRequest(event));
    } catch (err) {
      if (err instanceof HttpError && err.expose) {
        // Only a malformed event gets here (routes answer their own client errors): CORS from the raw headers.
        response = routes.clientError(headerOf(event, 'origin'), err);
      } else {
        log({
          level: 'error',
          message: 'Unhandled error while answering a request',
          requestId: context?.awsRequestId,
          error: describeError(err),
        });
        response = new HttpError(500, ErrorCode.INTERNAL, INTERNAL_ERROR_MESSAGE).toResponse();
      }
    }
    try {
      return await toResult(response, event);
    } catch (err) {
      log({
        level: 'error',
        message: 'Could not shape the result',
        requestId: context?.awsRequestId,
        error: describeError(err),
      });
      return LAST_RESORT;
    }
  };
}

function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { value: String(err) };
}
