import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

describe('createLogger', () => {
  it('writes one JSON object per line with time, level, message, base and child fields, errors flattened', () => {
    const lines: string[] = [];
    const logger = createLogger({
      write: (l) => lines.push(l),
      now: () => new Date(0),
      base: { app: 'email-bot' },
    });
    logger
      .child({ requestId: 'r1' })
      .log('error', 'failed', { error: Object.assign(new Error('boom'), { code: 'X' }) });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'error',
      msg: 'failed',
      app: 'email-bot',
      requestId: 'r1',
      error: { name: 'Error', message: 'boom', code: 'X' },
    });
  });
});
