import { describe, expect, it } from 'vitest';
import { parseInvocations, parseMailDecisions } from './log-parse.js';

const log = [
  'START RequestId: r1 Version: $LATEST',
  '2026-11-25T10:00:00.000Z\tr1\tINFO\thello',
  'END RequestId: r1',
  'REPORT RequestId: r1\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 61 MB\tInit Duration: 140.50 ms\t',
  'START RequestId: r2 Version: $LATEST',
  '{"time":"2026-11-25T10:00:01.000Z","level":"info","msg":"skipped","requestId":"r2","key":"inbound/a","decision":"skip","reason":"auto-submitted"}',
  'END RequestId: r2',
  'REPORT RequestId: r2\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 256 MB\tMax Memory Used: 70 MB\tStatus: timeout\tError Type: Sandbox.Timedout\t',
  'START RequestId: r3 Version: $LATEST',
  'still running',
  '',
].join('\n');

describe('parseInvocations', () => {
  it('reads REPORT figures and output lines, newest first, with running invokes on top', () => {
    const [r3, r2, r1] = parseInvocations(log);
    expect(r3).toEqual({ requestId: 'r3', lines: ['still running'], complete: false });
    expect(r2).toMatchObject({
      requestId: 'r2',
      durationMs: 3000,
      status: 'timeout',
      errorType: 'Sandbox.Timedout',
    });
    expect(r1).toMatchObject({
      requestId: 'r1',
      durationMs: 12.34,
      billedMs: 13,
      memorySizeMb: 256,
      maxMemoryUsedMb: 61,
      initDurationMs: 140.5,
      lines: ['2026-11-25T10:00:00.000Z\tr1\tINFO\thello'],
      complete: true,
    });
    expect(r1?.errorType).toBeUndefined();
  });

  it('keeps only the most recent invocations', () => {
    expect(parseInvocations(log, 1).map((i) => i.requestId)).toEqual(['r3']);
  });

  it('gives nothing for an empty log', () => {
    expect(parseInvocations('')).toEqual([]);
  });
});

describe('parseMailDecisions', () => {
  it('picks the bot’s decision lines, even behind a text-log prefix, and ignores other output', () => {
    const prefixed = `2026-11-25T10:00:02.000Z\tr4\tINFO\t{"msg":"replied","decision":"reply","key":"inbound/b"}`;
    const noise = 'console said "decision" but this is not JSON {';
    const decisions = parseMailDecisions(`${log}\n${prefixed}\n${noise}\n`);
    expect(decisions).toEqual([
      { decision: 'reply', key: 'inbound/b', msg: 'replied' },
      {
        time: '2026-11-25T10:00:01.000Z',
        requestId: 'r2',
        key: 'inbound/a',
        decision: 'skip',
        reason: 'auto-submitted',
        msg: 'skipped',
      },
    ]);
  });
});
