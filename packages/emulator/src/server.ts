import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { FunctionUrlConfigs } from './control-plane/function-url-configs.js';
import {
  DEFAULT_LIMITS,
  LambdaControlPlane,
  type LambdaControlPlaneOptions,
  type LambdaLimits,
} from './control-plane/lambda-control-plane.js';
import { createLambdaRoutes, LAMBDA_PATH_PREFIXES } from './control-plane/lambda-routes.js';
import { ListenError } from './errors.js';
import { sendAwsJsonError } from './http/aws-error.js';
import {
  type DEFAULT_LISTENER_TIMEOUTS,
  guardBodyIdle,
  type ListenerTimeouts,
  listenerTimeouts,
  serverOptions,
} from './http/listener-timeouts.js';
import { sendJson } from './http/send-json.js';
import { createDataPlane, type DataPlane, type DataPlaneTuning } from './lambda/data-plane.js';
import type { DataPlaneOptions } from './lambda/types.js';
import { createRouter, type ServiceHandler, type UnsignedRoute } from './router.js';
import { CodeStore } from './store/code-store.js';
import { LambdaStore } from './store/lambda-store.js';

/** An endpoint of the emulator's own under `/_caprice/` (dashboards, outboxes…). */
export interface AdminRoute {
  /** e.g. `/_caprice/ses/` */
  readonly pathPrefix: string;
  readonly handler: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;
}

/** What an extension can use: the running emulator's parts (the data plane exists by then). */
export interface EmulatorParts {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly stateDir: string;
  readonly accountId: string;
  readonly region: string;
  readonly lambda: LambdaControlPlane;
  readonly dataPlane: DataPlane;
  /** Function URLs made with CreateFunctionUrlConfig, each on its own port. */
  readonly functionUrls?: FunctionUrlConfigs;
}

/** Services an extension adds to the emulator's port (S3, SES, API Gateway front doors…). */
export interface EmulatorExtension {
  /** Keyed by SigV4 service name. */
  readonly services?: Readonly<Record<string, ServiceHandler>>;
  /** Unsigned requests with these path prefixes go to these services. */
  readonly unsignedRoutes?: readonly UnsignedRoute[];
  /** Service for unsigned requests no prefix claims (the last extension that sets it wins). */
  readonly defaultService?: string;
  readonly adminRoutes?: readonly AdminRoute[];
  /** Reads S3 objects for Lambda's `S3Bucket`/`S3Key` code locations (the S3 extension provides it). */
  readonly readS3Object?: LambdaControlPlaneOptions['readS3Object'];
  /** Called by `close()`, before the data plane stops. */
  readonly close?: () => Promise<void>;
  /** What `GET /_caprice/health` reports for this extension's services, keyed by service name. */
  readonly health?: () => Readonly<Record<string, unknown>>;
}

/** Options of {@link startEmulator}. Everything has a default. */
export interface EmulatorOptions {
  /** Interface to bind; 127.0.0.1 unless you mean to expose the emulator. */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one (read it from `url`). Default 9000. */
  readonly port?: number;
  /** State folder (functions, layers, code, logs, queued async events). Default `.caprice` in the working directory. */
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
  readonly createDataPlane?: (options: DataPlaneOptions & DataPlaneTuning) => DataPlane;
  /**
   * Data-plane knobs (idle time, init timeout, default concurrency, platform environment…), passed through to
   * `createDataPlane`. Functions also get `AWS_ENDPOINT_URL` = the emulator's URL unless this sets it.
   */
  readonly dataPlane?: DataPlaneTuning;
  /** Fixed extra services keyed by SigV4 service name, next to the built-in `lambda`. */
  readonly services?: Readonly<Record<string, ServiceHandler>>;
  /** Routes for unsigned requests of those services (Lambda's own path prefixes are always known). */
  readonly unsignedRoutes?: readonly UnsignedRoute[];
  /** Service for unsigned requests no prefix claims (e.g. 's3' for plain GETs of objects). */
  readonly defaultService?: string;
  /** Services built from the running emulator's parts (they need the data plane or the control plane). */
  readonly extensions?: readonly ((parts: EmulatorParts) => EmulatorExtension | Promise<EmulatorExtension>)[];
  /**
   * Slow-loris bounds of the main port and of function URL ports (defaults: {@link DEFAULT_LISTENER_TIMEOUTS}:
   * headers within 20 s, a body that stalls for 60 s is cut, no overall limit so slow uploads and long invokes
   * complete). The Runtime API's are `dataPlane.runtimeApiTimeouts`.
   */
  readonly listenerTimeouts?: Partial<ListenerTimeouts>;
}

/** A running emulator. */
export interface Emulator extends EmulatorParts {
  /** Stops accepting requests, closes open connections, stops extensions and every instance. */
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
  const accountId = options.accountId ?? '000000000000';
  const region = options.region ?? 'us-east-1';
  const limits: LambdaLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const tmp = path.join(stateDir, 'tmp');

