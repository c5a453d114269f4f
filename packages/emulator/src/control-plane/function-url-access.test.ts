import { describe, expect, it } from 'vitest';
import type { PolicyStatement } from '../store/lambda-store.js';
import { publicUrlAllowed } from './function-url-access.js';

const RESOURCE = 'arn:aws:lambda:us-east-1:000000000000:function:f';
const urlStatement: PolicyStatement = {
  Sid: 'url',
  Effect: 'Allow',
  Principal: '*',
  Action: 'lambda:InvokeFunctionUrl',
  Resource: RESOURCE,
  Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } },
};
const invokeStatement: PolicyStatement = {
  Sid: 'invoke',
  Effect: 'Allow',
  Principal: '*',
  Action: 'lambda:InvokeFunction',
  Resource: RESOURCE,
  Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } },
};

describe('publicUrlAllowed', () => {
  it('needs both the InvokeFunctionUrl and the InvokeFunction statement for principal *', () => {
    expect(publicUrlAllowed([])).toBe(false);
    expect(publicUrlAllowed([urlStatement])).toBe(false);
    expect(publicUrlAllowed([invokeStatement])).toBe(false);
    expect(publicUrlAllowed([urlStatement, invokeStatement])).toBe(true);
  });

  it('accepts lambda:* for anyone without conditions', () => {
    expect(publicUrlAllowed([{ ...urlStatement, Action: 'lambda:*', Condition: {} }])).toBe(true);
  });

  it('does not apply statements for another auth type, another principal or unknown conditions', () => {
    const iam = { ...urlStatement, Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } };
    expect(publicUrlAllowed([iam, invokeStatement])).toBe(false);
    const account = { ...urlStatement, Principal: { AWS: 'arn:aws:iam::111122223333:root' } };
    expect(publicUrlAllowed([account, invokeStatement])).toBe(false);
    const sourceArn = { ...invokeStatement, Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::b' } } };
    expect(publicUrlAllowed([urlStatement, sourceArn])).toBe(false);
  });
});
