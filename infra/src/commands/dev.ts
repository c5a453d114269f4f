/**
 * `caprice dev`: the whole system on one machine. Builds what is stale, starts the emulator (Lambda, S3, SES,
 * SMTP), deploys the stack to it through the same deploy code as AWS, opens the HTTP API front door and the
 * dashboard, then watches the sources and pushes every rebuilt bundle through UpdateFunctionCode.
 */
import path from 'node:path';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import {
  createHttpApiFrontDoor,
  type DataPlane,
  type Emulator,
  emailExtension,
  httpApiFromAws,
  type ListeningFrontDoor,
  startEmulator,
} from '@caprice/emulator';
import { defineStack } from '../../stack.js';
import { PortInUseError } from '../cli-errors.js';
import { startDashboard } from '../dashboard/server.js';
import { createStateReader } from '../dashboard/state.js';
import { loadArtifacts } from '../deploy/artifacts.js';
import { buildZips } from '../deploy/build.js';
import { deployStack } from '../deploy/deploy.js';
import { deployEmailTrigger } from '../deploy/email-trigger.js';
import { DeployError } from '../deploy/errors.js';
import { apiName, corsFor, deployHttpTrigger } from '../deploy/http-trigger.js';
import { runDemo } from '../dev/demo.js';
import { type AppWatcher, watchApps } from '../dev/watch.js';
import type { Stack } from '../stack.js';

export interface DevOptions {
  /** The workspace root (where apps/ and packages/ are). */
  readonly root: string;
  readonly host?: string;
  /** Emulator port (every AWS API). Default 9000. */
  readonly port?: number;
  /** HTTP API front door port. Default 3000. */
  readonly apiPort?: number;
  /** SMTP door port. Default 2525. */
  readonly smtpPort?: number;
  /** Dashboard port. Default 9001. */
  readonly dashboardPort?: number;
  readonly stateDir?: string;
  /** Run turbo to build stale zips first. Default true. */
  readonly build?: boolean;
  /** Rebuild and redeploy on source changes. Default true. */
  readonly watch?: boolean;
  /** Send a sample mail and call the API once ready. */
  readonly demo?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log?: (line: string) => void;
}

export interface DevStack {
  readonly stack: Stack;
  readonly emulator: Emulator;
  readonly endpoints: {
    readonly emulator: string;
    readonly api: string;
    readonly smtp: string;
    readonly bot: string;
    readonly dashboard: string;
    /** The function URL of the HTTP function, when the stack has one (CAPRICE_FUNCTION_URL=1). */
    readonly functionUrl?: string;
  };
  close(): Promise<void>;
}

/** Credentials for the emulator, which checks no signature; never real ones, so nothing real can leak. */
const LOCAL_CREDENTIALS = { accessKeyId: 'caprice-local', secretAccessKey: 'caprice-local' };

/** Waiter polling against the local emulator: its state changes take 50 ms, so poll at that pace. */
const LOCAL_POLL_SECONDS = 0.05;

/** Whether starting a listener failed because its port is taken (Node's error, or the emulator's wrapping of it). */
function addressInUse(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === 'EADDRINUSE' || /EADDRINUSE/.test(e?.message ?? '');
}

/** Starts a listener; a taken port becomes an error naming the flag that moves it. */
async function listen<T>(what: string, flag: string, host: string, port: number, start: () => Promise<T>) {
  try {
    return await start();
  } catch (error) {
    if (addressInUse(error)) throw new PortInUseError(what, flag, host, port, { cause: error });
    throw error;
  }
}

