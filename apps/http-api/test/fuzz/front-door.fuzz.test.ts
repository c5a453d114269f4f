/**
 * HTTP fuzz through the real front doors (HTTP API 2.0 and 1.0, REST API, function URL from @caprice/emulator) over
 * real loopback sockets, with the real handler run in-process as the data plane.
 *
 * Seeded: CAPRICE_FUZZ_SEED (default 20261125), CAPRICE_FUZZ_CASES (default 5 000). Methods, paths, query strings
 * (raw and percent-encoded bytes, invalid UTF-8, duplicates, very long), headers (content types, encodings,
 * origins, many and long headers) and bodies (JSON of every shape, invalid JSON, binary, large) at random.
 * Every response: no 5xx, and a JSON body (except HEAD and 204, which have none by definition).
 */
import { Agent, request } from 'node:http';
import { randomCapitalize } from '@caprice/capitalize';
import {
  createFunctionUrlFrontDoor,
  createHttpApiFrontDoor,
  createRestApiFrontDoor,
  type HttpApiFrontDoorOptions,
  type ListeningFrontDoor,
} from '@caprice/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../src/handler.js';

const SEED = Number(process.env.CAPRICE_FUZZ_SEED ?? 20261125);
const CASES = Number(process.env.CAPRICE_FUZZ_CASES ?? 5000);
const CONCURRENCY = 8;
/**
 * Whether the answers to unparseable requests (produced before the front door's handler runs) must be JSON too:
 * yes since the front doors answer Node's `clientError` in JSON (docs/reliability.md, "Failed and fixed").
 */
const PARSER_ANSWERS_JSON = true;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const handlerErrors: string[] = [];
const handler = createHandler({
  capitalize: randomCapitalize,
  corsOrigins: ['https://app.example.com'],
  log: () => {},
});
const invoke: HttpApiFrontDoorOptions['invoke'] = async (_name, payload) => {
  try {
    const result = await handler(JSON.parse(payload.toString('utf8')), { awsRequestId: 'fuzz' });
    return { payload: Buffer.from(JSON.stringify(result ?? null)) };
  } catch (err) {
    // An unhandled error from input is exactly what this fuzz looks for: the front door turns it into a 5xx.
    handlerErrors.push(`${(err as Error).name}: ${(err as Error).message}`);
    const body = { errorType: (err as Error).name, errorMessage: (err as Error).message };
    return { payload: Buffer.from(JSON.stringify(body)), functionError: 'Unhandled' };
  }
};

const doors: ListeningFrontDoor[] = [];
const bases: Array<{ name: string; port: () => number; prefix: string }> = [];
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

beforeAll(async () => {
  const v2 = await createHttpApiFrontDoor({ functionName: 'http-api', invoke }).listen();
  const v1 = await createHttpApiFrontDoor({
    functionName: 'http-api',
    invoke,
    payloadFormatVersion: '1.0',
  }).listen();
  const rest = await createRestApiFrontDoor({ functionName: 'http-api', stage: 'prod', invoke }).listen();
  const url = await createFunctionUrlFrontDoor({ functionName: 'http-api', invoke }).listen();
  doors.push(v2, v1, rest, url);
  const portOf = (d: ListeningFrontDoor) => () => Number(new URL(d.url).port);
  bases.push(
    { name: 'HTTP API 2.0', port: portOf(v2), prefix: '' },
    { name: 'HTTP API 1.0', port: portOf(v1), prefix: '' },
    { name: 'REST API', port: portOf(rest), prefix: '/prod' },
    { name: 'function URL', port: portOf(url), prefix: '' },
  );
});
afterAll(async () => {
  agent.destroy();
  await Promise.all(doors.map((d) => d.close()));
});

interface Case {
  door: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  kind: string[];
}

