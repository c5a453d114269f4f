import { describe, expect, test } from 'vitest';
import { AwsServiceError } from '../http/aws-error.js';
import { decodeClientContext } from './invoke-api.js';

describe('decodeClientContext', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  test('absent → undefined; valid base64 JSON object → decoded text', () => {
    expect(decodeClientContext(undefined)).toBeUndefined();
    expect(decodeClientContext(b64('{"custom":{"k":"v"}}'))).toBe('{"custom":{"k":"v"}}');
  });
  test.each([
    ['not base64', '%%%'],
    ['bad padding', 'abc'],
    ['not JSON', b64('hello')],
    ['JSON but not an object', b64('[1]')],
    ['too long', b64(JSON.stringify({ x: 'y'.repeat(3000) }))],
  ])('%s → 400 InvalidRequestContentException', (_name, value) => {
    try {
      decodeClientContext(value);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AwsServiceError);
      expect((err as AwsServiceError).status).toBe(400);
      expect((err as AwsServiceError).type).toBe('InvalidRequestContentException');
    }
  });
});
