import { describe, expect, it } from 'vitest';
import { buildContext, type CompletionHooks, readFunctionEnvironment } from './context.js';

const fn = readFunctionEnvironment({
  AWS_LAMBDA_FUNCTION_NAME: 'f',
  AWS_LAMBDA_FUNCTION_VERSION: '7',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
  AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/f',
  AWS_LAMBDA_LOG_STREAM_NAME: 's',
});

function hooks() {
  const calls: Array<[unknown, unknown]> = [];
  const h: CompletionHooks = { complete: (e, r) => calls.push([e, r]) };
  return { h, calls };
}

describe('buildContext', () => {
  it('takes request fields from headers and function fields from the environment', () => {
    // Prepare
    let now = 1_000;
    const { h } = hooks();
    // Act
    const ctx = buildContext(
      {
        'lambda-runtime-aws-request-id': 'id-1',
        'lambda-runtime-invoked-function-arn': 'arn:x',
        'lambda-runtime-deadline-ms': '5000',
        'lambda-runtime-client-context': '{"custom":{"a":1}}',
        'lambda-runtime-aws-tenant-id': 'tenant-9',
      },
      fn,
      h,
      () => now,
    );
    // Assess
    expect(ctx).toMatchObject({
      awsRequestId: 'id-1',
      invokedFunctionArn: 'arn:x',
      functionName: 'f',
      functionVersion: '7',
      memoryLimitInMB: '128',
      logGroupName: '/aws/lambda/f',
      logStreamName: 's',
      clientContext: { custom: { a: 1 } },
      identity: undefined,
      tenantId: 'tenant-9',
    });
    expect(ctx.getRemainingTimeInMillis()).toBe(4000);
    now = 1_500;
    expect(ctx.getRemainingTimeInMillis()).toBe(3500);
  });

  it('defaults callbackWaitsForEmptyEventLoop to true and routes succeed/fail/done to the hooks', () => {
    const { h, calls } = hooks();
    const ctx = buildContext({ 'lambda-runtime-deadline-ms': '0' }, fn, h);
    expect(ctx.callbackWaitsForEmptyEventLoop).toBe(true);
    ctx.succeed(1);
    ctx.fail(new Error('e'));
    ctx.fail(undefined);
    ctx.done(null, 2);
    expect(calls[0]).toEqual([null, 1]);
    expect(calls[1]?.[0]).toBeInstanceOf(Error);
    expect((calls[1] as [Error, unknown])[0].message).toBe('e');
    expect(calls[2]).toEqual(['handled', undefined]);
    expect(calls[3]).toEqual([null, 2]);
  });

  it('rejects an unparsable client context with a clear message', () => {
    const { h } = hooks();
    expect(() => buildContext({ 'lambda-runtime-client-context': '{bad' }, fn, h)).toThrow(
      /Cannot parse ClientContext as json/,
    );
  });
});
