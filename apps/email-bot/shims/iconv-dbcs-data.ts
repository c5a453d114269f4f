/**
 * Replaces iconv-lite's `encodings/dbcs-data.js` in the email bot's bundle (scripts/bundle-options.ts): the same
 * encodings and aliases, decoded by iconv-lite's own DBCS codec, but with decode tables generated on first use from
 * the ICU converters of Node's full-ICU build instead of 0.4 MB of JSON tables. Only three small tables stay: the
 * GB18030 four-byte ranges, GBK's additions (which cp936 lacks) and Big5-HKSCS's additions (ICU's big5 is cp950).
 * `iconv-dbcs-data.test.ts` checks every one- and two-byte sequence (three for EUC-JP) against real iconv-lite.
 */
import big5Added from 'iconv-lite/encodings/tables/big5-added.json' with { type: 'json' };
import gb18030Ranges from 'iconv-lite/encodings/tables/gb18030-ranges.json' with { type: 'json' };
import gbkAdded from 'iconv-lite/encodings/tables/gbk-added.json' with { type: 'json' };
import { type Chunk, icuChunks, range, uhcChunks } from './icu-tables.js';

/** iconv-lite's Big5-HKSCS encoder skips (Encoding Standard's index-big5-pointer steps 1 and 2). */
const BIG5_ENCODE_SKIP = [
  0x8e69, 0x8e6f, 0x8e7e, 0x8eab, 0x8eb4, 0x8ecd, 0x8ed0, 0x8f57, 0x8f69, 0x8f6e, 0x8fcb, 0x8ffe, 0x906d,
  0x907a, 0x90c4, 0x90dc, 0x90f1, 0x91bf, 0x92af, 0x92b0, 0x92b1, 0x92b2, 0x92d1, 0x9447, 0x94ca, 0x95d9,
  0x96fc, 0x9975, 0x9b76, 0x9b78, 0x9b7b, 0x9bc6, 0x9bde, 0x9bec, 0x9bf6, 0x9c42, 0x9c53, 0x9c62, 0x9c68,
  0x9c6b, 0x9c77, 0x9cbc, 0x9cbd, 0x9cd0, 0x9d57, 0x9d5a, 0x9dc4, 0x9def, 0x9dfb, 0x9ea9, 0x9eef, 0x9efd,
  0x9f60, 0x9fcb, 0xa077, 0xa0dc, 0xa0df, 0x8fcc, 0x92c8, 0x9644, 0x96ed, 0xa2a4, 0xa2a5, 0xa2a7, 0xa2a6,
  0xa2cc, 0xa2ce,
];

const ASCII: Chunk = ['0', '\u0000', 127];

/** iconv-lite's DBCS codec class (`encodings._dbcs`) and what a codec's decoder/encoder constructors receive. */
type CodecClass = new (options: Record<string, unknown>, iconv: IconvLike) => CodecLike;
interface CodecLike {
  decoder: new (options: unknown, codec: CodecLike) => unknown;
  encoder: new (options: unknown, codec: CodecLike) => unknown;
}
interface IconvLike {
  encodings: Record<string, unknown> | null;
}

/**
 * A DBCS codec that builds iconv-lite's real one (and so generates its table) only when a decoder or encoder is
 * first made. libmime asks for `getCodec('gbk')` at load time just to learn which decoder class the double-byte
 * codecs share; building GBK's table there would cost init time for every mail. All these codecs share one
 * decoder class, as iconv-lite's do, so that identity check still holds.
 */
class LazyDbcsCodec {
  #real: CodecLike | undefined;
  constructor(
    private readonly options: Record<string, unknown>,
    private readonly iconv: IconvLike,
  ) {}

  real(): CodecLike {
    if (this.#real === undefined) {
      const Dbcs = this.iconv.encodings?._dbcs as CodecClass | undefined;
      if (typeof Dbcs !== 'function') throw new TypeError("iconv-lite's _dbcs codec is missing");
      this.#real = new Dbcs(this.options, this.iconv);
    }
    return this.#real;
  }

