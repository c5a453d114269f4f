import { randomBytes } from 'node:crypto';

/** The per-request values an event builder needs besides the request itself. */
export interface EventContext {
  readonly accountId: string;
  readonly apiId: string;
  readonly domainName: string;
  readonly stage: string;
  readonly requestId: string;
  readonly routeKey: string;
  /** The route's resource path (`/items/{id}`), `$default`, or the path itself when there is no route table. */
  readonly resource: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly stageVariables: Readonly<Record<string, string>>;
  /** The path the function sees (without a REST stage prefix). */
  readonly path: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's CLF time: `10/Mar/2020:05:16:23 +0000`. */
export function formatRequestTime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${p(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`
  );
}

/** An HTTP API style request id (`JKJaXmPLvHcESHA=`): 16 base64 characters. */
export function newHttpApiRequestId(): string {
  return randomBytes(11).toString('base64').slice(0, 15).replace(/[+/]/g, 'x').concat('=');
}

/** An X-Ray trace header value: `Root=1-<8 hex epoch seconds>-<24 hex>`. */
export function newTraceId(date: Date): string {
  return `Root=1-${Math.floor(date.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/** A map keyed by client input: no prototype, so "__proto__" or "constructor" are ordinary keys. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
