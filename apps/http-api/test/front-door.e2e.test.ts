import { randomCapitalize } from '@caprice/capitalize';
import {
  createFunctionUrlFrontDoor,
  createHttpApiFrontDoor,
  createRestApiFrontDoor,
  type HttpApiFrontDoorOptions,
  type ListeningFrontDoor,
} from '@caprice/emulator';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../src/handler.js';

/** The data plane, faked: runs the real handler in-process and answers as Lambda's Invoke does. */
const handler = createHandler({
  capitalize: randomCapitalize,
  corsOrigins: ['https://app.example.com'],
  log: () => {},
});
const invoke: HttpApiFrontDoorOptions['invoke'] = async (_name, payload) => {
  try {
    const result = await handler(JSON.parse(payload.toString('utf8')), { awsRequestId: 'e2e' });
    return { payload: Buffer.from(JSON.stringify(result ?? null)) };
  } catch (err) {
    const body = { errorType: (err as Error).name, errorMessage: (err as Error).message };
    return { payload: Buffer.from(JSON.stringify(body)), functionError: 'Unhandled' };
  }
};

const doors: Record<string, ListeningFrontDoor> = {};
/** Base URL per front door, each on its own port; REST URLs carry the stage. */
const bases: Array<[string, () => string]> = [
  ['HTTP API (2.0)', () => doors.httpV2!.url],
  ['HTTP API (1.0)', () => doors.httpV1!.url],
  ['REST API', () => `${doors.rest!.url}/prod`],
  ['function URL', () => doors.url!.url],
];

beforeAll(async () => {
  doors.httpV2 = await createHttpApiFrontDoor({ functionName: 'http-api', invoke }).listen();
  doors.httpV1 = await createHttpApiFrontDoor({
    functionName: 'http-api',
    invoke,
    payloadFormatVersion: '1.0',
  }).listen();
  doors.rest = await createRestApiFrontDoor({ functionName: 'http-api', stage: 'prod', invoke }).listen();
  doors.url = await createFunctionUrlFrontDoor({ functionName: 'http-api', invoke }).listen();
});
afterAll(async () => {
  await Promise.all(Object.values(doors).map((d) => d.close()));
});

describe.each(bases)('http-api behind the %s front door', (_name, base) => {
  it('GET ?text= answers 200 JSON, deterministic with a seed', async () => {
    const first = await fetch(`${base()}/?text=hello%20world&seed=7`);
    const second = await fetch(`${base()}/?text=hello%20world&seed=7`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await first.json()) as { text: string };
    expect(body.text.toLowerCase()).toBe('hello world');
    expect(await second.json()).toEqual(body);
  });

  it('POST with a JSON body works', async () => {
    const res = await fetch(`${base()}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'abc', probability: 1 }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ text: 'ABC' });
  });

  it('answers bad input with 400, other methods with 405 + Allow, unknown paths with 404', async () => {
    const bad = await fetch(`${base()}/?seed=nope`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_SEED');
    const put = await fetch(`${base()}/`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST, OPTIONS');
    const missing = await fetch(`${base()}/nope`);
    expect(missing.status).toBe(404);
  });

  it('answers a CORS preflight for an allowed origin', async () => {
    const res = await fetch(`${base()}/`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  it('returns any ?text= unchanged but for case', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 40 }), async (text) => {
        const res = await fetch(`${base()}/?text=${encodeURIComponent(text)}`);
        expect(res.status).toBe(200);
        const out = [...((await res.json()) as { text: string }).text];
        const input = [...text];
        expect(out.length).toBe(input.length);
        for (const [i, c] of out.entries()) {
          const d = input[i] ?? '';
          expect(c === d || c.toLowerCase() === d.toLowerCase() || c === d.toUpperCase()).toBe(true);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('never answers an arbitrary query string with a 5xx, and always with JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme-ascii', maxLength: 60 }), async (query) => {
        // Keep "#" (fragment) and spaces out of the request target, as any HTTP client would.
        const res = await fetch(`${base()}/?${query.replace(/#/g, '%23').replace(/ /g, '+')}`);
        expect(res.status).toBeLessThan(500);
        await res.json(); // throws unless the body is JSON
      }),
      { numRuns: 25 },
    );
  });
});
