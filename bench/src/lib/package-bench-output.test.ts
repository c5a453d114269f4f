import { describe, expect, test } from 'vitest';
import { parseCapitalizeOutput, parseMimeOutput } from './package-bench-output.js';

describe('package bench output parsers', () => {
  test('capitalize markdown rows', () => {
    const out = [
      'machine: AMD EPYC, 2 CPUs',
      '| input | size | randomCapitalize MB/s | toUpperCase MB/s | ratio (CPU) | ratio (wall) |',
      '|---|---:|---:|---:|---:|---:|',
      '| ASCII | 10.5 MB | 339 / 619 | 1224 / 1845 | 0.28× | 0.25× |',
      '| mixed (Latin, Greek, Cyrillic, CJK, emoji) | 10.5 MB | 182 / 277 | 266 / 277 | 0.68× | 0.70× |',
      '| randomCapitalize(ascii) | 0.334 / 0.309 |',
    ].join('\n');
    expect(parseCapitalizeOutput(out)).toEqual([
      { input: 'ASCII', ours: 339, upper: 1224, ratioCpu: 0.28, ratioWall: 0.25 },
      {
        input: 'mixed (Latin, Greek, Cyrillic, CJK, emoji)',
        ours: 182,
        upper: 266,
        ratioCpu: 0.68,
        ratioWall: 0.7,
      },
    ]);
  });

  test('mime console.table rows', () => {
    const out = [
      '┌─────────┬─────────┬───────────────┬─────────────────┬────────┬─────────────────┬───────────────────┐',
      '│ (index) │ body    │ buildReply ms │ MailComposer ms │ ratio  │ buildReply MB/s │ MailComposer MB/s │',
      '├─────────┼─────────┼───────────────┼─────────────────┼────────┼─────────────────┼───────────────────┤',
      "│ 0       │ '1 KB'  │ '0.578'       │ '0.479'         │ '1.20' │ '3.4'           │ '4.1'             │",
      "│ 2       │ '10 MB' │ '881.790'     │ '772.674'       │ '1.14' │ '22.7'          │ '25.9'            │",
      '└─────────┴─────────┴───────────────┴─────────────────┴────────┴─────────────────┴───────────────────┘',
    ].join('\n');
    expect(parseMimeOutput(out)).toEqual([
      { body: '1 KB', oursMs: 0.578, directMs: 0.479, ratio: 1.2 },
      { body: '10 MB', oursMs: 881.79, directMs: 772.674, ratio: 1.14 },
    ]);
  });
});
