/**
 * The encoding-japanese shim against the real encoding-japanese 2.5.0 (the version libmime uses), on every
 * JIS X 0208 / JIS X 0212 / half-width katakana code in ISO-2022-JP and EUC-JP form, and on seeded random input.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { canonicalizeEncodingName, convert, UnsupportedConversionError } from './encoding-japanese.js';
import { seededRandom } from './seeded-random.js';

interface EncodingJapanese {
  convert(data: Uint8Array, options: { to: string; from: string; type: string }): string;
}
const require = createRequire(import.meta.url);
const real = require('encoding-japanese') as EncodingJapanese;

const ESC = 0x1b;
const toJis0208 = [ESC, 0x24, 0x42];
const toJis0212 = [ESC, 0x24, 0x28, 0x44];
const toKana = [ESC, 0x28, 0x49];
const toAscii = [ESC, 0x28, 0x42];

/** Inputs where shim and real differ, as "hex: real / shim". */
function differences(from: string, inputs: Iterable<number[]>): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    const bytes = Uint8Array.from(input);
    const a = real.convert(bytes, { to: 'UNICODE', from, type: 'string' });
    const b = convert(bytes, { to: 'UNICODE', from, type: 'string' });
    if (a !== b)
      out.push(`${Buffer.from(bytes).toString('hex')}: ${JSON.stringify(a)} / ${JSON.stringify(b)}`);
  }
  return out;
}

function* rows(prefix: number[], suffix: number[], from: number, to: number): Generator<number[]> {
  for (let row = from; row <= to; row++) {
    const line: number[] = [...prefix];
    for (let cell = from; cell <= to; cell++) line.push(row, cell);
    yield [...line, ...suffix];
  }
}

describe('encoding-japanese shim', () => {
  it('is compared with encoding-japanese 2.5.0', () => {
    expect(require('encoding-japanese/package.json').version).toBe('2.5.0');
  });

  it('resolves names like encoding-japanese', () => {
    for (const name of [
      'ISO-2022-JP',
      'iso2022jp',
      'ISO-2022-JP-2',
      'JIS',
      'jis7',
      'EUCJP',
      'EUCJP-MS',
      'eucjpms',
      'x',
      '',
    ]) {
      const expected = (
        require('encoding-japanese/src/util.js') as { canonicalizeEncodingName(n: string): string }
      ).canonicalizeEncodingName(name);
      expect(canonicalizeEncodingName(name), name).toBe(expected);
    }
  });

  it('decodes every JIS X 0208 code in ISO-2022-JP like encoding-japanese', () => {
    expect(differences('ISO-2022-JP', rows(toJis0208, toAscii, 0x20, 0x7f)).slice(0, 10)).toEqual([]);
  });

  it('decodes every JIS X 0212 code (ESC $ ( D) like encoding-japanese', () => {
    expect(differences('ISO-2022-JP', rows(toJis0212, toAscii, 0x20, 0x7f)).slice(0, 10)).toEqual([]);
  });

  it('decodes half-width katakana (ESC ( I) like encoding-japanese', () => {
    const kana = [
      ...toKana,
      ...Array.from({ length: 256 }, (_, i) => i).filter((b) => b !== ESC),
      ...toAscii,
    ];
    expect(differences('JIS', [kana])).toEqual([]);
  });

  it('decodes every EUC-JP code (two bytes, 0x8E kana, 0x8F JIS X 0212) like encoding-japanese', () => {
    const kana = Array.from({ length: 128 }, (_, i) => [0x8e, 0x80 + i]).flat();
    const inputs = [...rows([], [], 0xa0, 0xff), ...rows([], [], 0x80, 0xff)];
    const x0212 = [...rows([], [], 0xa1, 0xfe)].map((line) =>
      line.flatMap((b, i) => (i % 2 === 0 ? [0x8f, b] : [b])),
    );
    expect(differences('EUCJP', [kana, ...inputs, ...x0212]).slice(0, 10)).toEqual([]);
  });

  it('decodes random bytes with escape sequences like encoding-japanese (JIS and EUCJP)', () => {
    const next = seededRandom(0xc0ffee);
    const escapes = [toJis0208, toJis0212, toKana, toAscii, [ESC, 0x24, 0x40], [ESC], [ESC, 0x24]];
    const inputs: number[][] = [];
    for (let n = 0; n < 2000; n++) {
      const input: number[] = [];
      const length = Math.floor(next() * 40);
      while (input.length < length) {
        const r = next();
        if (r < 0.1) input.push(...(escapes[Math.floor(next() * escapes.length)] ?? []));
        else if (r < 0.7) input.push(0x21 + Math.floor(next() * 94));
        else input.push(Math.floor(next() * 256));
      }
      inputs.push(input);
    }
    expect(differences('ISO-2022-JP', inputs).slice(0, 10)).toEqual([]);
    expect(differences('EUCJP', inputs).slice(0, 10)).toEqual([]);
  });

  it('throws for conversions libmime does not ask for (it then falls back to iconv-lite)', () => {
    const bytes = Uint8Array.from([0x41]);
    expect(() => convert(bytes, { to: 'UNICODE', from: 'SJIS', type: 'string' })).toThrow(
      UnsupportedConversionError,
    );
    expect(() => convert(bytes, { to: 'UTF8', from: 'JIS', type: 'string' })).toThrow(/only JIS/);
    expect(() => convert(bytes, { to: 'UNICODE', from: 'JIS', type: 'array' })).toThrow(
      UnsupportedConversionError,
    );
  });
});
