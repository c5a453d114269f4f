import { describe, expect, it } from 'vitest';
import { formatJsonRecord, formatTextLine, patchConsole } from './log-patch.js';

const fixedNow = () => new Date('2026-11-25T10:00:00.000Z');

function capture(options: { format?: string; level?: string; requestId?: string }) {
  const lines: string[] = [];
  const target = {} as Console;
  patchConsole({
    format: options.format,
    level: options.level,
    getRequestId: () => options.requestId,
    write: (line) => lines.push(line),
    now: fixedNow,
    target,
  });
  return { lines, console: target as Console & { fatal: (...a: unknown[]) => void } };
}

describe('patchConsole', () => {
  it('writes text lines with timestamp, request ID, level, and newlines turned into \\r', () => {
    const { lines, console } = capture({ requestId: 'r1' });
    console.log('a\nb');
    console.warn('n=%d', 3);
    expect(lines).toEqual([
      '2026-11-25T10:00:00.000Z\tr1\tINFO\ta\rb\n',
      '2026-11-25T10:00:00.000Z\tr1\tWARN\tn=3\n',
    ]);
  });

  it('prints an unknown request ID literally as undefined (before the first invoke)', () => {
    const { lines, console } = capture({});
    console.info('boot');
    expect(lines[0]).toBe('2026-11-25T10:00:00.000Z\tundefined\tINFO\tboot\n');
  });

  it('writes JSON lines; a single object stays an object', () => {
    const { lines, console } = capture({ format: 'JSON', requestId: 'r2' });
    console.info({ x: 1 });
    expect(JSON.parse(lines[0] as string)).toEqual({
      timestamp: '2026-11-25T10:00:00.000Z',
      level: 'INFO',
      requestId: 'r2',
      message: { x: 1 },
    });
  });

  it('filters levels below AWS_LAMBDA_LOG_LEVEL, and adds console.fatal', () => {
    const { lines, console } = capture({ level: 'warn', requestId: 'r' });
    console.trace('t');
    console.debug('d');
    console.info('i');
    console.log('l');
    console.warn('w');
    console.error('e');
    console.fatal('f');
    expect(lines.map((l) => l.split('\t')[2])).toEqual(['WARN', 'ERROR', 'FATAL']);
  });
});

describe('formatJsonRecord', () => {
  it('serialises a lone Error with errorType, errorMessage and stackTrace', () => {
    const rec = JSON.parse(formatJsonRecord('t', 'ERROR', 'r', undefined, [new RangeError('bad')]));
    expect(rec.message).toMatchObject({ errorType: 'RangeError', errorMessage: 'bad' });
    expect(Array.isArray(rec.message.stackTrace)).toBe(true);
  });

  it('formats several arguments and lifts the first Error', () => {
    const rec = JSON.parse(formatJsonRecord('t', 'ERROR', 'r', 'tenant', ['failed:', new Error('x')]));
    expect(rec.message).toMatch(/^failed: Error: x/);
    expect(rec).toMatchObject({ errorType: 'Error', errorMessage: 'x', tenantId: 'tenant' });
  });

  it('falls back to util.format for a circular single argument', () => {
    const o: Record<string, unknown> = {};
    o.self = o;
    const rec = JSON.parse(formatJsonRecord('t', 'INFO', 'r', undefined, [o]));
    expect(rec.message).toContain('[Circular *1]');
  });
});

describe('formatTextLine', () => {
  it('keeps a multi-line message on one line', () => {
    expect(formatTextLine('t', 'INFO', 'r', ['x\ny\nz'])).toBe('t\tr\tINFO\tx\ry\rz');
  });
});
