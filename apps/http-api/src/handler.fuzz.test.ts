import { randomCapitalize } from '@caprice/capitalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../test/load-fixture.js';
import { createHandler } from './handler.js';

// The real capitalizer: the property is about what users get.
const handler = createHandler({ capitalize: randomCapitalize, log: () => {} });
type Result = { statusCode: number; body?: string; multiValueHeaders?: unknown };

/** Events of every source (REST, HTTP API, function URL, ALB), each carrying the given raw query string and/or body. */
function events(rawQuery: string, body: string | undefined, base64 = false): unknown[] {
  const pairs = rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq === -1 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
    });
  const method = body === undefined ? 'GET' : 'POST';
  const v2 = loadFixture('apigw-v2', 'get-text');
  (v2.requestContext as { http: { method: string } }).http.method = method;
  const url = loadFixture('function-url', 'get-text');
  (url.requestContext as { http: { method: string } }).http.method = method;
  const alb = loadFixture('alb', 'get-text-multi-value');
  // A null-prototype object, so a parameter named "__proto__" is an ordinary key.
  const multi: Record<string, string[]> = Object.create(null);
  for (const [k, v] of pairs) multi[k ?? ''] = [...(multi[k ?? ''] ?? []), v ?? ''];
  const albHeaders = {
    ...(alb.multiValueHeaders as Record<string, string[]>),
    'content-type': ['application/json'],
  };
  // REST (payload 1.0): API Gateway hands the query over decoded, last value in one map, all in the other.
  const rest = loadFixture('apigw-v1', 'get-text');
  const single: Record<string, string> = Object.create(null);
  const decoded: Record<string, string[]> = Object.create(null);
  for (const [k, v] of new URLSearchParams(rawQuery)) {
    single[k] = v;
    decoded[k] = [...(decoded[k] ?? []), v];
  }
  const hasQuery = Object.keys(single).length > 0;
  return [
    {
      ...rest,
      httpMethod: method,
      headers: { ...(rest.headers as object), 'content-type': 'application/json' },
      multiValueHeaders: null,
      queryStringParameters: hasQuery ? single : null,
      multiValueQueryStringParameters: hasQuery ? decoded : null,
      body,
      isBase64Encoded: base64,
    },
    { ...v2, rawQueryString: rawQuery, body, isBase64Encoded: base64 },
    { ...url, rawQueryString: rawQuery, body, isBase64Encoded: base64 },
    {
      ...alb,
      httpMethod: method,
      multiValueHeaders: albHeaders,
      multiValueQueryStringParameters: multi,
      body,
      isBase64Encoded: base64,
    },
  ];
}

/** Same characters but for case: each output code point is the input's, or its upper or lower case. */
function sameIgnoringCase(out: string, input: string): boolean {
  const a = [...out];
  const b = [...input];
  return (
    a.length === b.length &&
    a.every((c, i) => {
      const d = b[i] ?? '';
      return c === d || c === d.toUpperCase() || c === d.toLowerCase() || c.toLowerCase() === d.toLowerCase();
    })
  );
}

async function expectJsonNot5xx(event: unknown): Promise<Result> {
  const result = (await handler(event)) as Result;
  expect(result.statusCode).toBeLessThan(500);
  expect(() => JSON.parse(result.body ?? '')).not.toThrow();
  return result;
}

describe('handler properties', () => {
  it('never answers an arbitrary query string with a 5xx, and always with JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (raw) => {
        for (const event of events(raw, undefined)) await expectJsonNot5xx(event);
      }),
      { numRuns: 100 },
    );
  });

  it('never answers an arbitrary body (plain or base64) with a 5xx, and always with JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), fc.boolean(), async (body, b64) => {
        const sent = b64 ? Buffer.from(body, 'utf8').toString('base64') : body;
        for (const event of events('', sent, b64)) await expectJsonNot5xx(event);
      }),
      { numRuns: 100 },
    );
  });

  it('returns the query text unchanged but for case', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 100 }), async (text) => {
        for (const event of events(`text=${encodeURIComponent(text)}`, undefined)) {
          const result = await expectJsonNot5xx(event);
          expect(result.statusCode).toBe(200);
          const out = (JSON.parse(result.body ?? '') as { text: string }).text;
          expect(sameIgnoringCase(out, text)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('returns the JSON body text unchanged but for case', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 100 }), async (text) => {
        for (const event of events('', JSON.stringify({ text }))) {
          const result = await expectJsonNot5xx(event);
          expect(result.statusCode).toBe(200);
          const out = (JSON.parse(result.body ?? '') as { text: string }).text;
          expect(sameIgnoringCase(out, text)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});
