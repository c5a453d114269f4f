/**
 * The http-api app through the REAL runtime in the emulator: the built layer (packages/runtime/dist/layer-x64.zip)
 * and function zip (apps/http-api/dist/http-api.zip) deployed with `deployStack`, then
 * 1. every sample event in apps/http-api/test/fixtures/** (and bad-input variants of them) sent with the data
 *    plane's Invoke, checking the result is shaped for its source, with the right status and JSON body;
 * 2. real HTTP with `fetch` through the emulator's HTTP API (payload 2.0 and 1.0), REST API and function URL front
 *    doors, wired to the data plane as `caprice dev` wires them, plus a short fast-check property.
 * Needs the built zips (turbo runs `^zip` before this package's tests).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  createFunctionUrlFrontDoor,
  createHttpApiFrontDoor,
  createRestApiFrontDoor,
  type Emulator,
  type HttpApiFrontDoorOptions,
  type ListeningFrontDoor,
  startEmulator,
} from '@caprice/emulator';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifacts } from '../src/deploy/artifacts.js';
import { deployStack } from '../src/deploy/deploy.js';
import type { Stack } from '../src/stack.js';
import { defineStack } from '../stack.js';
import { ROOT } from './helpers/dev-process.js';
import {
  changeRequest,
  type FixtureSource,
  listFixtures,
  loadEvent,
  type RequestChange,
} from './helpers/http-api-events.js';

const FUNCTION = 'caprice-http-api';
/** The origin the deployed function allows cross-origin (its CORS_ALLOWED_ORIGINS). */
const ORIGIN = 'https://app.example.com';
const JSON_TYPE = 'application/json; charset=utf-8';
const ALLOW = 'GET, POST, OPTIONS';
/** apps/http-api's documented default text (DEFAULT_TEXT in src/routes.ts) and text limit (MAX_TEXT_LENGTH). */
const DEFAULT_TEXT = 'Hello from Caprice, the randomly capitalizing Lambda!';
const MAX_TEXT_LENGTH = 10_000;
/** Over the app's 64 KiB body limit, far under Lambda's 6 MB payload limit. */
const OVERSIZED_BODY = JSON.stringify({ text: 'x'.repeat(70 * 1024) });

/** A Lambda result of any of the four sources, as the function returned it. */
interface ShapedResult {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, unknown>;
  multiValueHeaders?: Record<string, unknown>;
  cookies?: unknown;
  body: string;
  isBase64Encoded: boolean;
}

interface ErrorBody {
  error: { code: string; message: string };
}

let stateDir: string;
let emulator: Emulator;
let lambda: LambdaClient;
const doors: Record<'httpV2' | 'httpV1' | 'rest' | 'url', ListeningFrontDoor | undefined> = {
  httpV2: undefined,
  httpV1: undefined,
  rest: undefined,
  url: undefined,
};

/** The default stack cut down to the http-api function, allowing {@link ORIGIN} cross-origin. */
function httpApiStack(): Stack {
  const base = defineStack({});
  const fn = base.functions.find((f) => f.name === FUNCTION);
  if (!fn) throw new Error(`The default stack has no ${FUNCTION}`);
  return {
    ...base,
    functions: [{ ...fn, environment: { ...fn.environment, CORS_ALLOWED_ORIGINS: ORIGIN } }],
    triggers: { ...(base.triggers.http ? { http: base.triggers.http } : {}) },
  };
}

/** Invokes the deployed function through the data plane; the invoke itself must succeed. */
async function invokeEvent(event: unknown): Promise<ShapedResult> {
  const out = await emulator.dataPlane.invoke(FUNCTION, Buffer.from(JSON.stringify(event)));
  const text = out.payload.toString('utf8');
  expect(out.statusCode, text).toBe(200);
  expect(out.functionError, text).toBeUndefined();
  return JSON.parse(text) as ShapedResult;
}

/** The front doors' invoke, as `caprice dev` wires it (infra/src/commands/dev.ts). */
const invoke: HttpApiFrontDoorOptions['invoke'] = async (name, payload) => {
  const out = await emulator.dataPlane.invoke(name, payload);
  if (out.statusCode !== 200) throw new Error(`Invoke of ${name} returned ${out.statusCode}`);
  return { payload: out.payload, ...(out.functionError ? { functionError: out.functionError } : {}) };
};

