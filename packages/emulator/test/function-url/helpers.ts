import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  LambdaClient,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { type Emulator, startEmulator } from '../../src/server.js';
import { makeZip, ROLE } from '../control-plane/helpers.js';
import { SH_PRELUDE } from '../data-plane/harness.js';

export const WAIT = { minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 10 };

/** Answers every event with the event itself (a bare JSON value: a function URL returns it as 200 JSON). */
export const ECHO_BOOTSTRAP = `${SH_PRELUDE}
while true; do
  next
  respond "$EVENT"
done
`;

/** Fails every invoke with a handled-looking error body. */
export const FAILING_BOOTSTRAP = `${SH_PRELUDE}
while true; do
  next
  curl -sS -o /dev/null -X POST "$API/invocation/$ID/error" --data-binary '{"errorType":"Error","errorMessage":"boom"}'
done
`;

/**
 * A streamifyResponse-style handler: posts a streaming /response of type
 * `application/vnd.awslambda.http-integration-response` (JSON prelude, 8 NUL bytes), writes "first", then waits
 * until the file `$OUT/go` exists before writing "second" and ending. The test creates the file only after it has
 * read "first" over HTTP, so the first chunk provably arrives before the last is written. With `FAIL=1` the
 * stream ends with error trailers (a mid-stream failure).
 */
export const STREAMING_BOOTSTRAP = `#!/usr/bin/env node
const http = require('node:http');
const fs = require('node:fs');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({ keepAlive: true });
function next() {
  http.get({ host, port, path: '/2018-06-01/runtime/invocation/next', agent }, (res) => {
    res.resume();
    res.on('end', () => handle(res.headers['lambda-runtime-aws-request-id']));
  });
}
function handle(id) {
  const req = http.request({
    host, port, method: 'POST', agent,
    path: '/2018-06-01/runtime/invocation/' + encodeURIComponent(id) + '/response',
    headers: {
      'Lambda-Runtime-Function-Response-Mode': 'streaming',
      'Transfer-Encoding': 'chunked',
      'Content-Type': 'application/vnd.awslambda.http-integration-response',
      Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
    },
  }, (res) => { res.resume(); res.on('end', next); });
  req.flushHeaders();
  const prelude = { statusCode: 201, headers: { 'content-type': 'text/plain', 'x-streamed': 'yes' } };
  req.write(JSON.stringify(prelude));
  req.write(Buffer.alloc(8));
  setTimeout(() => req.write('first'), 50);
  const go = process.env.OUT + '/go';
  const wait = setInterval(() => {
    if (!fs.existsSync(go)) return;
    clearInterval(wait);
    fs.rmSync(go);
    req.write('second');
    if (process.env.FAIL === '1') {
      const body = JSON.stringify({ errorType: 'Error', errorMessage: 'mid-stream', trace: [] });
      req.addTrailers({
        'Lambda-Runtime-Function-Error-Type': 'Error',
        'Lambda-Runtime-Function-Error-Body': Buffer.from(body).toString('base64'),
      });
    }
    setTimeout(() => req.end(), 50);
  }, 10);
}
next();
`;

export interface UrlTestEmulator {
  readonly emulator: Emulator;
  readonly lambda: LambdaClient;
  readonly stateDir: string;
  close(): Promise<void>;
}

/** A real emulator (real data plane) on an ephemeral port, with an SDK client. */
export async function startUrlEmulator(
  options: { stateDir?: string; keepState?: boolean } = {},
): Promise<UrlTestEmulator> {
  const stateDir = options.stateDir ?? (await mkdtemp(path.join(tmpdir(), 'caprice-url-')));
  const emulator = await startEmulator({
    port: 0,
    stateDir,
    createDelayMs: 50,
    updateDelayMs: 50,
    dataPlane: { idleTimeoutMs: 60_000, memoryPollMs: 100 },
  });
  const lambda = new LambdaClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  return {
    emulator,
    lambda,
    stateDir,
    async close() {
      lambda.destroy();
      await emulator.close();
      if (!options.keepState) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Creates a function whose code is just `bootstrap`, and waits until it is Active. */
export async function createFunction(
  lambda: LambdaClient,
  name: string,
  bootstrap: string,
  environment: Record<string, string> = {},
): Promise<string> {
  const created = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'provided.al2023',
      Handler: 'handler',
      Role: ROLE,
      Timeout: 10,
      Environment: { Variables: environment },
      Code: { ZipFile: await makeZip({ bootstrap: { content: bootstrap, mode: 0o100755 } }) },
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, ...WAIT }, { FunctionName: name });
  return created.FunctionArn!;
}

/** The two statements a public (AuthType NONE) URL needs since AWS's October 2025 change. */
export async function allowPublicUrl(lambda: LambdaClient, name: string, qualifier?: string): Promise<void> {
  const q = qualifier === undefined ? {} : { Qualifier: qualifier };
  await lambda.send(
    new AddPermissionCommand({
      FunctionName: name,
      StatementId: 'url-public',
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
      ...q,
    }),
  );
  await lambda.send(
    new AddPermissionCommand({
      FunctionName: name,
      StatementId: 'url-invoke',
      Action: 'lambda:InvokeFunction',
      Principal: '*',
      InvokedViaFunctionUrl: true,
      ...q,
    }),
  );
}
