import type { STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { stackForTarget } from './deploy.js';

describe('stackForTarget', () => {
  /** The injected STS client: answers GetCallerIdentity for `account`, counts calls. */
  const sts = (account: string) => {
    const calls: string[] = [];
    const client = {
      async send(command: { constructor: { name: string } }) {
        calls.push(command.constructor.name);
        return { Account: account, Arn: `arn:aws:iam::${account}:user/deployer`, UserId: 'AIDA' };
      },
    } as unknown as STSClient;
    return { client, calls };
  };

  it('locally keeps the emulator’s account and asks STS nothing', async () => {
    const { client, calls } = sts('123456789012');
    const stack = await stackForTarget({}, { local: true, sts: client });
    expect(stack.account).toBe('000000000000');
    expect(calls).toEqual([]);
  });

  it('on AWS takes the account of the credentials: role ARN and account follow', async () => {
    const { client, calls } = sts('123456789012');
    const stack = await stackForTarget({}, { local: false, sts: client });
    expect(calls).toEqual(['GetCallerIdentityCommand']);
    expect(stack.account).toBe('123456789012');
    expect(stack.functions.map((f) => f.role)).toEqual([
      'arn:aws:iam::123456789012:role/caprice-lambda',
      'arn:aws:iam::123456789012:role/caprice-lambda',
    ]);
    expect(stack.stagingBucket).toBe('caprice-deploy-123456789012-us-east-1');
  });

  it('on AWS refuses CAPRICE_ACCOUNT naming another account than the credentials’, before any change', async () => {
    const { client } = sts('123456789012');
    await expect(
      stackForTarget({ CAPRICE_ACCOUNT: '210987654321' }, { local: false, sts: client }),
    ).rejects.toMatchObject({
      code: 'INFRA_STACK_INVALID',
      message:
        'Invalid stack: account is "210987654321" (CAPRICE_ACCOUNT), but the credentials belong to account 123456789012; unset CAPRICE_ACCOUNT or use credentials for that account (AWS_PROFILE)',
    });
    expect(
      (await stackForTarget({ CAPRICE_ACCOUNT: '123456789012' }, { local: false, sts: client })).account,
    ).toBe('123456789012');
  });
});