const isStringRecord = (v: unknown) =>
  typeof v === 'object' && v !== null && Object.values(v).every((x) => typeof x === 'string');
const isStringListRecord = (v: unknown) =>
  typeof v === 'object' &&
  v !== null &&
  Object.values(v).every((x) => Array.isArray(x) && x.every((y) => typeof y === 'string'));

/**
 * Checks the result has exactly the fields its source accepts and returns its headers (lower-case names, multi
 * values joined). The app sets no cookies, so v1 results carry `headers` only (`multiValueHeaders` is for repeated
 * `set-cookie`) and v2 / function URL results no `cookies`; an ALB target group with multi-value headers on must get
 * `multiValueHeaders` (ALB ignores `headers` then), and every ALB result needs `statusDescription`.
 */
function expectShape(source: FixtureSource, event: Record<string, unknown>, result: ShapedResult) {
  const albMulti = source === 'alb' && event.multiValueHeaders !== undefined;
  const expectedKeys = ['body', 'isBase64Encoded', 'statusCode', albMulti ? 'multiValueHeaders' : 'headers'];
  if (source === 'alb') expectedKeys.push('statusDescription');
  expect(Object.keys(result).sort()).toEqual(expectedKeys.sort());
  expect(Number.isInteger(result.statusCode)).toBe(true);
  expect(typeof result.body).toBe('string');
  expect(result.isBase64Encoded).toBe(false);
  if (source === 'alb') {
    expect(result.statusDescription).toBe(`${result.statusCode} ${STATUS_CODES[result.statusCode]}`);
  }
  const headers: Record<string, string> = {};
  if (albMulti) {
    expect(isStringListRecord(result.multiValueHeaders), JSON.stringify(result.multiValueHeaders)).toBe(true);
    for (const [k, v] of Object.entries(result.multiValueHeaders as Record<string, string[]>)) {
      headers[k.toLowerCase()] = v.join(', ');
    }
  } else {
    expect(isStringRecord(result.headers), JSON.stringify(result.headers)).toBe(true);
    for (const [k, v] of Object.entries(result.headers as Record<string, string>))
      headers[k.toLowerCase()] = v;
  }
  return headers;
}

/** A JSON answer: the content type, and the parsed body. */
function expectJson<T>(result: ShapedResult, headers: Record<string, string>): T {
  expect(headers['content-type']).toBe(JSON_TYPE);
  return JSON.parse(result.body) as T;
}

interface FixtureExpectation {
  status: number;
  /** The answer's text, ignoring case. */
  text?: string;
  /** The answer's exact text (probability 1 or 0). */
  exactText?: string;
  /** The error code of a 4xx. */
  error?: string;
  /** A seed is given: the same event gives the same answer. */
  seeded?: boolean;
  preflight?: boolean;
}

/** What each sample event must get. A new fixture fails the suite until it is listed here. */
const FIXTURES: Record<string, FixtureExpectation> = {
  'alb/get-bad-encoding': { status: 400, error: 'INVALID_ENCODING' },
  'alb/get-text': { status: 200, text: 'café au lait', seeded: true },
  'alb/get-text-multi-value': { status: 200, text: 'café au lait', seeded: true },
  'apigw-v1/get-text': { status: 200, text: 'hello world', seeded: true },
  'apigw-v1/post-base64': { status: 200, text: 'base64 body', seeded: true },
  'apigw-v1/post-json': { status: 200, text: 'post me', seeded: true },
  'apigw-v2/get-named-stage': { status: 200, text: 'staged' },
  'apigw-v2/get-text': { status: 200, text: 'hello world', seeded: true },
  'apigw-v2/options-preflight': { status: 204, preflight: true },
  'apigw-v2/post-base64': { status: 200, text: 'base64 body', seeded: true },
  'function-url/get-bad-encoding': { status: 400, error: 'INVALID_ENCODING' },
  'function-url/get-text': { status: 200, text: 'café au lait', seeded: true },
  'function-url/post-json': { status: 200, exactText: 'PLAIN JSON BODY' },
};

