/**
 * The API itself, in web `Request`/`Response` terms only: no AWS shapes here (see `http/event.ts`).
 * @module
 */
import { ErrorCode, HttpError } from './errors.js';
import { ALLOWED_METHODS } from './http/event.js';
import { jsonResponse } from './json-response.js';

/** Text capitalized when the request gives none. */
export const DEFAULT_TEXT = 'Hello from Caprice, the randomly capitalizing Lambda!';
/** Longest accepted text, in Unicode code points; longer → 413. */
export const MAX_TEXT_LENGTH = 10_000;
/** Largest accepted POST body, in bytes; larger → 413. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Paths served; anything else → 404. */
export const ROUTE_PATHS: readonly string[] = ['/', '/capitalize'];
const MAX_SEED = 0xffff_ffff;
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/** Options of {@link randomCapitalize} that the API exposes. */
export interface CapitalizeOptions {
  seed?: number;
  probability?: number;
}
/** The capitalizer, injected so routes stay testable without the package. */
export type Capitalize = (text: string, options: CapitalizeOptions) => string;

export interface RoutesOptions {
  capitalize: Capitalize;
  /** Origins allowed cross-origin (exact `scheme://host[:port]`, or `*` for any). Default: none. */
  corsOrigins?: readonly string[];
}

/**
 * Creates the request handler. Client mistakes ({@link HttpError} with `expose`) are answered here, with CORS
 * headers; anything else is thrown, so the caller can log it with the request id and answer a generic 500.
 * @example
 * const routes = createRoutes({ capitalize: randomCapitalize });
 * const res = await routes(new Request('https://x/?text=hi&seed=1'));
 */
/** The routes, plus the way to answer a client error found before there was a `Request` (a malformed event). */
export interface Routes {
  (req: Request): Promise<Response>;
  /** The error's response with the same CORS headers a routed client error gets, for the request's `Origin`. */
  clientError(origin: string | null, err: HttpError): Response;
}

export function createRoutes(options: RoutesOptions): Routes {
  const cors = createCors(options.corsOrigins ?? []);
  const route = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    if (!ROUTE_PATHS.includes(path)) {
      throw new HttpError(404, ErrorCode.NOT_FOUND, `No route for path "${clip(url.pathname)}"; use "/"`);
    }
    switch (req.method) {
      case 'OPTIONS':
        return cors.preflight(req);
      case 'GET':
        return respond(options.capitalize, readQuery(url.searchParams));
      case 'POST':
        return respond(options.capitalize, await readJsonBody(req));
      default:
        throw new HttpError(
          405,
          ErrorCode.METHOD_NOT_ALLOWED,
          `Method ${req.method} is not allowed on "${path}"`,
          {
            headers: { allow: ALLOWED_METHODS.join(', ') },
          },
        );
    }
  };
  const routes = async (req: Request): Promise<Response> => {
    try {
      const res = await route(req);
      return req.method === 'OPTIONS' ? res : cors.decorate(req.headers.get('origin'), res);
    } catch (err) {
      // Client errors carry CORS headers too, so a browser page can read why its request failed.
      if (err instanceof HttpError && err.expose)
        return cors.decorate(req.headers.get('origin'), err.toResponse());
      throw err;
    }
  };
  return Object.assign(routes, {
    clientError: (origin: string | null, err: HttpError) => cors.decorate(origin, err.toResponse()),
  });
}

interface CapitalizeInput {
  text: string;
  seed?: number;
  probability?: number;
}

function respond(capitalize: Capitalize, input: CapitalizeInput): Response {
  const options: CapitalizeOptions = {};
  if (input.seed !== undefined) options.seed = input.seed;
  if (input.probability !== undefined) options.probability = input.probability;
  return jsonResponse(200, { text: capitalize(input.text, options) }, { 'cache-control': 'no-store' });
}

function readQuery(params: URLSearchParams): CapitalizeInput {
  const text = params.get('text') ?? DEFAULT_TEXT;
  const input: CapitalizeInput = { text: checkLength(text) };
  const seed = params.get('seed');
  if (seed !== null) {
    if (!/^\d{1,10}$/.test(seed)) throw badSeed(seed);
    input.seed = checkSeed(Number(seed), seed);
  }
  const probability = params.get('probability');
  if (probability !== null) {
    // Plain decimals only: Number() would also take "", "0x1", "1e-1" and " 0.5".
    if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(probability)) throw badProbability(probability);
    input.probability = checkProbability(Number(probability), probability);
  }
  return input;
}

