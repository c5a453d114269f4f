import type { HttpReply } from './types.js';

/**
 * CORS as API Gateway HTTP APIs (`CorsConfiguration`) and function URLs (`Cors` of `CreateFunctionUrlConfig`)
 * configure it. When set, the service answers preflights itself (the function is not invoked) and replaces any
 * `access-control-*` headers the function returned with the configured ones.
 * @see {@link https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html}
 */
export interface CorsConfiguration {
  /** Exact origins (`https://app.example.com`) or `*`. */
  readonly allowOrigins?: readonly string[];
  /** Methods allowed in preflights, or `*`. */
  readonly allowMethods?: readonly string[];
  /** Request headers allowed in preflights, or `*`. */
  readonly allowHeaders?: readonly string[];
  readonly exposeHeaders?: readonly string[];
  /** Seconds a preflight may be cached. */
  readonly maxAge?: number;
  readonly allowCredentials?: boolean;
}

/** Applies a {@link CorsConfiguration}: answers preflights, decorates responses. */
export interface CorsPolicy {
  /** The preflight answer, or undefined when the request is not a preflight. */
  preflight(method: string, headers: (name: string) => string | undefined): HttpReply | undefined;
  /** Replaces the function's CORS headers with the configured ones for this request's origin. */
  decorate(reply: HttpReply, origin: string | undefined): HttpReply;
}

export function createCorsPolicy(config: CorsConfiguration): CorsPolicy {
  const origins = (config.allowOrigins ?? []).map((o) => o.toLowerCase());
  const allowOrigin = (origin: string | undefined): string | undefined => {
    if (!origin) return undefined;
    if (origins.includes('*')) return config.allowCredentials ? origin : '*';
    return origins.includes(origin.toLowerCase()) ? origin : undefined;
  };
  const common = (origin: string): Record<string, string> => {
    const h: Record<string, string> = { 'access-control-allow-origin': origin };
    if (config.allowCredentials) h['access-control-allow-credentials'] = 'true';
    return h;
  };
  return {
    preflight(method, header) {
      const origin = header('origin');
      const requested = header('access-control-request-method');
      if (method !== 'OPTIONS' || !origin || !requested) return undefined;
      const headers: Record<string, string> = {};
      const allowed = allowOrigin(origin);
      const methods = (config.allowMethods ?? []).map((m) => m.toUpperCase());
      // Without AllowMethods no Access-Control-Allow-Methods is sent: browsers then allow only GET, HEAD and POST.
      const methodOk =
        methods.length === 0 || methods.includes('*') || methods.includes(requested.toUpperCase());
      if (allowed && methodOk) {
        Object.assign(headers, common(allowed));
        if (methods.length > 0) {
          headers['access-control-allow-methods'] = methods.includes('*')
            ? requested.toUpperCase()
            : methods.join(',');
        }
        const requestedHeaders = header('access-control-request-headers');
        const allowHeaders = (config.allowHeaders ?? []).map((h) => h.toLowerCase());
        if (allowHeaders.includes('*') && requestedHeaders)
          headers['access-control-allow-headers'] = requestedHeaders;
        else if (allowHeaders.length > 0) headers['access-control-allow-headers'] = allowHeaders.join(',');
        if (config.maxAge !== undefined) headers['access-control-max-age'] = String(config.maxAge);
      }
      return { status: 204, headers, body: Buffer.alloc(0) };
    },
    decorate(reply, origin) {
      const headers: Record<string, string | string[]> = Object.create(null);
      for (const [name, value] of Object.entries(reply.headers)) {
        if (!name.toLowerCase().startsWith('access-control-')) headers[name] = value;
      }
      const allowed = allowOrigin(origin);
      if (allowed) {
        Object.assign(headers, common(allowed));
        if (config.exposeHeaders && config.exposeHeaders.length > 0) {
          headers['access-control-expose-headers'] = config.exposeHeaders.join(',');
        }
      }
      return { ...reply, headers };
    },
  };
}