/** Bad input, derived from a GET sample event of each source: never a 5xx. */
const BAD_INPUT: Array<{ name: string; change: RequestChange; status: number; error: string }> = [
  { name: 'DELETE', change: { method: 'DELETE' }, status: 405, error: 'METHOD_NOT_ALLOWED' },
  { name: 'an unknown path', change: { path: '/nope' }, status: 404, error: 'NOT_FOUND' },
  {
    name: 'a text over the limit',
    change: { query: { text: 'a'.repeat(MAX_TEXT_LENGTH + 1) } },
    status: 413,
    error: 'TEXT_TOO_LONG',
  },
  { name: 'a bad seed', change: { query: { text: 'x', seed: 'nope' } }, status: 400, error: 'INVALID_SEED' },
  {
    name: 'a probability over 1',
    change: { query: { probability: '1.5' } },
    status: 400,
    error: 'INVALID_PROBABILITY',
  },
  {
    name: 'invalid JSON',
    change: { method: 'POST', jsonBody: '{"text":' },
    status: 400,
    error: 'INVALID_JSON',
  },
  {
    name: 'a number as text',
    change: { method: 'POST', jsonBody: '{"text": 5}' },
    status: 400,
    error: 'INVALID_TEXT',
  },
  {
    name: 'a body over 64 KiB',
    change: { method: 'POST', jsonBody: OVERSIZED_BODY },
    status: 413,
    error: 'BODY_TOO_LARGE',
  },
];
const BAD_INPUT_BASES: Array<[FixtureSource, string]> = [
  ['apigw-v1', 'get-text'],
  ['apigw-v2', 'get-text'],
  ['apigw-v2', 'get-named-stage'],
  ['function-url', 'get-text'],
  ['alb', 'get-text'],
  ['alb', 'get-text-multi-value'],
];

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-http-api-e2e-'));
  emulator = await startEmulator({ port: 0, stateDir, createDelayMs: 0, updateDelayMs: 0 });
  lambda = new LambdaClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const stack = httpApiStack();
  const deployed = await deployStack({
    stack,
    lambda,
    artifacts: await loadArtifacts(ROOT, stack),
    maxWaitSeconds: 30,
  });
  expect(deployed.functions.map((f) => f.name)).toEqual([FUNCTION]);

  doors.httpV2 = await createHttpApiFrontDoor({ functionName: FUNCTION, invoke }).listen({ port: 0 });
  doors.httpV1 = await createHttpApiFrontDoor({
    functionName: FUNCTION,
    invoke,
    payloadFormatVersion: '1.0',
  }).listen({ port: 0 });
  doors.rest = await createRestApiFrontDoor({ functionName: FUNCTION, stage: 'prod', invoke }).listen({
    port: 0,
  });
  doors.url = await createFunctionUrlFrontDoor({ functionName: FUNCTION, invoke }).listen({ port: 0 });
}, 120_000);

afterAll(async () => {
  await Promise.all(Object.values(doors).map((d) => d?.close()));
  lambda?.destroy();
  await emulator?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
}, 60_000);

