import type { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { addPermissionOnce } from './permissions.js';

/** The injected Lambda client: fails with the given errors in turn, then succeeds. */
function lambdaFailing(...errors: Error[]) {
  let calls = 0;
  const client = {
    async send() {
      calls++;
      const error = errors.shift();
      if (error) throw error;
      return {};
    },
  };
  return { client: client as unknown as LambdaClient, calls: () => calls };
}

const conflict = (message: string) =>
  Object.assign(new Error(message), { name: 'ResourceConflictException' });
const input = {
  FunctionName: 'f',
  StatementId: 's',
  Action: 'lambda:InvokeFunction',
  Principal: 's3.amazonaws.com',
};
const fast = { attempts: 3, baseDelayMs: 1 };

describe('addPermissionOnce', () => {
  it('treats "statement id already exists" as done', async () => {
    const { client, calls } = lambdaFailing(conflict('The statement id (s) provided already exists.'));
    await addPermissionOnce(client, input, fast);
    expect(calls()).toBe(1);
  });

  it('retries while an update is in progress', async () => {
    const busy = conflict(
      'The operation cannot be performed at this time. An update is in progress for resource: f',
    );
    const { client, calls } = lambdaFailing(busy, busy);
    await addPermissionOnce(client, input, fast);
    expect(calls()).toBe(3);
  });

  it('gives up after the attempts, and passes other errors through', async () => {
    const busy = () => conflict('An update is in progress for resource: f');
    await expect(
      addPermissionOnce(lambdaFailing(busy(), busy(), busy()).client, input, fast),
    ).rejects.toThrow(/update is in progress/);
    const denied = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    await expect(addPermissionOnce(lambdaFailing(denied).client, input, fast)).rejects.toBe(denied);
  });
});
