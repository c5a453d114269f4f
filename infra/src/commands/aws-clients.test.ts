import { describe, expect, it } from 'vitest';
import { createClients, explainAwsError } from './aws-clients.js';

describe('explainAwsError', () => {
  it('says what to do about missing credentials, never printing any', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    expect(explainAwsError(error, undefined)).toMatchObject({
      code: 'INFRA_NO_CREDENTIALS',
      message: expect.stringMatching(/AWS_PROFILE.*aws sso login.*--target local/),
    });
  });

  it('names the region when AWS has no endpoint for it', () => {
    const error = Object.assign(new Error('getaddrinfo ENOTFOUND lambda.mars-north-9.amazonaws.com'), {
      code: 'ENOTFOUND',
    });
    expect(explainAwsError(error, undefined, 'mars-north-9')).toMatchObject({
      code: 'INFRA_UNKNOWN_REGION',
      message: expect.stringMatching(/"mars-north-9".*--region/),
    });
  });

  it('does not blame the region when DNS itself did not answer (offline)', () => {
    const error = Object.assign(new Error('getaddrinfo EAI_AGAIN lambda.eu-west-1.amazonaws.com'), {
      code: 'EAI_AGAIN',
    });
    expect(explainAwsError(error, undefined, 'eu-west-1')).toMatchObject({
      code: 'INFRA_NETWORK',
      message: expect.stringMatching(/"eu-west-1".*DNS did not answer.*network/),
    });
  });

  it('points at the deployer policy when AWS denies a call', () => {
    const error = Object.assign(new Error('not authorized to perform: lambda:CreateFunction'), {
      name: 'AccessDeniedException',
    });
    expect(explainAwsError(error, undefined)).toMatchObject({
      code: 'INFRA_ACCESS_DENIED',
      message: expect.stringContaining('infra/README.md'),
    });
  });

  it('leaves other errors as they are', () => {
    const error = new Error('something else');
    expect(explainAwsError(error, undefined)).toBe(error);
  });
});

describe('createClients', () => {
  it('points every client at the emulator for --target local, with throwaway credentials', async () => {
    const clients = createClients({ target: 'local', region: 'us-east-1' });
    try {
      expect(clients.endpoint).toBe('http://127.0.0.1:9000');
      expect(await clients.apigw.config.credentials()).toMatchObject({ accessKeyId: 'caprice-local' });
    } finally {
      clients.destroy();
    }
  });

  it('refuses an endpoint that is not a URL, naming it and showing one that is', () => {
    expect(() => createClients({ endpoint: '127.0.0.1 9000', region: 'us-east-1' })).toThrow(
      expect.objectContaining({
        code: 'CAPRICE_INVALID_OPTION',
        message: 'Invalid --endpoint "127.0.0.1 9000": expected a URL such as http://127.0.0.1:9000',
      }),
    );
  });

  it('refuses an unknown target', () => {
    expect(() => createClients({ target: 'mars', region: 'us-east-1' })).toThrow(/expected aws or local/);
  });
});