describe('http-api sample events through the real runtime (data plane Invoke)', () => {
  const fixtures = listFixtures();

  it('has an expectation for every fixture, and every expectation has its fixture', () => {
    expect(fixtures.map((f) => `${f.source}/${f.name}`).sort()).toEqual(Object.keys(FIXTURES).sort());
  });

  it.each(fixtures.map((f) => [`${f.source}/${f.name}`, f] as const))('%s', async (key, fixture) => {
    const expected = FIXTURES[key];
    if (!expected) throw new Error(`No expectation for fixture ${key}: add one to FIXTURES`);
    const event = fixture.event();
    const result = await invokeEvent(event);
    const headers = expectShape(fixture.source, event, result);
    expect(result.statusCode, result.body).toBe(expected.status);

    if (expected.preflight) {
      expect(headers.vary).toMatch(/\bOrigin\b/);
      expect(result.body).toBe('');
      expect(headers.allow).toBe(ALLOW);
      expect(headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(headers['access-control-allow-methods']).toBe(ALLOW);
      return;
    }
    if (expected.error) {
      const body = expectJson<ErrorBody>(result, headers);
      expect(body.error.code).toBe(expected.error);
      expect(body.error.message).toEqual(expect.any(String));
      return;
    }
    const body = expectJson<{ text: string }>(result, headers);
    expect(Object.keys(body)).toEqual(['text']);
    if (expected.exactText !== undefined) expect(body.text).toBe(expected.exactText);
    if (expected.text !== undefined) expect(body.text.toLowerCase()).toBe(expected.text);
    expect(headers['cache-control']).toBe('no-store');
    expect(headers.vary).toMatch(/\bOrigin\b/);
    if (expected.seeded) {
      const again = await invokeEvent(fixture.event());
      expect(JSON.parse(again.body)).toEqual(body);
    }
  });

  describe.each(BAD_INPUT_BASES)('bad input as %s/%s', (source, name) => {
    it.each(BAD_INPUT)('$name → $status $error', async ({ change, status, error }) => {
      const event = changeRequest(source, loadEvent(source, name), change);
      const result = await invokeEvent(event);
      const headers = expectShape(source, event, result);
      expect(result.statusCode, result.body).toBe(status);
      expect(expectJson<ErrorBody>(result, headers).error.code).toBe(error);
      if (status === 405) expect(headers.allow).toBe(ALLOW);
    });
  });

  it('answers events that are not HTTP events, or lack fields, with 400 INVALID_REQUEST', async () => {
    const v2 = loadEvent('apigw-v2', 'get-text');
    const malformed: unknown[] = [
      {},
      { requestContext: {} },
      { ...v2, requestContext: { ...(v2.requestContext as object), http: {} } },
      { ...v2, headers: { accept: 5 } },
      {
        ...v2,
        requestContext: { ...(v2.requestContext as object), http: { method: 'POST', path: '/' } },
        body: 7,
      },
    ];
    for (const event of malformed) {
      const result = await invokeEvent(event);
      expect(result.statusCode, JSON.stringify(event).slice(0, 200)).toBe(400);
      expect((JSON.parse(result.body) as ErrorBody).error.code).toBe('INVALID_REQUEST');
    }
  });
});

/**
 * Each front door's base URL (the REST API's carries its stage), and whether its event carries the raw query string
 * (payload 2.0: `rawQueryString`), which is what lets the function see invalid percent-encoding at all.
 */
const FRONT_DOORS: Array<[string, () => string, { rawQuery: boolean }]> = [
  ['HTTP API (payload 2.0)', () => doors.httpV2?.url ?? '', { rawQuery: true }],
  ['HTTP API (payload 1.0)', () => doors.httpV1?.url ?? '', { rawQuery: false }],
  ['REST API', () => `${doors.rest?.url ?? ''}/prod`, { rawQuery: false }],
  ['function URL', () => doors.url?.url ?? '', { rawQuery: true }],
];

/** Text the property sends: ASCII (query syntax included), BMP letters of many scripts, and tricky case pairs. */
const textUnit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...'abcXYZ019 !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.split('')) },
  // U+0020..U+24FF: Latin to enclosed letters (cased scripts: Greek, Cyrillic, Armenian, Georgian, Cherokee…),
  // minus Cyrillic Extended-C, whose case pairs are recent: the test's Node and the layer's may disagree there.
  {
    weight: 3,
    arbitrary: fc
      .integer({ min: 0x20, max: 0x24ff })
      .filter((cp) => cp < 0x1c80 || cp > 0x1cbf)
      .map((cp) => String.fromCodePoint(cp)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'ß',
      'ẞ',
      'ı',
      'İ',
      'ſ',
      'K',
      'Σ',
      'ς',
      'ǅ',
      'ŉ',
      'é',
      'e\u0301',
      '😀',
      '👍🏽',
      '中',
    ),
  },
);

