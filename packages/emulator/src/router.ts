import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsServiceError, sendAwsJsonError } from './http/aws-error.js';

/** What the router learned about a request before handing it to a service. */
export interface ServiceContext {
  /** SigV4 service name the request was routed by (e.g. 'lambda', 's3', 'ses'). */
  readonly service: string;
  /** Region of the SigV4 credential scope, when the request was signed. */
  readonly region?: string;
  /** Parsed request URL (path and query). */
  readonly url: URL;
}

/**
 * One emulated AWS service. It answers the request completely; throwing `AwsServiceError` makes the router
 * answer with AWS's REST-JSON error shape (services with other error formats should answer themselves).
 */
export type ServiceHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ServiceContext,
) => Promise<void>;

/** For unsigned requests: the service owning a path prefix. */
export interface UnsignedRoute {
  readonly pathPrefix: string;
  readonly service: string;
}

export interface RouterOptions {
  /** Services keyed by SigV4 service name: `{ lambda, s3, ses }`. */
  readonly services: Readonly<Record<string, ServiceHandler>>;
  /** Emulator's own endpoints under `/_caprice/`; return false when the path is not one of them. */
  readonly internal?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  /** Unsigned requests are routed by the first matching prefix, else to `defaultService` if set. */
  readonly unsignedRoutes?: readonly UnsignedRoute[];
  readonly defaultService?: string;
  /** Where unexpected errors are reported (never with request headers). */
  readonly onError?: (err: unknown) => void;
}

/** The SigV4 credential scope: `Credential=AKID/20240101/us-east-1/lambda/aws4_request`. */
export interface CredentialScope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

const SCOPE = /Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request/;

/**
 * Reads the credential scope from `Authorization` (or `X-Amz-Credential` of a presigned URL). The signature is
 * NOT verified: the emulator trusts every caller on its loopback port, as LocalStack does by default.
 */
export function credentialScope(req: IncomingMessage, url: URL): CredentialScope | undefined {
  const auth = req.headers.authorization;
  const source =
    typeof auth === 'string'
      ? auth
      : url.searchParams.has('X-Amz-Credential')
        ? `Credential=${url.searchParams.get('X-Amz-Credential')}`
        : undefined;
  const m = source === undefined ? null : SCOPE.exec(source);
  if (!m) return undefined;
  return { accessKeyId: m[1]!, date: m[2]!, region: m[3]!, service: m[4]! };
}

/**
 * The emulator's single-port request handler: `/_caprice/*` first, then the service named by the SigV4 scope
 * (the way LocalStack multiplexes one port), then the unsigned path fallbacks.
 */
export function createRouter(options: RouterOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const onError = options.onError ?? ((err: unknown) => console.error('emulator: unexpected error', err));
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    if (url.pathname.startsWith('/_caprice/') && options.internal && (await options.internal(req, res, url)))
      return;
    const scope = credentialScope(req, url);
    let service = scope?.service;
    if (service === undefined) {
      service =
        options.unsignedRoutes?.find((r) => url.pathname.startsWith(r.pathPrefix))?.service ??
        options.defaultService;
    }
    if (service === undefined) {
      req.resume();
      throw new AwsServiceError(
        400,
        'MissingAuthenticationTokenException',
        `Cannot tell which AWS service ${req.method} ${url.pathname} is for: sign the request (SigV4) so its credential scope names the service`,
      );
    }
    const handler = options.services[service];
    if (!handler) {
      req.resume();
      throw new AwsServiceError(
        400,
        'UnrecognizedClientException',
        `The emulator does not serve the AWS service "${service}"; it serves: ${Object.keys(options.services).join(', ')}`,
      );
    }
    await handler(req, res, { service, url, ...(scope ? { region: scope.region } : {}) });
  };
  return (req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        // Mid-response failure: nothing valid can be sent any more.
        if (!(err instanceof AwsServiceError)) onError(err);
        res.destroy();
        return;
      }
      if (err instanceof AwsServiceError) {
        sendAwsJsonError(res, err.status, err.type, err.message);
      } else {
        onError(err);
        sendAwsJsonError(res, 500, 'ServiceException', 'The emulator failed to process the request.');
      }
    });
  };
}