async function readJsonBody(req: Request): Promise<CapitalizeInput> {
  const type = req.headers.get('content-type');
  if (type !== null && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    throw new HttpError(
      415,
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `Content-Type "${clip(type)}" is not supported; send application/json`,
    );
  }
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) {
    throw new HttpError(
      413,
      ErrorCode.BODY_TOO_LARGE,
      `The body is ${bytes.byteLength} bytes; the limit is ${MAX_BODY_BYTES} bytes`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new HttpError(400, ErrorCode.INVALID_JSON, 'The body is not valid UTF-8 JSON; send {"text": "…"}', {
      cause,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, ErrorCode.INVALID_JSON, 'The body must be a JSON object like {"text": "…"}');
  }
  const body = parsed as Record<string, unknown>;
  if (body.text !== undefined && typeof body.text !== 'string') {
    throw new HttpError(400, ErrorCode.INVALID_TEXT, `"text" must be a string, got ${typeName(body.text)}`);
  }
  const input: CapitalizeInput = { text: checkLength(body.text ?? DEFAULT_TEXT) };
  if (body.seed !== undefined) {
    if (typeof body.seed !== 'number') throw badSeed(JSON.stringify(body.seed));
    input.seed = checkSeed(body.seed, String(body.seed));
  }
  if (body.probability !== undefined) {
    if (typeof body.probability !== 'number') throw badProbability(JSON.stringify(body.probability));
    input.probability = checkProbability(body.probability, String(body.probability));
  }
  return input;
}

function checkLength(text: string): string {
  // Code points, not UTF-16 units: cheap pre-check first so a huge string is not spread.
  if (
    text.length > MAX_TEXT_LENGTH &&
    (text.length > MAX_TEXT_LENGTH * 2 || [...text].length > MAX_TEXT_LENGTH)
  ) {
    throw new HttpError(
      413,
      ErrorCode.TEXT_TOO_LONG,
      `"text" is longer than ${MAX_TEXT_LENGTH} characters; send a shorter text`,
    );
  }
  return text;
}

function checkSeed(seed: number, raw: string): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) throw badSeed(raw);
  return seed;
}

function checkProbability(p: number, raw: string): number {
  if (!Number.isFinite(p) || p < 0 || p > 1) throw badProbability(raw);
  return p;
}

function badSeed(raw: string): HttpError {
  return new HttpError(
    400,
    ErrorCode.INVALID_SEED,
    `"seed" must be an integer from 0 to ${MAX_SEED}, got "${clip(raw ?? '')}"`,
  );
}

function badProbability(raw: string): HttpError {
  return new HttpError(
    400,
    ErrorCode.INVALID_PROBABILITY,
    `"probability" must be a number from 0 to 1, got "${clip(raw ?? '')}"`,
  );
}

interface Cors {
  preflight(req: Request): Response;
  decorate(origin: string | null, res: Response): Response;
}

function createCors(origins: readonly string[]): Cors {
  const any = origins.includes('*');
  const allowed = new Set(origins.map((o) => o.toLowerCase()));
  const allowOrigin = (origin: string | null): string | undefined => {
    if (origin === null) return undefined;
    if (any) return '*';
    return allowed.has(origin.toLowerCase()) ? origin : undefined;
  };
  return {
    preflight(req) {
      const headers: Record<string, string> = { allow: ALLOWED_METHODS.join(', '), vary: 'Origin' };
      const origin = allowOrigin(req.headers.get('origin'));
      const method = req.headers.get('access-control-request-method');
      if (
        origin &&
        method !== null &&
        (ALLOWED_METHODS as readonly string[]).includes(method.toUpperCase())
      ) {
        headers['access-control-allow-origin'] = origin;
        headers['access-control-allow-methods'] = ALLOWED_METHODS.join(', ');
        headers['access-control-allow-headers'] = 'content-type';
        headers['access-control-max-age'] = PREFLIGHT_MAX_AGE_SECONDS;
      }
      return new Response(null, { status: 204, headers });
    },
    decorate(requestOrigin, res) {
      res.headers.append('vary', 'Origin');
      const origin = allowOrigin(requestOrigin);
      if (origin) res.headers.set('access-control-allow-origin', origin);
      return res;
    },
  };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
