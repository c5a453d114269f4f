/**
 * The ICU-generated DBCS tables against real iconv-lite 0.7.3 (the version libmime uses): every one- and two-byte
 * sequence of every double-byte codec (three-byte for EUC-JP's JIS X 0212), GB18030 four-byte sequences, and
 * seeded random byte strings decoded whole and streamed in random pieces.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dbcsEncodings } from './iconv-dbcs-data.js';
import { seededRandom } from './seeded-random.js';

interface Iconv {
  encodings: Record<string, unknown> | null;
  decode(buf: Buffer, encoding: string): string;
  getDecoder(encoding: string): { write(buf: Buffer): string; end(): string | undefined };
}

const require = createRequire(import.meta.url);
const real = require('iconv-lite') as Iconv;
const root = dirname(require.resolve('iconv-lite/package.json'));

/** A second iconv-lite instance whose encodings are iconv-lite's own except dbcs-data, which is ours. */
function shimmedIconv(dbcs: Record<string, unknown> = dbcsEncodings): Iconv {
  const lib = require.resolve('iconv-lite');
  const cached = require.cache[lib];
  delete require.cache[lib];
  const shim = require(lib) as Iconv;
  if (cached) require.cache[lib] = cached;
  const own = [
    'internal',
    'utf32',
    'utf16',
    'utf7',
    'sbcs-codec',
    'sbcs-data',
    'sbcs-data-generated',
    'dbcs-codec',
  ];
  shim.encodings = Object.assign(
    Object.create(null) as Record<string, unknown>,
    ...own.map((name) => require(join(root, 'encodings', name)) as Record<string, unknown>),
    dbcs,
  );
  return shim;
}

const shim = shimmedIconv();
const CODECS = ['shiftjis', 'eucjp', 'cp936', 'gbk', 'gb18030', 'cp949', 'cp950', 'big5hkscs'] as const;

/** Sequences where the two decoders differ, as "hex: iconv-lite / shim". */
function differences(codec: string, sequences: Iterable<number[]>): string[] {
  const out: string[] = [];
  for (const seq of sequences) {
    const buf = Buffer.from(seq);
    const a = real.decode(buf, codec);
    const b = shim.decode(buf, codec);
    if (a !== b) out.push(`${buf.toString('hex')}: ${JSON.stringify(a)} / ${JSON.stringify(b)}`);
  }
  return out;
}

function* oneAndTwoBytes(): Generator<number[]> {
  for (let a = 0; a < 256; a++) yield [a];
  for (let a = 0x80; a < 256; a++) for (let b = 0; b < 256; b++) yield [a, b];
}

describe('iconv-lite with ICU-generated DBCS tables', () => {
  it('has the same encoding names and aliases as iconv-lite 0.7.3', () => {
    const original = require(join(root, 'encodings', 'dbcs-data')) as Record<string, unknown>;
    expect(Object.keys(dbcsEncodings).sort()).toEqual([...Object.keys(original), '_lazyDbcs'].sort());
    expect(require(join(root, 'package.json')).version).toBe('0.7.3');
  });

  it('builds no table when only asked for the shared decoder class (what libmime does at load time)', () => {
    let tables = 0;
    const gbkDef = dbcsEncodings.gbk as { table: () => unknown };
    const counted = {
      ...dbcsEncodings,
      gbk: {
        ...gbkDef,
        table: () => {
          tables += 1;
          return gbkDef.table();
        },
      },
    };
    const fresh = shimmedIconv(counted) as Iconv & { getCodec(name: string): { decoder: unknown } };
    const gbk = fresh.getCodec('gbk');
    expect(gbk.decoder).toBe(fresh.getCodec('shiftjis').decoder);
    expect(gbk.decoder).not.toBe(fresh.getCodec('utf-16').decoder);
    expect(tables).toBe(0);
    expect(fresh.decode(Buffer.from([0xc4, 0xe3]), 'gbk')).toBe('你');
    expect(fresh.decode(Buffer.from([0xc4, 0xe3]), 'gbk')).toBe('你');
    expect(tables).toBe(1);
  });

  for (const codec of CODECS) {
    it(`decodes every 1- and 2-byte sequence of ${codec} like iconv-lite`, { timeout: 60_000 }, () => {
      expect(differences(codec, oneAndTwoBytes()).slice(0, 20)).toEqual([]);
    });
  }

  it('decodes every EUC-JP JIS X 0212 sequence (0x8F + 2 bytes) like iconv-lite', { timeout: 60_000 }, () => {
    function* threeBytes(): Generator<number[]> {
      for (let a = 0xa1; a <= 0xfe; a++) for (let b = 0x80; b <= 0xff; b++) yield [0x8f, a, b];
    }
    expect(differences('eucjp', threeBytes()).slice(0, 20)).toEqual([]);
  });

  it('decodes GB18030 four-byte sequences like iconv-lite', { timeout: 60_000 }, () => {
    function* fourBytes(): Generator<number[]> {
      for (let a = 0x81; a <= 0xfe; a += 3)
        for (let b = 0x30; b <= 0x39; b++)
          for (let c = 0x81; c <= 0xfe; c += 5) for (let d = 0x30; d <= 0x39; d++) yield [a, b, c, d];
    }
    expect(differences('gb18030', fourBytes()).slice(0, 20)).toEqual([]);
  });

  it('decodes random byte strings whole and streamed in random pieces like iconv-lite', {
    timeout: 60_000,
  }, () => {
    const next = seededRandom(0x5eed);
    for (const codec of CODECS) {
      for (let n = 0; n < 200; n++) {
        const bytes = Buffer.from(
          Array.from({ length: 1 + Math.floor(next() * 64) }, () =>
            next() < 0.3 ? Math.floor(next() * 128) : 0x80 + Math.floor(next() * 128),
          ),
        );
        expect(shim.decode(bytes, codec), `${codec} ${bytes.toString('hex')}`).toBe(
          real.decode(bytes, codec),
        );
        // Streamed in the same random pieces through both (iconv-lite's own streaming differs from its whole decode).
        const cuts: number[] = [];
        for (let at = 0; at < bytes.length; at += 1 + Math.floor(next() * 5)) cuts.push(at);
        const stream = (iconv: Iconv) => {
          const decoder = iconv.getDecoder(codec);
          let out = '';
          cuts.forEach((at, i) => {
            out += decoder.write(bytes.subarray(at, cuts[i + 1] ?? bytes.length));
          });
          return out + (decoder.end() ?? '');
        };
        expect(stream(shim), `${codec} streamed ${bytes.toString('hex')}`).toBe(stream(real));
      }
    }
  });
});