  const code = new CodeStore(path.join(stateDir, 'code'), tmp, { maxUnzippedBytes: limits.unzippedBytes });
  let baseUrl = '';
  // The data plane is made once the port is known (functions get AWS_ENDPOINT_URL), and extensions after it.
  // Until everything is in place, requests get 503 and health says "starting".
  let plane: DataPlane | undefined;
  let ready = false;
  let readS3Object: LambdaControlPlaneOptions['readS3Object'];
  let functionUrls: FunctionUrlConfigs | undefined;
  const store = new LambdaStore(path.join(stateDir, 'lambda'));
  const lambda = new LambdaControlPlane({
    store,
    code,
    accountId,
    defaultRegion: region,
    createDelayMs: options.createDelayMs ?? 500,
    updateDelayMs: options.updateDelayMs ?? 500,
    limits,
    codeUrl: (hex) => `${baseUrl}/_caprice/code/${hex}.zip`,
    retire: (name) => plane?.retire(name),
    // Bound late: the S3 service comes from an extension, made after the control plane.
    readS3Object: async (bucket, key) => readS3Object?.(bucket, key),
    onFunctionDeleted: (name) => functionUrls?.functionDeleted(name),
    onAliasDeleted: (name, alias) => functionUrls?.aliasDeleted(name, alias),
  });

  const adminRoutes: AdminRoute[] = [];
  const healthReports: (() => Readonly<Record<string, unknown>>)[] = [];
  const internal = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (req.method === 'GET' && url.pathname === '/_caprice/health') {
      if (!ready) {
        sendJson(res, 503, { status: 'starting' });
        return true;
      }
      const services: Record<string, unknown> = { lambda: { functions: store.listFunctions().length } };
      for (const report of healthReports) Object.assign(services, report());
      sendJson(res, 200, { status: 'ok', services });
      return true;
    }
    const zip = /^\/_caprice\/code\/([0-9a-f]{64})\.zip$/.exec(url.pathname);
    if (req.method === 'GET' && zip) {
      await sendZip(res, code.zipPath(zip[1]!));
      return true;
    }
    const admin = adminRoutes.find((r) => url.pathname.startsWith(r.pathPrefix));
    if (!admin) return false;
    await admin.handler(req, res, url);
    return true;
  };

  const services: Record<string, ServiceHandler> = { ...options.services };
  const unsignedRoutes: UnsignedRoute[] = [
    ...LAMBDA_PATH_PREFIXES.map((pathPrefix) => ({ pathPrefix, service: 'lambda' })),
    ...(options.unsignedRoutes ?? []),
  ];
  let defaultService = options.defaultService;
  const router = createRouter({
    services,
    internal,
    unsignedRoutes,
    get defaultService() {
      return defaultService;
    },
  });
  const bounds = listenerTimeouts(options.listenerTimeouts);
  const server = createServer(serverOptions(bounds), (req, res) => {
    guardBodyIdle(req, res, bounds.bodyIdleTimeoutMs);
    if (ready || req.url?.startsWith('/_caprice/health')) {
      router(req, res);
      return;
    }
    req.resume();
    sendAwsJsonError(res, 503, 'ServiceException', 'The emulator is starting; retry shortly.');
  });
  // requestTimeout (0 here) only covers receiving the request; a 900 s invoke after it is never cut.

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
  // Only once the port is ours: a second emulator started by mistake on the same state folder (and port) must
  // not wipe the running one's extraction scratch before it fails to listen.
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });

  const closers: (() => Promise<void>)[] = [];
  const shutdown = async () => {
    lambda.close();
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    for (const close of closers.reverse()) await close();
    await plane?.close();
    server.closeAllConnections();
    await stopped;
  };
  try {
    const tuning: DataPlaneTuning = {
      ...options.dataPlane,
      platformEnvironment: { AWS_ENDPOINT_URL: baseUrl, ...options.dataPlane?.platformEnvironment },
    };
    plane = (options.createDataPlane ?? createDataPlane)({ ...tuning, resolver: lambda, stateDir, host });
    const urls = new FunctionUrlConfigs({
      root: path.join(stateDir, 'lambda', 'function-urls'),
      controlPlane: lambda,
      dataPlane: plane,
      host,
      timeouts: bounds,
    });
    functionUrls = urls;
    closers.push(() => urls.close());
    await urls.start();
    services.lambda = createLambdaRoutes({
      controlPlane: lambda,
      dataPlane: plane,
      limits,
      functionUrls: urls,
    });
    const parts: EmulatorParts = {
      url: baseUrl,
      host,
      port,
      stateDir,
      accountId,
      region,
      lambda,
      dataPlane: plane,
      functionUrls: urls,
    };
    for (const extend of options.extensions ?? []) {
      const ext = await extend(parts);
      if (ext.close) closers.push(ext.close);
      Object.assign(services, ext.services);
      unsignedRoutes.push(...(ext.unsignedRoutes ?? []));
      adminRoutes.push(...(ext.adminRoutes ?? []));
      if (ext.readS3Object) readS3Object = ext.readS3Object;
      if (ext.health) healthReports.push(ext.health);
      if (ext.defaultService !== undefined) defaultService = ext.defaultService;
    }
    ready = true;
    // Async events kept by a previous run: resumed once everything (S3 destinations included) is serving.
    await plane.resumeAsync?.();
    let closing: Promise<void> | undefined;
    return {
      ...parts,
      close() {
        closing ??= shutdown();
        return closing;
      },
    };
  } catch (err) {
    await shutdown().catch(() => undefined);
    throw err;
  }
}

async function sendZip(res: ServerResponse, file: string): Promise<void> {
  const size = await stat(file).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === undefined) {
    sendJson(res, 404, { message: 'No stored code with that hash.' });
    return;
  }
  res.writeHead(200, { 'content-type': 'application/zip', 'content-length': size });
  createReadStream(file).pipe(res);
}