  static Decoder = function LazyDbcsDecoder(options: unknown, codec: LazyDbcsCodec) {
    const real = codec.real();
    return new real.decoder(options, real);
  } as unknown as new (
    options: unknown,
    codec: LazyDbcsCodec,
  ) => unknown;

  static Encoder = function LazyDbcsEncoder(options: unknown, codec: LazyDbcsCodec) {
    const real = codec.real();
    return new real.encoder(options, real);
  } as unknown as new (
    options: unknown,
    codec: LazyDbcsCodec,
  ) => unknown;

  get decoder() {
    return LazyDbcsCodec.Decoder;
  }

  get encoder() {
    return LazyDbcsCodec.Encoder;
  }
}

/** Generated once per codec, on first use (iconv-lite caches the codec it builds from it). */
function once(build: () => Chunk[]): () => Chunk[] {
  let table: Chunk[] | undefined;
  return () => {
    table ??= build();
    return table;
  };
}

// Shift_JIS leads without 0xF9 (ICU maps all its user-defined cells to private use, iconv-lite's table stops at 0xF940).
const sjisLeads = [...range(0x81, 0x9f), ...range(0xe0, 0xf8), ...range(0xfa, 0xfc)].map((b) => [b]);
const shiftjis = once(() => [
  ['0', '\u0000', 128],
  ['a1', '\uff61', 62],
  ...icuChunks('shift_jis', sjisLeads, 0x40, 0xfc),
  ...icuChunks('shift_jis', [[0xf9]], 0x40, 0x40),
]);

// EUC-JP: JIS X 0208, half-width katakana (0x8E 0xA1–0xDF) and JIS X 0212 (0x8F + two bytes, without the IBM
// extension rows 0xF3–0xFE, which iconv-lite does not map).
const eucjp = once(() => [
  ASCII,
  ...icuChunks(
    'euc-jp',
    range(0xa1, 0xfe).map((b) => [b]),
    0xa1,
    0xfe,
  ),
  ...icuChunks('euc-jp', [[0x8e]], 0xa1, 0xdf),
  ...icuChunks(
    'euc-jp',
    range(0xa1, 0xf2).map((b) => [0x8f, b]),
    0xa1,
    0xfe,
  ),
]);

const gbAddresses = new Set<number>();
for (const chunk of gbkAdded as Chunk[]) {
  let at = Number.parseInt(chunk[0], 16);
  for (const part of chunk.slice(1)) at += typeof part === 'number' ? part : [...part].length;
  for (let a = Number.parseInt(chunk[0], 16); a < at; a++) gbAddresses.add(a);
}
/** ICU's gb18030 two-byte table: GBK, from which cp936 is GBK without iconv-lite's GBK additions. */
const icuGbk = once(() =>
  icuChunks(
    'gb18030',
    range(0x81, 0xfe).map((b) => [b]),
    0x40,
    0xfe,
  ),
);
const cp936 = once(() => [
  ['0', '\u0000', 127, '\u20ac'],
  ...icuGbk().flatMap((chunk) => splitOut(chunk, gbAddresses)),
]);
const gbk = once(() => [...cp936(), ...(gbkAdded as Chunk[])]);

// CP949: KS X 1001 from ICU's euc-kr without its user-defined rows 0xC9 and 0xFE, the two characters KS X 1001:1998
// added (ICU in Node 20 lacks them), and the UHC extension computed from the syllables KS X 1001 lacks.
const cp949 = once(() => {
  const ksx = icuChunks(
    'euc-kr',
    [...range(0xa1, 0xc8), ...range(0xca, 0xfd)].map((b) => [b]),
    0xa1,
    0xfe,
  );
  return [ASCII, ...ksx, ['a2e6', '\u20ac\u00ae'] as Chunk, ...uhcChunks(ksx)];
});

