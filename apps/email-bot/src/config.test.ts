import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';

const minimal = { EMAIL_BOT_ADDRESS: 'Bot@Example.com', AWS_REGION: 'eu-west-1' };

describe('loadConfig', () => {
  it('fills defaults from the two required variables', () => {
    expect(loadConfig(minimal)).toEqual({
      botAddress: 'bot@example.com',
      botName: 'Caprice',
      allowedAddresses: ['bot@example.com'],
      allowedDomains: [],
      bucket: undefined,
      keyPrefix: '',
      markerPrefix: 'email-bot-replied/',
      quote: true,
      capitalizeProbability: 0.5,
      trustedAuthservIds: ['amazonses.com'],
      replyLimits: [
        { count: 5, windowMs: 3_600_000, label: '5/1h' },
        { count: 20, windowMs: 86_400_000, label: '20/1d' },
      ],
      requireAlignment: 'relaxed',
      configurationSet: undefined,
      region: 'eu-west-1',
      s3Endpoint: undefined,
      sesEndpoint: undefined,
    });
  });

  it('reads every optional variable', () => {
    const config = loadConfig({
      ...minimal,
      EMAIL_BOT_NAME: 'Caprice Bot',
      EMAIL_BOT_ALLOWED_RECIPIENTS: 'bot@example.com, Help@example.com, @caprice.example',
      EMAIL_BOT_BUCKET: 'caprice-mail',
      EMAIL_BOT_KEY_PREFIX: 'inbound/',
      EMAIL_BOT_MARKER_PREFIX: 'replied/',
      EMAIL_BOT_QUOTE: 'false',
      EMAIL_BOT_CAPITALIZE_PROBABILITY: '0.3',
      EMAIL_BOT_TRUSTED_AUTHSERV_IDS: 'amazonses.com,mx.caprice.example',
      EMAIL_BOT_SES_CONFIGURATION_SET: 'bot',
      EMAIL_BOT_REPLY_LIMITS: '3/10m',
      EMAIL_BOT_S3_ENDPOINT: 'http://127.0.0.1:4566',
      EMAIL_BOT_SES_ENDPOINT: 'http://127.0.0.1:4566',
    });
    expect(config).toMatchObject({
      botName: 'Caprice Bot',
      allowedAddresses: ['bot@example.com', 'help@example.com'],
      allowedDomains: ['caprice.example'],
      bucket: 'caprice-mail',
      keyPrefix: 'inbound/',
      markerPrefix: 'replied/',
      quote: false,
      capitalizeProbability: 0.3,
      trustedAuthservIds: ['amazonses.com', 'mx.caprice.example'],
      configurationSet: 'bot',
      replyLimits: [{ count: 3, windowMs: 600_000, label: '3/10m' }],
      s3Endpoint: 'http://127.0.0.1:4566',
    });
    expect(loadConfig({ ...minimal, EMAIL_BOT_REPLY_LIMITS: 'off' }).replyLimits).toEqual([]);
    expect(loadConfig({ ...minimal, EMAIL_BOT_REQUIRE_ALIGNMENT: 'off' }).requireAlignment).toBe('off');
    expect(loadConfig({ ...minimal, EMAIL_BOT_REQUIRE_ALIGNMENT: ' Relaxed ' }).requireAlignment).toBe(
      'relaxed',
    );
  });

  it('falls back to the SDK endpoint variables (the emulator sets AWS_ENDPOINT_URL)', () => {
    const config = loadConfig({
      ...minimal,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9000',
      AWS_ENDPOINT_URL_SES: 'http://127.0.0.1:9001',
    });
    expect(config).toMatchObject({
      s3Endpoint: 'http://127.0.0.1:9000',
      sesEndpoint: 'http://127.0.0.1:9001',
    });
    expect(
      loadConfig({ ...minimal, AWS_ENDPOINT_URL: 'http://a:1', EMAIL_BOT_S3_ENDPOINT: 'http://b:2' })
        .s3Endpoint,
    ).toBe('http://b:2');
  });

  it.each<[string, Record<string, string | undefined>, string]>([
    ['no bot address', { EMAIL_BOT_ADDRESS: undefined }, 'EMAIL_BOT_ADDRESS'],
    ['a blank bot address', { EMAIL_BOT_ADDRESS: '  ' }, 'EMAIL_BOT_ADDRESS'],
    ['a bot address without @', { EMAIL_BOT_ADDRESS: 'bot' }, 'EMAIL_BOT_ADDRESS'],
    ['a bot address with a name', { EMAIL_BOT_ADDRESS: 'Bot <bot@example.com>' }, 'EMAIL_BOT_ADDRESS'],
    ['no region', { AWS_REGION: undefined }, 'AWS_REGION'],
    ['a bad region', { AWS_REGION: 'Ireland' }, 'AWS_REGION'],
    [
      'a bad recipient',
      { EMAIL_BOT_ALLOWED_RECIPIENTS: 'bot@example.com,nope' },
      'EMAIL_BOT_ALLOWED_RECIPIENTS',
    ],
    ['only commas as recipients', { EMAIL_BOT_ALLOWED_RECIPIENTS: ',,' }, 'EMAIL_BOT_ALLOWED_RECIPIENTS'],
    [
      'a marker prefix inside the key prefix',
      { EMAIL_BOT_KEY_PREFIX: 'in/', EMAIL_BOT_MARKER_PREFIX: 'in/done/' },
      'EMAIL_BOT_MARKER_PREFIX',
    ],
    ['a non-boolean quote', { EMAIL_BOT_QUOTE: 'maybe' }, 'EMAIL_BOT_QUOTE'],
    ['a probability above 1', { EMAIL_BOT_CAPITALIZE_PROBABILITY: '2' }, 'EMAIL_BOT_CAPITALIZE_PROBABILITY'],
    [
      'a probability that is not a number',
      { EMAIL_BOT_CAPITALIZE_PROBABILITY: 'half' },
      'EMAIL_BOT_CAPITALIZE_PROBABILITY',
    ],
    ['an empty authserv list', { EMAIL_BOT_TRUSTED_AUTHSERV_IDS: ' , ' }, 'EMAIL_BOT_TRUSTED_AUTHSERV_IDS'],
    ['a bad S3 endpoint', { EMAIL_BOT_S3_ENDPOINT: 'localhost:4566' }, 'EMAIL_BOT_S3_ENDPOINT'],
    ['a non-http SES endpoint', { EMAIL_BOT_SES_ENDPOINT: 'ftp://127.0.0.1' }, 'EMAIL_BOT_SES_ENDPOINT'],
    ['a bad AWS_ENDPOINT_URL', { AWS_ENDPOINT_URL: 'nope' }, 'AWS_ENDPOINT_URL'],
    ['a malformed reply limit', { EMAIL_BOT_REPLY_LIMITS: '5 per hour' }, 'EMAIL_BOT_REPLY_LIMITS'],
    ['a zero reply limit', { EMAIL_BOT_REPLY_LIMITS: '0/1h' }, 'EMAIL_BOT_REPLY_LIMITS'],
    ['two reply limits over one window', { EMAIL_BOT_REPLY_LIMITS: '5/1h,3/60m' }, 'EMAIL_BOT_REPLY_LIMITS'],
    ['an unknown alignment mode', { EMAIL_BOT_REQUIRE_ALIGNMENT: 'strict' }, 'EMAIL_BOT_REQUIRE_ALIGNMENT'],
    ['a boolean alignment mode', { EMAIL_BOT_REQUIRE_ALIGNMENT: 'false' }, 'EMAIL_BOT_REQUIRE_ALIGNMENT'],
    ['a two-line bot name', { EMAIL_BOT_NAME: 'Bot\nBcc: x@y.z' }, 'EMAIL_BOT_NAME'],
    // What the reply builder would refuse on every reply is refused at init instead.
    [
      'a bot address with a non-ASCII local part',
      { EMAIL_BOT_ADDRESS: 'jörg@example.com' },
      'EMAIL_BOT_ADDRESS',
    ],
    ['a bot address with a single-label domain', { EMAIL_BOT_ADDRESS: 'bot@localhost' }, 'EMAIL_BOT_ADDRESS'],
    ['a bot name with a 100-character word', { EMAIL_BOT_NAME: 'B'.repeat(100) }, 'EMAIL_BOT_NAME'],
    ['a bot name with an encoded-word look-alike', { EMAIL_BOT_NAME: 'Bot =?utf-8?q?x?=' }, 'EMAIL_BOT_NAME'],
  ])('fails on %s, naming the variable', (_name, change, variable) => {
    let error: unknown;
    try {
      loadConfig({ ...minimal, ...change });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toContain(variable);
  });
});
