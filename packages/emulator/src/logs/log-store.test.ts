import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { encodeLogTail, formatReportLine, LOG_TAIL_BYTES, LogStore } from './log-store.js';

const root = mkdtempSync(join(tmpdir(), 'caprice-logs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('REPORT line in CloudWatch order with tabs', () => {
  expect(
    formatReportLine({
      requestId: 'id',
      durationMs: 1.234,
      billedMs: 2,
      memorySizeMb: 128,
      maxMemoryUsedMb: 40,
      initDurationMs: 100,
    }),
  ).toBe(
    'REPORT RequestId: id\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 100.00 ms\t\n',
  );
});

test('the tail is the last 4096 bytes, base64', () => {
  const text = `${'a'.repeat(5000)}END`;
  const tail = Buffer.from(encodeLogTail(text), 'base64').toString();
  expect(tail).toHaveLength(LOG_TAIL_BYTES);
  expect(tail.endsWith('aEND')).toBe(true);
  expect(Buffer.from(encodeLogTail('short'), 'base64').toString()).toBe('short');
});

test('per-function files; nothing logged reads as empty; writes stop after close', () => {
  const store = new LogStore(root);
  expect(store.readLogs('f')).toBe('');
  store.append('f', 'one\n');
  store.append('g/h', 'two\n');
  expect(store.readLogs('f')).toBe('one\n');
  expect(store.readLogs('g/h')).toBe('two\n');
  store.close();
  store.append('f', 'late\n');
  expect(store.readLogs('f')).toBe('one\n');
});

test('a log file removed underneath the store is started again (checked at most once a second)', async () => {
  const dir = mkdtempSync(join(root, 'gone-'));
  const store = new LogStore(dir);
  store.append('f', 'one\n');
  rmSync(join(dir, 'logs'), { recursive: true, force: true });
  // Within the check interval the line goes to the open (removed) file; poll until the store notices.
  let seen = '';
  for (let i = 0; i < 300 && seen === ''; i++) {
    store.append('f', 'two\n');
    seen = store.readLogs('f');
    if (seen === '') await new Promise((r) => setTimeout(r, 10));
  }
  expect(seen).toBe('two\n');
  store.close();
});

test('appendSoon: written with the next line of the function, on readLogs, on close, or on its own shortly', async () => {
  const dir = mkdtempSync(join(root, 'soon-'));
  const store = new LogStore(dir);
  store.appendSoon('f', 'START\n');
  store.append('f', 'out\n');
  expect(store.readLogs('f')).toBe('START\nout\n');
  store.appendSoon('f', 'START2\n');
  // readLogs never misses a line that is waiting.
  expect(store.readLogs('f')).toBe('START\nout\nSTART2\n');
  store.appendSoon('g', 'alone\n');
  const file = store.pathFor('g');
  const { readFileSync } = await import('node:fs');
  const onDisk = () => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  // Poll the file itself (not readLogs, which would write it): the timer writes it on its own.
  for (let i = 0; i < 300 && onDisk() === ''; i++) await new Promise((r) => setTimeout(r, 10));
  expect(onDisk()).toBe('alone\n');
  store.appendSoon('h', 'last\n');
  store.close();
  expect(store.readLogs('h')).toBe('last\n');
});
