import { FrontDoorConfigError } from './errors.js';

/** One route: `"GET /items/{id}"`, `"ANY /files/{proxy+}"` or `"$default"`, and the function it invokes. */
export interface ApiRoute {
  readonly routeKey: string;
  readonly functionName: string;
}

/** A matched route with its path parameters (decoded, unless the matcher keeps them as sent). */
export interface RouteMatch {
  readonly route: ApiRoute;
  /** The route's path template (`/items/{id}`), or `$default`. */
  readonly resource: string;
  readonly pathParameters: Record<string, string>;
}

interface CompiledRoute {
  readonly route: ApiRoute;
  readonly method: string;
  readonly resource: string;
  readonly segments: readonly string[];
  readonly greedy: boolean;
  readonly isDefault: boolean;
  readonly params: number;
}

/** How path parameters are handed over. */
export interface RouteMatcherOptions {
  /**
   * `decoded` (HTTP APIs, the default): percent-decoded. `as-sent` (REST APIs): still percent-encoded, and a
   * greedy parameter without the path's trailing slash, as AWS records show ("/test-path/api/user/test%2Balias@…"
   * gives `proxy` "test-path/api/user/test%2Balias@…"; "/test-path/" gives "test-path").
   */
  readonly parameters?: 'decoded' | 'as-sent';
}

/**
 * Compiles routes and returns a matcher that picks the most specific match the way API Gateway does: literal
 * segments before `{param}`, `{param}` before a greedy `{proxy+}`, a method before `ANY`, `$default` last.
 */
export function createRouteMatcher(
  routes: readonly ApiRoute[],
  options: RouteMatcherOptions = {},
): (method: string, path: string) => RouteMatch | undefined {
  const asSent = options.parameters === 'as-sent';
  const compiled = routes.map(compileRoute);
  compiled.sort(
    (a, b) =>
      Number(a.isDefault) - Number(b.isDefault) ||
      Number(a.greedy) - Number(b.greedy) ||
      b.segments.length - a.segments.length ||
      a.params - b.params ||
      Number(a.method === 'ANY') - Number(b.method === 'ANY'),
  );
  return (method, path) => {
    const parts = path.split('/').slice(1);
    for (const c of compiled) {
      if (c.method !== 'ANY' && c.method !== method) continue;
      if (c.isDefault) return { route: c.route, resource: '$default', pathParameters: {} };
      const params = matchSegments(c, parts, asSent);
      if (params) return { route: c.route, resource: c.resource, pathParameters: params };
    }
    return undefined;
  };
}

function compileRoute(route: ApiRoute): CompiledRoute {
  if (!route.functionName) throw new FrontDoorConfigError(`Route "${route.routeKey}" has no functionName`);
  if (route.routeKey === '$default') {
    return {
      route,
      method: 'ANY',
      resource: '$default',
      segments: [],
      greedy: false,
      isDefault: true,
      params: 0,
    };
  }
  const match = /^([A-Z]+|ANY) (\/\S*)$/.exec(route.routeKey);
  if (!match) {
    throw new FrontDoorConfigError(
      `Route key "${route.routeKey}" is not valid; write "METHOD /path", "ANY /path/{param}" or "$default"`,
    );
  }
  const resource = match[2] ?? '/';
  const segments = resource === '/' ? [] : resource.split('/').slice(1);
  const greedyAt = segments.findIndex((s) => /^\{\w+\+\}$/.test(s));
  if (greedyAt !== -1 && greedyAt !== segments.length - 1) {
    throw new FrontDoorConfigError(
      `Route key "${route.routeKey}": a greedy {name+} must be the last segment`,
    );
  }
  return {
    route,
    method: match[1] ?? 'ANY',
    resource,
    segments,
    greedy: greedyAt !== -1,
    isDefault: false,
    params: segments.filter((s) => s.startsWith('{')).length,
  };
}

function matchSegments(
  c: CompiledRoute,
  parts: readonly string[],
  asSent: boolean,
): Record<string, string> | undefined {
  const value = asSent ? (s: string) => s : safeDecode;
  const params: Record<string, string> = Object.create(null);
  // "/" is the empty segment list; a trailing slash leaves an empty last part that only "/" style routes match.
  const actual = parts.length === 1 && parts[0] === '' ? [] : parts;
  for (let i = 0; i < c.segments.length; i++) {
    const seg = c.segments[i] ?? '';
    const greedy = /^\{(\w+)\+\}$/.exec(seg);
    if (greedy) {
      const rest = actual.slice(i);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      const joined = rest.join('/');
      params[greedy[1] ?? 'proxy'] = asSent ? joined.replace(/\/+$/, '') : safeDecode(joined);
      return params;
    }
    const part = actual[i];
    if (part === undefined) return undefined;
    const param = /^\{(\w+)\}$/.exec(seg);
    if (param) {
      if (part === '') return undefined;
      params[param[1] ?? ''] = value(part);
    } else if (safeDecode(part) !== seg) {
      return undefined;
    }
  }
  return actual.length === c.segments.length ? params : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