// CP950: ICU's big5 without the user-defined areas (leads 0x81–0xA0, 0xC6A1–0xC8FE, 0xFA–0xFE → private use).
const cp950 = once(() => [
  ASCII,
  ...icuChunks(
    'big5',
    range(0xa1, 0xc5).map((b) => [b]),
    0x40,
    0xfe,
  ),
  ...icuChunks('big5', [[0xc6]], 0x40, 0x7e),
  ...icuChunks(
    'big5',
    range(0xc9, 0xf9).map((b) => [b]),
    0x40,
    0xfe,
  ),
]);

/** A chunk without the addresses in `drop` (split into the runs around them). */
function splitOut(chunk: Chunk, drop: ReadonlySet<number>): Chunk[] {
  const start = Number.parseInt(chunk[0], 16);
  const chars = [...(chunk[1] as string)];
  const out: Chunk[] = [];
  let run: Chunk | undefined;
  chars.forEach((char, i) => {
    if (drop.has(start + i)) run = undefined;
    else if (run) run[1] = `${run[1] as string}${char}`;
    else {
      run = [(start + i).toString(16), char];
      out.push(run);
    }
  });
  return out;
}

/** The encodings of iconv-lite 0.7.3's dbcs-data.js, same names, aliases and encoder options (plus the lazy codec type). */
export const dbcsEncodings: Record<string, unknown> = {
  _lazyDbcs: LazyDbcsCodec,
  shiftjis: {
    type: '_lazyDbcs',
    table: shiftjis,
    encodeAdd: { '\u00a5': 0x5c, '\u203E': 0x7e },
    encodeSkipVals: [{ from: 0xed40, to: 0xf940 }],
  },
  csshiftjis: 'shiftjis',
  mskanji: 'shiftjis',
  sjis: 'shiftjis',
  windows31j: 'shiftjis',
  ms31j: 'shiftjis',
  xsjis: 'shiftjis',
  windows932: 'shiftjis',
  ms932: 'shiftjis',
  932: 'shiftjis',
  cp932: 'shiftjis',
  eucjp: { type: '_lazyDbcs', table: eucjp, encodeAdd: { '\u00a5': 0x5c, '\u203E': 0x7e } },
  gb2312: 'cp936',
  gb231280: 'cp936',
  gb23121980: 'cp936',
  csgb2312: 'cp936',
  csiso58gb231280: 'cp936',
  euccn: 'cp936',
  windows936: 'cp936',
  ms936: 'cp936',
  936: 'cp936',
  cp936: { type: '_lazyDbcs', table: cp936 },
  gbk: { type: '_lazyDbcs', table: gbk },
  xgbk: 'gbk',
  isoir58: 'gbk',
  gb18030: {
    type: '_lazyDbcs',
    table: gbk,
    gb18030: () => gb18030Ranges,
    encodeSkipVals: [0x80],
    encodeAdd: { '€': 0xa2e3 },
  },
  chinese: 'gb18030',
  windows949: 'cp949',
  ms949: 'cp949',
  949: 'cp949',
  cp949: { type: '_lazyDbcs', table: cp949 },
  cseuckr: 'cp949',
  csksc56011987: 'cp949',
  euckr: 'cp949',
  isoir149: 'cp949',
  korean: 'cp949',
  ksc56011987: 'cp949',
  ksc56011989: 'cp949',
  ksc5601: 'cp949',
  windows950: 'cp950',
  ms950: 'cp950',
  950: 'cp950',
  cp950: { type: '_lazyDbcs', table: cp950 },
  big5: 'big5hkscs',
  big5hkscs: {
    type: '_lazyDbcs',
    table: () => [...cp950(), ...(big5Added as Chunk[])],
    encodeSkipVals: BIG5_ENCODE_SKIP,
  },
  cnbig5: 'big5hkscs',
  csbig5: 'big5hkscs',
  xxbig5: 'big5hkscs',
};
