import { describe, expect, it } from 'vitest';
import { awsTimestamp, DEFAULT_LIMITS, requestLimit, requestTooLarge } from './lambda-control-plane.js';

describe('AWS quotas', () => {
  it('derives the 69905067-byte request limit AWS reports for a 50 MB direct upload', () => {
    expect(requestLimit(DEFAULT_LIMITS.zippedBytes)).toBe(69_905_067);
    expect(requestTooLarge(DEFAULT_LIMITS.zippedBytes, 'CreateFunction').message).toBe(
      'Request must be smaller than 69905067 bytes for the CreateFunction operation',
    );
    expect(DEFAULT_LIMITS.unzippedBytes).toBe(262_144_000);
  });

  it('formats timestamps like Lambda (milliseconds, +0000)', () => {
    expect(awsTimestamp(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)))).toBe('2024-01-02T03:04:05.006+0000');
  });
});