/** Starts the local stack; resolves once every endpoint answers. */
export async function startDev(options: DevOptions): Promise<DevStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? '127.0.0.1';
  const stack = defineStack(options.env ?? process.env);
  const started = performance.now();
  if (options.build ?? true) await buildZips(options.root, log);

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        log(`dev: stopping failed: ${(error as Error).message}`);
      }
    }
  };

  try {
    let smtpAddress = '';
    const emulatorPort = options.port ?? 9000;
    const smtpPortWanted = options.smtpPort ?? 2525;
    const emulator = await startEmulator({
      host,
      port: emulatorPort,
      stateDir: options.stateDir ?? path.join(options.root, '.caprice'),
      accountId: stack.account,
      region: stack.region,
      // Short state transitions: a save reaches the function in well under a second.
      createDelayMs: 50,
      updateDelayMs: 50,
      extensions: [
        emailExtension({
          smtpPort: smtpPortWanted,
          onReady: ({ smtp }) => {
            smtpAddress = `${smtp.host}:${smtp.port}`;
          },
          onError: (error, where) => log(`emulator ${where}: ${(error as Error).message}`),
        }),
      ],
    }).catch((error: unknown) => {
      // One call opens both the AWS port and the SMTP door: the message names the port that was taken.
      const taken = Number(/Cannot listen on \S*:(\d+)/.exec((error as Error).message)?.[1]);
      if (!addressInUse(error)) throw error;
      throw smtpPortWanted !== 0 && taken === smtpPortWanted
        ? new PortInUseError('SMTP door', '--smtp-port', host, taken, { cause: error })
        : new PortInUseError('emulator', '--port', host, taken || emulatorPort, { cause: error });
    });
    closers.push(() => emulator.close());

    const clientConfig = { endpoint: emulator.url, region: stack.region, credentials: LOCAL_CREDENTIALS };
    const lambda = new LambdaClient(clientConfig);
    const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
    const ses = new SESClient(clientConfig);
    closers.push(async () => {
      lambda.destroy();
      s3.destroy();
      ses.destroy();
    });

    const deployed = await deployStack({
      stack,
      lambda,
      artifacts: await loadArtifacts(options.root, stack),
      log: (line) => log(`deploy: ${line}`),
      maxWaitSeconds: 30,
      pollSeconds: LOCAL_POLL_SECONDS,
    });
    const email = stack.triggers.email;
    const emailFn = deployed.functions.find((f) => f.name === email?.function);
    if (email && emailFn) {
      await deployEmailTrigger(
        stack,
        emailFn.arn,
        { lambda, s3, ses },
        { log: (line) => log(`deploy: ${line}`) },
      );
    }

    // A function URL, when the stack asks for one: the same calls as `caprice deploy` makes on AWS.
    let functionUrl: string | undefined;
    const httpFn = deployed.functions.find((f) => f.name === stack.triggers.http?.function);
    if (stack.triggers.http?.functionUrl && httpFn) {
      const apigw = new ApiGatewayV2Client(clientConfig);
      closers.push(async () => apigw.destroy());
      const out = await deployHttpTrigger(
        stack,
        httpFn.arn,
        { lambda, apigw },
        { skipHttpApi: true, log: (line) => log(`deploy: ${line}`) },
      );
      functionUrl = out.endpoints[0];
    }

    const dataPlane = emulator.dataPlane as DataPlane;
    let api: ListeningFrontDoor | undefined;
    const http = stack.triggers.http;
    if (http) {
      // The same quick-create body `caprice deploy` sends to API Gateway, so CORS and routing match AWS.
      const cors = corsFor(http);
      const door = createHttpApiFrontDoor({
        ...httpApiFromAws({
          Name: apiName(http),
          ProtocolType: 'HTTP',
          Target: http.function,
          ...(cors ? { CorsConfiguration: cors } : {}),
        }),
        region: stack.region,
        accountId: stack.account,
        invoke: async (name, payload) => {
          const out = await dataPlane.invoke(name, payload);
          if (out.statusCode !== 200) throw new DeployError(`Invoke of ${name} returned ${out.statusCode}`);
          return { payload: out.payload, ...(out.functionError ? { functionError: out.functionError } : {}) };
        },
        onIntegrationError: (entry) => log(`api: ${entry.functionName}: ${entry.message}`),
      });
      const apiPort = options.apiPort ?? 3000;
      api = await listen('HTTP API front door', '--api-port', host, apiPort, () =>
        door.listen({ host, port: apiPort }),
      );
      const listening = api;
      closers.push(() => listening.close());
    }

    const [smtpHost, smtpPort] = [
      smtpAddress.split(':')[0] ?? host,
      Number(smtpAddress.split(':')[1] ?? 2525),
    ];
    const botAddress = email?.recipients[0] ?? '';
    const outboxUrl = `${emulator.url}/_caprice/ses/outbox`;
    const endpoints = {
      emulator: emulator.url,
      api: api?.url ?? '',
      smtp: smtpAddress,
      bot: botAddress,
      dashboard: '',
      ...(functionUrl ? { functionUrl } : {}),
    };
    const dashboardPort = options.dashboardPort ?? 9001;
    const dashboard = await listen('dashboard', '--dashboard-port', host, dashboardPort, () =>
      startDashboard({
        host,
        port: dashboardPort,
        readState: createStateReader({
          lambda,
          readLog: async (name) => dataPlane.readLogs(name),
          warmInstances: () =>
            Object.fromEntries(
              stack.functions.map((f) => [
                f.name,
                dataPlane.instances(f.name).filter((i) => i.state !== 'stopped').length,
              ]),
            ),
          outboxUrl,
          ...(email ? { emailFunction: email.function } : {}),
          endpoints: {
            API: endpoints.api,
            ...(functionUrl ? { 'Function URL': functionUrl } : {}),
            SMTP: smtpAddress,
            Bot: botAddress,
            'AWS endpoint': emulator.url,
          },
        }),
        ...(api ? { apiUrl: api.url } : {}),
        smtp: { host: smtpHost, port: smtpPort },
        botAddress,
        outboxUrl,
        log,
      }),
    );
    closers.push(() => dashboard.close());
    endpoints.dashboard = dashboard.url;

    let watcher: AppWatcher | undefined;
    if (options.watch ?? true) {
      watcher = await watchApps({
        root: options.root,
        apps: stack.functions.map((f) => ({ app: f.app, functionName: f.name })),
        log,
        onUpdate: async (app) => {
          await deployStack({
            stack,
            lambda,
            artifacts: await loadArtifacts(options.root, stack),
            only: [app.functionName],
            maxWaitSeconds: 30,
            pollSeconds: LOCAL_POLL_SECONDS,
          });
        },
      });
      const w = watcher;
      closers.push(() => w.close());
    }

    log('');
    log(`Caprice is running (ready in ${((performance.now() - started) / 1000).toFixed(1)} s):`);
    log(`  HTTP API     ${endpoints.api}/?text=hello`);
    if (functionUrl) log(`  Function URL ${functionUrl}`);
    log(`  SMTP         ${endpoints.smtp}  → mail ${endpoints.bot}`);
    log(`  Dashboard    ${endpoints.dashboard}`);
    log(`  AWS APIs     ${endpoints.emulator}  (AWS_ENDPOINT_URL; any credentials)`);
    log(
      `  Watching     ${watcher ? 'apps/ and packages/ — saving a file redeploys the functions that use it' : 'off'}`,
    );
    log('Press Ctrl-C to stop.');

    if (options.demo) {
      log('');
      log('Demo:');
      await runDemo(
        { apiUrl: endpoints.api, smtp: { host: smtpHost, port: smtpPort }, botAddress, outboxUrl },
        log,
      );
    }
    return { stack, emulator, endpoints, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
