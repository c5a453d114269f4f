import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  DEFAULT_LIMITS,
  LambdaControlPlane,
  type LambdaLimits,
} from './control-plane/lambda-control-plane.js';
import { createLambdaRoutes, LAMBDA_PATH_PREFIXES } from './control-plane/lambda-routes.js';
import { ListenError } from './errors.js';
import { AwsServiceError } from './http/aws-error.js';
import { sendJson } from './http/send-json.js';
import { createDataPlane, type DataPlaneTuning } from './lambda/data-plane.js';
import type { DataPlaneOptions, LambdaDataPlaneHttp } from './lambda/types.js';
import { createRouter, type ServiceHandler, type UnsignedRoute } from './router.js';
import { CodeStore } from './store/code-store.js';
import { LambdaStore } from './store/lambda-store.js';

/** Options of {@link startEmulator}. Everything has a default. */
export interface EmulatorOptions {
  /** Interface to bind; 127.0.0.1 unless you mean to expose the emulator. */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one (read it from `url`). Default 9000. */
  readonly port?: number;
  /** State folder (functions, layers, code, logs). Default `.caprice` in the working directory. */
  readonly stateDir?: string;
  /** Account id in ARNs. Default 000000000000. */
  readonly accountId?: string;
  /** Region for unsigned requests. Default us-east-1 (signed requests use their scope's region). */
  readonly region?: string;
  /** How long a new function stays Pending before Active (ms). Default 500. */
  readonly createDelayMs?: number;
  /** How long an update stays InProgress before Successful (ms). Default 500. */
  readonly updateDelayMs?: number;
  /** Size quotas; defaults are AWS's (50 MB zipped upload, 250 MB unzipped, 75 GB storage). */
  readonly limits?: Partial<LambdaLimits>;
  /** Builds the Lambda data plane; defaults to the real one (src/lambda/data-plane.ts). Tests inject fakes. */
  readonly createDataPlane?: (options: DataPlaneOptions & DataPlaneTuning) => LambdaDataPlaneHttp;
  /**
   * Data-plane knobs (idle time, init timeout, default concurrency, platform environment…), passed through to
   * `createDataPlane`. Functions also get `AWS_ENDPOINT_URL` = the emulator's URL unless this sets it.
   */
  readonly dataPlane?: DataPlaneTuning;
  /** More services keyed by SigV4 service name (`s3`, `ses`, …), next to the built-in `lambda`. */
  readonly services?: Readonly<Record<string, ServiceHandler>>;
  /** Routes for unsigned requests of those services (Lambda's own path prefixes are always known). */
  readonly unsignedRoutes?: readonly UnsignedRoute[];
  /** Service for unsigned requests no prefix claims (e.g. 's3' for plain GETs of objects). */
  readonly defaultService?: string;
}

/** A running emulator. */
export interface Emulator {
  /** Endpoint for SDK clients, e.g. http://127.0.0.1:9000 */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Absolute state folder. */
  readonly stateDir: string;
  readonly lambda: LambdaControlPlane;
  readonly dataPlane: LambdaDataPlaneHttp;
  /** Stops accepting requests, closes open connections, stops every instance. */
  close(): Promise<void>;
}

/**
 * Starts the local AWS emulator: one HTTP port serving the Lambda API (control plane and Invoke) and any
 * extra services, routed by the SigV4 credential scope. `GET /_caprice/health` answers 200 once it is ready.
 *
 * @example
 * const emulator = await startEmulator({ port: 0, stateDir: '/tmp/state' });
 * const lambda = new LambdaClient({ endpoint: emulator.url, region: 'us-east-1', credentials });
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? 9000;
  const stateDir = path.resolve(options.stateDir ?? '.caprice');
  const limits: LambdaLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const tmp = path.join(stateDir, 'tmp');
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });

  const code = new CodeStore(path.join(stateDir, 'code'), tmp, { maxUnzippedBytes: limits.unzippedBytes });
  let baseUrl = '';
  // The data plane is made once the port is known (functions get AWS_ENDPOINT_URL); the routes reach it through
  // this delegate, which answers 503 in the instant before (health says 503 too until then).
  let plane: LambdaDataPlaneHttp | undefined;
  const started = (): LambdaDataPlaneHttp => {
    if (!plane)
      throw new AwsServiceError(503, 'ServiceException', 'The emulator is starting; retry shortly.');
    return plane;
  };
  const delegate: LambdaDataPlaneHttp = {
    handleInvoke: (req, res, route) => started().handleInvoke(req, res, route),
    invokeAsync: (name, payload, qualifier) => started().invokeAsync(name, payload, qualifier),
    retire: (name) => plane?.retire(name),
    close: async () => plane?.close(),
  };
  const lambda = new LambdaControlPlane({
    store: new LambdaStore(path.join(stateDir, 'lambda')),
    code,
    accountId: options.accountId ?? '000000000000',
    defaultRegion: options.region ?? 'us-east-1',
    createDelayMs: options.createDelayMs ?? 500,
    updateDelayMs: options.updateDelayMs ?? 500,
    limits,
    codeUrl: (hex) => `${baseUrl}/_caprice/code/${hex}.zip`,
    retire: (name) => plane?.retire(name),
  });
  const internal = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (req.method === 'GET' && url.pathname === '/_caprice/health') {
      sendJson(res, plane ? 200 : 503, { status: plane ? 'ok' : 'starting' });
      return true;
    }
    const zip = /^\/_caprice\/code\/([0-9a-f]{64})\.zip$/.exec(url.pathname);
    if (req.method === 'GET' && zip) {
      const file = code.zipPath(zip[1]!);
      const size = await stat(file).then(
        (s) => s.size,
        () => undefined,
      );
      if (size === undefined) {
        sendJson(res, 404, { message: 'No stored code with that hash.' });
      } else {
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': size });
        createReadStream(file).pipe(res);
      }
      return true;
    }
    return false;
  };

  const router = createRouter({
    services: {
      lambda: createLambdaRoutes({ controlPlane: lambda, dataPlane: delegate, limits }),
      ...options.services,
    },
    internal,
    unsignedRoutes: [
      ...LAMBDA_PATH_PREFIXES.map((pathPrefix) => ({ pathPrefix, service: 'lambda' })),
      ...(options.unsignedRoutes ?? []),
    ],
    ...(options.defaultService === undefined ? {} : { defaultService: options.defaultService }),
  });
  const server = createServer(router);
  // Invokes can legitimately run for 900 s; Node's default 300 s request timeout would cut them.
  server.requestTimeout = 0;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(requestedPort, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    lambda.close();
    throw new ListenError(host, requestedPort, { cause: err });
  }
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const tuning: DataPlaneTuning = {
    ...options.dataPlane,
    platformEnvironment: { AWS_ENDPOINT_URL: baseUrl, ...options.dataPlane?.platformEnvironment },
  };
  try {
    plane = (options.createDataPlane ?? createDataPlane)({ ...tuning, resolver: lambda, stateDir, host });
  } catch (err) {
    lambda.close();
    server.close();
    throw err;
  }
  const running = plane;

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    host,
    port,
    stateDir,
    lambda,
    dataPlane: running,
    close() {
      closing ??= (async () => {
        lambda.close();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await running.close();
        server.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}
