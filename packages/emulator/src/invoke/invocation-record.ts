import { randomUUID } from 'node:crypto';

/** Why a record was sent: the event succeeded, used up its retries, or grew older than its maximum age. */
export type InvocationCondition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

/**
 * The JSON document Lambda sends to an asynchronous invocation's destination (invocation-async-retain-records:
 * "Example invocation record"): the event, the last response and why it was sent.
 */
export interface InvocationRecord {
  readonly version: '1.0';
  /** ISO-8601 with milliseconds, UTC. */
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    /** The invoked ARN, always qualified (`…:function:name:$LATEST` for an unqualified invoke). */
    readonly functionArn: string;
    readonly condition: InvocationCondition;
    /** How many times the function ran for this event (0 when it never could). */
    readonly approximateInvokeCount: number;
  };
  /** The event as JSON (its text when it is not JSON). */
  readonly requestPayload: unknown;
  /** Absent when the function never ran (event too old before the first attempt, reserved concurrency 0). */
  readonly responseContext?: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError?: 'Unhandled';
  };
  /** The function's response or error document, as JSON when it parses (its text otherwise). */
  readonly responsePayload?: unknown;
}

/** What one invocation record is built from. */
export interface RecordInput {
  readonly requestId: string;
  readonly functionArn: string;
  readonly condition: InvocationCondition;
  readonly invokeCount: number;
  readonly event: Uint8Array;
  readonly executedVersion: string;
  /** The last attempt's outcome, when there was one. */
  readonly response?: { readonly ok: boolean; readonly body: Buffer };
  readonly now: Date;
}

/** Builds the record Lambda would send. */
export function invocationRecord(input: RecordInput): InvocationRecord {
  const base = {
    version: '1.0' as const,
    timestamp: input.now.toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.invokeCount,
    },
    requestPayload: parseOrText(Buffer.from(input.event)),
  };
  if (input.response === undefined) return base;
  return {
    ...base,
    responseContext: {
      statusCode: 200,
      executedVersion: input.executedVersion,
      ...(input.response.ok ? {} : { functionError: 'Unhandled' as const }),
    },
    responsePayload: input.response.body.length === 0 ? null : parseOrText(input.response.body),
  };
}

/**
 * The key Lambda gives a record in an S3 destination (invocation-async-retain-records):
 * `aws/lambda/async/<function-name>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>`, in UTC.
 */
export function s3RecordKey(functionName: string, at: Date, uuid: string = randomUUID()): string {
  const iso = at.toISOString(); // 2026-11-25T13:45:07.123Z
  const [y, m, d] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const time = iso.slice(11, 19).replaceAll(':', '.');
  return `aws/lambda/async/${functionName}/${y}/${m}/${d}/${y}-${m}-${d}T${time}-${uuid}`;
}

function parseOrText(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
