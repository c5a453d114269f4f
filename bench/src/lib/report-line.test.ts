import { expect, test } from 'vitest';
import { parseReport } from './report-line.js';

test('parseReport takes the last REPORT line; NaN for what it lacks', () => {
  const log = [
    'START RequestId: a Version: $LATEST',
    'REPORT RequestId: a\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\tInit Duration: 210.31 ms\t',
    'START RequestId: b Version: $LATEST',
    'REPORT RequestId: b\tDuration: 3.10 ms\tBilled Duration: 4 ms\tMemory Size: 512 MB\tMax Memory Used: 101 MB\t',
  ].join('\n');
  expect(parseReport(log)).toEqual({ initMs: Number.NaN, durationMs: 3.1, maxMemoryMb: 101 });
  expect(parseReport(log.split('\n').slice(0, 2).join('\n')).initMs).toBe(210.31);
  expect(parseReport('').maxMemoryMb).toBeNaN();
});
