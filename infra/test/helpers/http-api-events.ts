/**
 * The http-api app's sample events (apps/http-api/test/fixtures/<source>/*.json, written from AWS's documentation)
 * and variants of them with another method, path, query or body, each changed the way that source carries it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './dev-process.js';

export const FIXTURES_DIR = path.join(ROOT, 'apps', 'http-api', 'test', 'fixtures');

/** The fixture folders: one per event source. */
export type FixtureSource = 'apigw-v1' | 'apigw-v2' | 'function-url' | 'alb';
export const FIXTURE_SOURCES: readonly FixtureSource[] = ['apigw-v1', 'apigw-v2', 'function-url', 'alb'];

export interface Fixture {
  readonly source: FixtureSource;
  /** File name without `.json`. */
  readonly name: string;
  /** A fresh copy of the event each call, so tests never share or change the file's object. */
  event(): Record<string, unknown>;
}

/** Every fixture file of every source, in a stable order. Unknown folders fail loudly (a new source needs checks). */
export function listFixtures(): Fixture[] {
  const fixtures: Fixture[] = [];
  for (const dir of readdirSync(FIXTURES_DIR).sort()) {
    if (!(FIXTURE_SOURCES as readonly string[]).includes(dir)) {
      throw new Error(
        `Unknown fixture source folder ${dir} in ${FIXTURES_DIR}; teach http-api-events.ts about it`,
      );
    }
    for (const file of readdirSync(path.join(FIXTURES_DIR, dir)).sort()) {
      if (!file.endsWith('.json')) continue;
      const text = readFileSync(path.join(FIXTURES_DIR, dir, file), 'utf8');
      fixtures.push({
        source: dir as FixtureSource,
        name: file.slice(0, -'.json'.length),
        event: () => JSON.parse(text) as Record<string, unknown>,
      });
    }
  }
  return fixtures;
}

/** Loads one fixture's event. */
export function loadEvent(source: FixtureSource, name: string): Record<string, unknown> {
  const fixture = listFixtures().find((f) => f.source === source && f.name === name);
  if (!fixture) throw new Error(`No fixture ${source}/${name}.json in ${FIXTURES_DIR}`);
  return fixture.event();
}

export interface RequestChange {
  readonly method?: string;
  readonly path?: string;
  /** Query parameters, already decoded (encoded here as each source carries them). */
  readonly query?: Readonly<Record<string, string>>;
  /** A plain (not base64) body, with `content-type: application/json`. */
  readonly jsonBody?: string;
}

const record = (value: unknown): Record<string, unknown> => value as Record<string, unknown>;

/** A copy of a header map with `name` set, replacing it in any letter case. */
function withHeader<T>(headers: unknown, name: string, value: T): Record<string, unknown> {
  const kept = Object.entries(record(headers ?? {})).filter(([k]) => k.toLowerCase() !== name);
  return { ...Object.fromEntries(kept), [name]: value };
}

/**
 * A copy of `event` (of `source`) with another method, path, query or body, set in every field AWS fills for that
 * source (v1: `httpMethod`, `path`, both query maps; v2: `requestContext.http`, `rawPath`, `rawQueryString`;
 * ALB: like v1 but the query still percent-encoded, since ALB does not decode it).
 */
export function changeRequest(
  source: FixtureSource,
  event: Record<string, unknown>,
  change: RequestChange,
): Record<string, unknown> {
  const copy = structuredClone(event);
  const ctx = record(copy.requestContext);
  if (source === 'apigw-v2' || source === 'function-url') {
    const http = record(ctx.http);
    if (change.method !== undefined) http.method = change.method;
    if (change.path !== undefined) {
      const stage = typeof ctx.stage === 'string' && ctx.stage !== '$default' ? `/${ctx.stage}` : '';
      copy.rawPath = `${stage}${change.path}`;
      http.path = copy.rawPath;
    }
    if (change.query !== undefined) {
      copy.rawQueryString = new URLSearchParams(change.query).toString();
      copy.queryStringParameters = { ...change.query };
    }
    if (change.jsonBody !== undefined) {
      copy.body = change.jsonBody;
      copy.isBase64Encoded = false;
      copy.headers = withHeader(copy.headers, 'content-type', 'application/json');
    }
    return copy;
  }
  if (change.method !== undefined) {
    copy.httpMethod = change.method;
    if (source === 'apigw-v1') ctx.httpMethod = change.method;
  }
  if (change.path !== undefined) copy.path = change.path;
  if (change.query !== undefined) {
    const encode = (s: string) => (source === 'alb' ? encodeURIComponent(s) : s);
    const single = Object.fromEntries(Object.entries(change.query).map(([k, v]) => [encode(k), encode(v)]));
    const multi = Object.fromEntries(Object.entries(single).map(([k, v]) => [k, [v]]));
    // ALB sends one of the two maps (multi-value target groups the multi one); API Gateway v1 sends both.
    if (source === 'apigw-v1' || copy.multiValueQueryStringParameters === undefined) {
      copy.queryStringParameters = single;
    }
    if (source === 'apigw-v1' || copy.multiValueQueryStringParameters !== undefined) {
      copy.multiValueQueryStringParameters = multi;
    }
  }
  if (change.jsonBody !== undefined) {
    copy.body = change.jsonBody;
    copy.isBase64Encoded = false;
    if (copy.multiValueHeaders) {
      copy.multiValueHeaders = withHeader(copy.multiValueHeaders, 'content-type', ['application/json']);
    }
    if (copy.headers) copy.headers = withHeader(copy.headers, 'content-type', 'application/json');
  }
  return copy;
}