describe.each(FRONT_DOORS)('http-api over HTTP through the %s front door', (_name, base, door) => {
  it('GET ?text= answers 200 JSON, the same text ignoring case, the same answer for the same seed', async () => {
    const first = await fetch(`${base()}/?text=hello%20world&seed=7`);
    const second = await fetch(`${base()}/capitalize?text=hello%20world&seed=7`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe(JSON_TYPE);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const body = (await first.json()) as { text: string };
    expect(body.text.toLowerCase()).toBe('hello world');
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual(body);
  });

  it('GET without text capitalizes the documented default text', async () => {
    const res = await fetch(`${base()}/`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { text: string }).text.toLowerCase()).toBe(DEFAULT_TEXT.toLowerCase());
  });

  it('POST with a plain JSON body works', async () => {
    const post = (body: unknown) =>
      fetch(`${base()}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const upper = await post({ text: 'abc déf', probability: 1 });
    expect(upper.status).toBe(200);
    expect(upper.headers.get('content-type')).toBe(JSON_TYPE);
    expect(await upper.json()).toEqual({ text: 'ABC DÉF' });
    const lower = await post({ text: 'ABC', probability: 0 });
    expect(await lower.json()).toEqual({ text: 'abc' });
  });

  it('answers a CORS preflight: allowed origin gets the CORS headers, another origin none', async () => {
    const preflight = (origin: string) =>
      fetch(`${base()}/`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    const allowed = await preflight(ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(allowed.headers.get('access-control-allow-methods')).toBe(ALLOW);
    expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(await allowed.text()).toBe('');
    const other = await preflight('https://evil.example');
    expect(other.status).toBe(204);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // And the actual request from the allowed origin carries the header too.
    const get = await fetch(`${base()}/?text=x`, { headers: { origin: ORIGIN } });
    expect(get.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('answers other methods with 405 and Allow, unknown paths with 404, both as JSON', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${base()}/`, { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe(ALLOW);
      expect(((await res.json()) as ErrorBody).error.code).toBe('METHOD_NOT_ALLOWED');
    }
    const missing = await fetch(`${base()}/nope?text=x`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as ErrorBody).error.code).toBe('NOT_FOUND');
  });

  // Payload 1.0 carries only decoded parameters: the front door decodes them (leniently, like URLSearchParams), so
  // the function gets text and cannot tell; there only "never a 5xx, always JSON" is checked.
  const encodingTitle = door.rawQuery
    ? 'answers invalid percent-encoding in the query with 400 INVALID_ENCODING'
    : 'answers invalid percent-encoding in the query without a 5xx, as JSON (payload 1.0 has no raw query)';
  it(encodingTitle, async () => {
    for (const query of ['text=%E0%A4%A', 'text=100%', 'text=%ZZ']) {
      const res = await fetch(`${base()}/?${query}`);
      expect(res.headers.get('content-type'), query).toBe(JSON_TYPE);
      const body = (await res.json()) as Partial<ErrorBody>;
      if (door.rawQuery) {
        expect(res.status, query).toBe(400);
        expect(body.error?.code, query).toBe('INVALID_ENCODING');
      } else {
        expect(res.status, query).toBeLessThan(500);
      }
    }
  });

  it('answers a text over the limit with 413 TEXT_TOO_LONG, in the query or the body', async () => {
    const long = 'a'.repeat(MAX_TEXT_LENGTH + 1);
    const get = await fetch(`${base()}/?text=${long}`);
    expect(get.status).toBe(413);
    expect(((await get.json()) as ErrorBody).error.code).toBe('TEXT_TOO_LONG');
    const post = await fetch(`${base()}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: long }),
    });
    expect(post.status).toBe(413);
    expect(((await post.json()) as ErrorBody).error.code).toBe('TEXT_TOO_LONG');
    // Exactly at the limit is fine.
    const atLimit = await fetch(`${base()}/?text=${long.slice(1)}`);
    expect(atLimit.status).toBe(200);
  });

  it('answers bad bodies with 4xx JSON: invalid JSON 400, not JSON 415', async () => {
    const invalid = await fetch(`${base()}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":',
    });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as ErrorBody).error.code).toBe('INVALID_JSON');
    const plain = await fetch(`${base()}/`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(plain.status).toBe(415);
    expect(((await plain.json()) as ErrorBody).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('property: any text in ?text= → 200 JSON whose text lower-cases to the input lower-cased', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: textUnit, maxLength: 40 }), async (text) => {
        const res = await fetch(`${base()}/?text=${encodeURIComponent(text)}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(JSON_TYPE);
        const out = ((await res.json()) as { text: string }).text;
        expect(out.toLowerCase()).toBe(text.toLowerCase());
      }),
      { numRuns: 50 },
    );
  });

  it('property: any raw query string → never a 5xx, always JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme-ascii', maxLength: 60 }), async (query) => {
        // Keep "#" (fragment) and spaces out of the request target, as any HTTP client would.
        const res = await fetch(`${base()}/?${query.replace(/#/g, '%23').replace(/ /g, '+')}`);
        expect(res.status, query).toBeLessThan(500);
        expect(res.headers.get('content-type'), query).toBe(JSON_TYPE);
        await res.json(); // throws unless the body is JSON
      }),
      { numRuns: 50 },
    );
  });
});
