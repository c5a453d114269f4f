import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { FunctionSnapshot } from '../lambda/types.js';
import { buildEnvironment, exitReason, extensionExitReason, findBootstrap } from './instance.js';

const root = mkdtempSync(join(tmpdir(), 'caprice-instance-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const snapshot: FunctionSnapshot = {
  functionName: 'fn',
  functionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:fn',
  version: '3',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:fn:live',
  runtime: 'nodejs22.x',
  handler: 'index.handler',
  memorySize: 512,
  timeout: 3,
  architecture: 'x86_64',
  environment: {
    A: '1',
    AWS_REGION: 'nope',
    _X_AMZN_TRACE_ID: 'x',
    AWS_ACCESS_KEY_ID: 'user',
    PATH: '/custom',
  },
  codeDir: '/task',
  codeSha256: 'x',
  layers: [],
  revisionId: 'r',
  region: 'eu-west-1',
  logGroupName: '/aws/lambda/fn',
  state: 'Active',
};

describe('exitReason', () => {
  test("Go's exec.ExitError wording", () => {
    expect(exitReason(3, null)).toBe('Runtime exited with error: exit status 3');
    expect(exitReason(0, null)).toBe('Runtime exited without providing a reason');
    expect(exitReason(null, 'SIGKILL')).toBe('Runtime exited with error: signal: killed');
    expect(exitReason(null, 'SIGSEGV')).toBe('Runtime exited with error: signal: segmentation fault');
  });
});

describe('extensionExitReason', () => {
  test('Lambda reports an extension that ends init by exiting as "exit code N"', () => {
    expect(extensionExitReason(0, null)).toBe('exit code 0');
    expect(extensionExitReason(4, null)).toBe('exit code 4');
    expect(extensionExitReason(null, 'SIGKILL')).toBe('signal: killed');
  });
});

describe('buildEnvironment', () => {
  const env = buildEnvironment(snapshot, {
    runtimeApi: '127.0.0.1:1234',
    taskDir: '/task',
    optDir: '/opt-x',
    tmpDir: '/tmp-x',
    logStreamName: 'stream',
    platformEnv: { AWS_ACCESS_KEY_ID: 'platform', AWS_ENDPOINT_URL: 'http://127.0.0.1:9000' },
  });
  test('reserved variables win over the function’s; platform credentials win too', () => {
    expect(env.AWS_REGION).toBe('eu-west-1');
    expect(env.AWS_ACCESS_KEY_ID).toBe('platform');
    expect(env._X_AMZN_TRACE_ID).toBeUndefined();
    expect(env.AWS_EXECUTION_ENV).toBe('AWS_Lambda_nodejs22.x');
    expect(env.AWS_LAMBDA_FUNCTION_VERSION).toBe('3');
    expect(env.AWS_LAMBDA_RUNTIME_API).toBe('127.0.0.1:1234');
  });
  test('unreserved ones can be overridden; the emulator’s own environment is not inherited', () => {
    expect(env.A).toBe('1');
    expect(env.PATH).toBe('/custom');
    expect(env.AWS_ENDPOINT_URL).toBe('http://127.0.0.1:9000');
    expect(env.TMPDIR).toBe('/tmp-x');
    expect(process.env.VITEST).toBeDefined();
    expect(env.VITEST).toBeUndefined();
  });
});

describe('findBootstrap', () => {
  test('task first, then opt, else null', () => {
    const task = join(root, 'task');
    const opt = join(root, 'opt');
    mkdirSync(task, { recursive: true });
    mkdirSync(opt, { recursive: true });
    expect(findBootstrap(task, opt)).toBeNull();
    writeFileSync(join(opt, 'bootstrap'), '#!/bin/sh\n');
    chmodSync(join(opt, 'bootstrap'), 0o755);
    expect(findBootstrap(task, opt)).toBe(join(opt, 'bootstrap'));
    writeFileSync(join(task, 'bootstrap'), '#!/bin/sh\n');
    expect(findBootstrap(task, opt)).toBe(join(task, 'bootstrap'));
  });
});