function generate(rand: () => number): Case {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const kind: string[] = [];
  const randomBytes = (n: number) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const pctBytes = (n: number) =>
    [...randomBytes(n)].map((c) => `%${c.toString(16).padStart(2, '0')}`).join('');
  const unicode = () => {
    const pool = [
      'a',
      'Z',
      'ß',
      'é',
      'İ',
      'ǅ',
      'ﬀ',
      '😀',
      '👩‍👩‍👧',
      '\u0301',
      '\u200d',
      '\ufeff',
      ' ',
      '\t',
      '\n',
      '"',
      '\\',
      '<',
      '&',
      '%',
      '+',
      '=',
    ];
    return Array.from({ length: int(40) }, () => pick(pool)).join('');
  };
  const textValue = () =>
    pick([
      () => encodeURIComponent(unicode()),
      () =>
        unicode()
          .replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c))
          .replace(/#/g, '%23'),
      () => pctBytes(int(30)),
      () => '%C3%28%E2%82%ED%ED%A0%80', // invalid UTF-8 and an encoded lone surrogate
      () => '%',
      () => '%ZZ%4',
      () => 'a'.repeat(int(20_000)),
      () => '',
    ])();
  const params = ['text', 'seed', 'probability', 'TEXT', 'text[]', 'callback', '__proto__', 'constructor'];
  const queryParts: string[] = [];
  for (let i = 0, n = int(5); i < n; i++) {
    const name = pick(params);
    const value =
      name === 'seed' || name === 'probability'
        ? pick([
            '0',
            '1',
            '-1',
            '0.5',
            '1e309',
            'NaN',
            'Infinity',
            '9007199254740993',
            '0x10',
            ' 1',
            '',
            'abc',
            pctBytes(3),
          ])
        : textValue();
    queryParts.push(pick([`${name}=${value}`, name, `${name}=`, `=${value}`]));
  }
  let query = queryParts.join(pick(['&', '&&', ';']));
  if (rand() < 0.05) query = pctBytes(int(100));
  if (query) kind.push('query');

  const method = pick([
    'GET',
    'GET',
    'GET',
    'POST',
    'POST',
    'POST',
    'HEAD',
    'OPTIONS',
    'PUT',
    'DELETE',
    'PATCH',
    'PROPFIND',
    'X-CUSTOM',
  ]);
  const path = pick([
    '/',
    '/',
    '/',
    '/',
    '//',
    '/nope',
    '/%2e%2e/',
    '/a/b/c',
    `/${pctBytes(4)}`,
    '/?',
    '/index.html',
    '/%00',
  ]);
  const headers: Record<string, string> = {};
  if (rand() < 0.6)
    headers['content-type'] = pick([
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'image/png',
      ';;;',
      'application/json; charset="',
    ]);
  if (rand() < 0.1) headers['content-encoding'] = pick(['gzip', 'br', 'deflate', 'identity', 'x-nope']);
  if (rand() < 0.3)
    headers.origin = pick([
      'https://app.example.com',
      'https://evil.example',
      'null',
      '*',
      'https://app.example.com.evil',
    ]);
  if (rand() < 0.1) headers['access-control-request-method'] = pick(['POST', 'GET', 'DELETE', 'X']);
  if (rand() < 0.1) headers['access-control-request-headers'] = pick(['content-type', 'x-a, x-b', '*']);
  if (rand() < 0.1) headers.accept = pick(['text/html', '*/*', 'application/xml', '']);
  if (rand() < 0.05) for (let i = 0; i < 60; i++) headers[`x-h${i}`] = String(i);
  if (rand() < 0.05) headers['x-long'] = 'v'.repeat(4000 + int(4000));
  if (rand() < 0.05) headers.cookie = 'a=b; c=%ZZ; ;=;';
  if (rand() < 0.05) headers['x-forwarded-for'] = '1.2.3.4, ::1, garbage';
  if (Object.keys(headers).length > 0) kind.push('headers');

  let body: Buffer | undefined;
  if (method !== 'GET' && method !== 'HEAD' ? rand() < 0.8 : rand() < 0.05) {
    const jsonValue = () =>
      pick<unknown>([
        'text',
        '',
        0,
        -1,
        1.5,
        1e308,
        null,
        true,
        [],
        {},
        [1, 'a'],
        { text: 'x' },
        unicode(),
        'x'.repeat(int(100_000)),
      ]);
    body = pick([
      () => Buffer.from(JSON.stringify({ text: unicode(), seed: int(100), probability: rand() })),
      () => Buffer.from(JSON.stringify({ text: jsonValue(), seed: jsonValue(), probability: jsonValue() })),
      () => Buffer.from(JSON.stringify(jsonValue())),
      () => Buffer.from('{"text": "\\ud800\\udfff\\ud800", "__proto__": {"x": 1}}'),
      () => Buffer.from('{"text":'),
      () => Buffer.from('{"text":"a"}{"text":"b"}'),
      () => Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`),
      () => randomBytes(int(2000)),
      () => Buffer.from(`text=${textValue()}&seed=1`),
      () => Buffer.alloc(0),
      () => Buffer.from(Buffer.from(JSON.stringify({ text: 'hi' })).toString('base64')),
    ])();
    kind.push('body');
  }
  return {
    door: int(4),
    method,
    // A client can only send a request target without spaces, controls or non-ASCII: escape those (only).
    path: (query ? `${path}${path.includes('?') ? '&' : '?'}${query}` : path).replace(
      /[^\x21-\x7e]/gu,
      (ch) => encodeURIComponent(ch),
    ),
    headers,
    body,
    kind,
  };
}

interface Answer {
  status: number;
  body: Buffer;
  contentType?: string;
  connection?: string;
}

function send(c: Case): Promise<Answer> {
  const base = bases[c.door]!;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port: base.port(),
        method: c.method,
        path: `${base.prefix}${c.path}`,
        headers: { ...c.headers, ...(c.body ? { 'content-length': String(c.body.length) } : {}) },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks),
            contentType: res.headers['content-type'],
            connection: res.headers.connection,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out after 30 s')));
    req.on('error', reject);
    req.end(c.body);
  });
}

describe(`http-api fuzz through the front doors (seed ${SEED}, ${CASES} cases)`, () => {
  it('never answers input with a 5xx, and always with a JSON body', { timeout: 300_000 }, async () => {
    const rand = prng(SEED);
    const cases = Array.from({ length: CASES }, () => generate(rand));
    const statuses = new Map<string, number>();
    const failures: string[] = [];
    const parserAnswers = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const c = cases[index]!;
        const label = `case ${index} (seed ${SEED}) ${bases[c.door]!.name} ${c.method} ${c.path.slice(0, 200)} headers=${JSON.stringify(c.headers).slice(0, 200)} body=${c.body?.subarray(0, 80).toString('latin1') ?? '-'}`;
        let res: Awaited<ReturnType<typeof send>>;
        try {
          res = await send(c);
        } catch (error) {
          failures.push(`${label}: ${(error as Error).message}`);
          continue;
        }
        const key = `${bases[c.door]!.name} ${res.status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (res.status >= 500)
          failures.push(`${label}: status ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
        // Requests Node's HTTP parser cannot parse (method tokens llhttp does not know, request heads over 16 KiB)
        // never reach the handler: the front door's clientError answer closes the connection.
        const fromParser = (res.status === 400 || res.status === 431) && res.connection === 'close';
        if (fromParser) {
          parserAnswers.set(res.status, (parserAnswers.get(res.status) ?? 0) + 1);
          if (!PARSER_ANSWERS_JSON) continue;
        }
        if (c.method !== 'HEAD' && res.status !== 204) {
          try {
            JSON.parse(res.body.toString('utf8'));
          } catch {
            failures.push(
              `${label}: status ${res.status}, body is not JSON: ${res.body.toString('latin1').slice(0, 200)}`,
            );
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(
      `\n[http-api fuzz] ${CASES} requests, seed ${SEED}, ${failures.length} failures, ${handlerErrors.length} unhandled handler errors, refused at the HTTP parser (answered in JSON): ${JSON.stringify(Object.fromEntries(parserAnswers))}`,
    );
    console.table(Object.fromEntries([...statuses].sort()));
    expect(failures.slice(0, 20)).toEqual([]);
    expect(handlerErrors.slice(0, 20)).toEqual([]);
  });
});
