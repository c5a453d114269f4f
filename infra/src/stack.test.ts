import { describe, expect, it } from 'vitest';
import { defineStack } from '../stack.js';
import { StackConfigError } from './deploy/errors.js';

describe('defineStack', () => {
  it('describes the layer, both functions and both triggers with embedded defaults', () => {
    const stack = defineStack({});
    expect(stack.region).toBe('us-east-1');
    expect(stack.functions.map((f) => [f.name, f.app, f.architecture])).toEqual([
      ['caprice-http-api', 'http-api', 'x86_64'],
      ['caprice-email-bot', 'email-bot', 'x86_64'],
    ]);
    expect(stack.triggers.email?.recipients).toEqual(['bot@caprice.localhost']);
    expect(stack.triggers.http?.function).toBe('caprice-http-api');
  });

  it('takes overrides from the environment', () => {
    const stack = defineStack({
      CAPRICE_REGION: 'eu-west-1',
      CAPRICE_ACCOUNT: '123456789012',
      CAPRICE_ARCH: 'arm64',
      CAPRICE_CAPRICE_HTTP_API_MEMORY: '1024',
    });
    expect(stack.region).toBe('eu-west-1');
    expect(stack.functions[0]).toMatchObject({ memorySize: 1024, architecture: 'arm64' });
    expect(stack.functions[0]?.role).toBe('arn:aws:iam::123456789012:role/caprice-lambda');
    expect(stack.layer.architectures).toEqual(['arm64']);
  });

  it("passes the bot's reply limit through only when set (the bot validates it at init)", () => {
    const bot = (env: Record<string, string>) => defineStack(env).functions[1]?.environment ?? {};
    expect(bot({})).not.toHaveProperty('EMAIL_BOT_REPLY_LIMITS');
    expect(bot({ CAPRICE_EMAIL_REPLY_LIMITS: '50/1h' })).toMatchObject({ EMAIL_BOT_REPLY_LIMITS: '50/1h' });
  });

  it.each([
    [{ CAPRICE_REGION: 'mars' }, /region is "mars"/],
    [{ CAPRICE_ACCOUNT: '12' }, /account is "12"/],
    [{ CAPRICE_ARCH: 'ppc' }, /architecture is "ppc"/],
    [{ CAPRICE_CAPRICE_EMAIL_BOT_TIMEOUT: '901' }, /timeout is 901/],
    [{ CAPRICE_CAPRICE_EMAIL_BOT_TIMEOUT: 'soon' }, /must be a whole number, got "soon"/],
    [{ CAPRICE_ROLE_ARN: 'admin' }, /role is "admin"/],
  ])('refuses %j with a message naming the value', (env, message) => {
    expect(() => defineStack(env)).toThrow(StackConfigError);
    expect(() => defineStack(env)).toThrow(message);
  });
});
