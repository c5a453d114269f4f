/**
 * Replaces `encoding-japanese` in the email bot's bundle (scripts/bundle-options.ts). libmime calls only
 * `convert(bytes, { to: 'UNICODE', from, type: 'string' })`, for charsets named like JIS, ISO-2022-JP or EUCJP
 * (iconv-lite has no ISO-2022-JP). This is encoding-japanese 2.5.0's JIS→UNICODE and EUCJP→UNICODE code path (its
 * escape handling, '?' for unmapped codes, its UTF-8 step), with the JIS X 0208 / 0212 tables read from ICU's
 * EUC-JP converter on first use instead of 90 KB of tables. Any other conversion throws, and libmime then falls
 * back to iconv-lite, as it does when encoding-japanese throws. `encoding-japanese.test.ts` compares it with the
 * real package on every code and on random input.
 *
 * Adapted from encoding-japanese (MIT, Copyright (c) polygonplanet): src/encoding-convert.js, src/util.js.
 */
import { icuRow } from './icu-tables.js';

const FALLBACK_CHARACTER = 63; // '?'

/** encoding-japanese's encoding names and aliases, in its order (the fuzzy match below depends on it). */
const ALIASES: Record<string, string> = {
  UTF32: 'UTF32',
  UTF32BE: 'UTF32BE',
  UCS4: 'UTF32BE',
  UTF32LE: 'UTF32LE',
  UTF16: 'UTF16',
  UTF16BE: 'UTF16BE',
  UCS2: 'UTF16BE',
  UTF16LE: 'UTF16LE',
  BINARY: 'BINARY',
  ASCII: 'ASCII',
  ISO646: 'ASCII',
  CP367: 'ASCII',
  JIS: 'JIS',
  ISO2022JP: 'JIS',
  UTF8: 'UTF8',
  EUCJP: 'EUCJP',
  SJIS: 'SJIS',
  CP932: 'SJIS',
  MSKANJI: 'SJIS',
  WINDOWS31J: 'SJIS',
  UNICODE: 'UNICODE',
};

/** encoding-japanese's `canonicalizeEncodingName`, fuzzy prefix/suffix match included. */
export function canonicalizeEncodingName(target: unknown): string {
  let name = '';
  const expect = `${String(target)}`.toUpperCase().replace(/[^A-Z0-9]+/g, '');
  let hit = 0;
  for (const encoding of Object.keys(ALIASES)) {
    if (encoding === expect) {
      name = encoding;
      break;
    }
    for (let j = hit; j < encoding.length; j++) {
      if (encoding.slice(0, j) === expect.slice(0, j) || encoding.slice(-j) === expect.slice(-j)) {
        name = encoding;
        hit = j;
      }
    }
  }
  return Object.hasOwn(ALIASES, name) ? (ALIASES[name] as string) : name;
}

/** A character as its UTF-8 bytes packed into one integer (encoding-japanese's table value), 0 when unmapped. */
function packUtf8(char: string | undefined): number {
  if (char === undefined) return 0;
  let packed = 0;
  for (const byte of Buffer.from(char, 'utf8')) packed = packed * 256 + byte;
  return packed;
}

// Where ICU's EUC-JP and encoding-japanese 2.5.0's tables disagree (the same on Node 20 and 24; the tests check every
// code): NEC row-13 duplicates and an IBM extension ICU maps but encoding-japanese leaves unmapped, and in JIS X 0212
// its ASCII tilde and the IBM extension row 0x73.
const JIS0208_UNMAPPED = [0x2d70, 0x2d71, 0x2d72, 0x2d75, 0x2d76, 0x2d77, 0x2d7a, 0x2d7b, 0x2d7c, 0x7c7b];
const JIS0212_OVERRIDES: [number, number][] = [
  [0x2237, 0x7e],
  ...Array.from({ length: 0x14 }, (_, i): [number, number] => [0x7321 + i, 0]),
  [0x7337, 0],
];

let jis0208: Float64Array | undefined;
let jis0212: Float64Array | undefined;

/** JIS code (row << 8 | cell, 0x21–0x7E each) → packed UTF-8, from ICU's EUC-JP (row/cell | 0x80, 0x8F for 0212). */
function buildTable(prefix: readonly number[]): Float64Array {
  const table = new Float64Array(0x10000);
  for (let row = 0x21; row <= 0x7e; row++) {
    icuRow('euc-jp', [...prefix, row | 0x80], 0xa1, 0xfe).forEach((char, i) => {
      table[(row << 8) | (0x21 + i)] = packUtf8(char);
    });
  }
  return table;
}

const jisToUtf8 = (jis: number): number => {
  if (!jis0208) {
    jis0208 = buildTable([]);
    for (const code of JIS0208_UNMAPPED) jis0208[code] = 0;
  }
  return jis0208[jis] ?? 0;
};
const jisx0212ToUtf8 = (jis: number): number => {
  if (!jis0212) {
    jis0212 = buildTable([0x8f]);
    for (const [code, utf8] of JIS0212_OVERRIDES) jis0212[code] = utf8;
  }
  return jis0212[jis] ?? 0;
};

/** Writes a packed UTF-8 value as encoding-japanese does (two bytes below 0xFFFF, else three). */
function pushPacked(out: number[], utf8: number, allowAscii: boolean): void {
  if (allowAscii && utf8 < 0x80) {
    out.push(utf8);
  } else if (utf8 < 0xffff) {
    out.push((utf8 >> 8) & 0xff, utf8 & 0xff);
  } else {
    out.push((utf8 >> 16) & 0xff, (utf8 >> 8) & 0xff, utf8 & 0xff);
  }
}

/** encoding-japanese's JISToUTF8 (ISO-2022-JP with JIS X 0208, half-width katakana and JIS X 0212 escapes). */
function jisToUtf8Bytes(data: Uint8Array): number[] {
  let index = 0;
  const len = data.length;
  const out: number[] = [];
  for (let i = 0; i < len; i++) {
    while (data[i] === 0x1b) {
      if ((data[i + 1] === 0x24 && data[i + 2] === 0x42) || (data[i + 1] === 0x24 && data[i + 2] === 0x40)) {
        index = 1;
      } else if (data[i + 1] === 0x28 && data[i + 2] === 0x49) {
        index = 2;
      } else if (data[i + 1] === 0x24 && data[i + 2] === 0x28 && data[i + 3] === 0x44) {
        index = 3;
        i++;
      } else {
        index = 0;
      }
      i += 3;
      if (data[i] === undefined) return out;
    }
    if (index === 1) {
      const jis = ((data[i] as number) << 8) + (data[++i] as number);
      const utf8 = Number.isNaN(jis) ? 0 : jisToUtf8(jis);
      if (!utf8) out.push(FALLBACK_CHARACTER);
      else pushPacked(out, utf8, false);
    } else if (index === 2) {
      const b2 = (data[i] as number) + 0x40;
      out.push(0xef, (0xbc | ((b2 >> 6) & 0x03)) & 0xff, (0x80 | (b2 & 0x3f)) & 0xff);
    } else if (index === 3) {
      const jis = ((data[i] as number) << 8) + (data[++i] as number);
      const utf8 = Number.isNaN(jis) ? 0 : jisx0212ToUtf8(jis);
      if (!utf8) out.push(FALLBACK_CHARACTER);
      else pushPacked(out, utf8, true);
    } else {
      out.push((data[i] as number) & 0xff);
    }
  }
  return out;
}

/** encoding-japanese's EUCJPToUTF8. */
function eucjpToUtf8Bytes(data: Uint8Array): number[] {
  const len = data.length;
  const out: number[] = [];
  for (let i = 0; i < len; i++) {
    const b = data[i] as number;
    if (b === 0x8e) {
      const b2 = (data[++i] as number) - 0x40;
      out.push(0xef, (0xbc | ((b2 >> 6) & 0x03)) & 0xff, (0x80 | (b2 & 0x3f)) & 0xff);
    } else if (b === 0x8f) {
      const j2 = (data[++i] as number) - 0x80;
      const j3 = (data[++i] as number) - 0x80;
      const jis = (j2 << 8) + j3;
      const utf8 = Number.isNaN(jis) ? 0 : jisx0212ToUtf8(jis);
      if (!utf8) out.push(FALLBACK_CHARACTER);
      else pushPacked(out, utf8, true);
    } else if (b >= 0x80) {
      const jis = ((b - 0x80) << 8) + ((data[++i] as number) - 0x80);
      const utf8 = Number.isNaN(jis) ? 0 : jisToUtf8(jis);
      if (!utf8) out.push(FALLBACK_CHARACTER);
      else pushPacked(out, utf8, false);
    } else {
      out.push(data[i] as number);
    }
  }
  return out;
}

/** encoding-japanese's UTF8ToUNICODE then codeToString: lenient UTF-8 decoding into UTF-16 code units. */
function utf8BytesToString(data: readonly number[]): string {
  const codes = new Uint16Array(data.length * 2);
  let n = 0;
  let i = 0;
  while (i < data.length) {
    const c = data[i++] as number;
    const nibble = c >> 4;
    let code: number;
    if (nibble >= 0 && nibble <= 7) {
      code = c;
    } else if (nibble === 12 || nibble === 13) {
      const c2 = data[i++] as number;
      code = ((c & 0x1f) << 6) | (c2 & 0x3f);
    } else if (nibble === 14) {
      const c2 = data[i++] as number;
      const c3 = data[i++] as number;
      code = ((c & 0x0f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
    } else if (nibble === 15) {
      const c2 = data[i++] as number;
      const c3 = data[i++] as number;
      const c4 = data[i++] as number;
      code = ((c & 0x7) << 18) | ((c2 & 0x3f) << 12) | ((c3 & 0x3f) << 6) | (c4 & 0x3f);
    } else {
      continue; // a continuation byte without a lead byte
    }
    if (code <= 0xffff) {
      codes[n++] = code;
    } else {
      code -= 0x10000;
      codes[n++] = (code >> 10) + 0xd800;
      codes[n++] = (code % 0x400) + 0xdc00;
    }
  }
  let text = '';
  for (let at = 0; at < n; at += 8192)
    text += String.fromCharCode(...codes.subarray(at, Math.min(n, at + 8192)));
  return text;
}

/** The options libmime passes. */
export interface ConvertOptions {
  to: string;
  from: string;
  type?: string;
}

/** Thrown for any conversion besides JIS/EUCJP → UNICODE string; libmime then decodes with iconv-lite. */
export class UnsupportedConversionError extends Error {
  readonly code = 'SHIM_UNSUPPORTED_CONVERSION';
  constructor(from: string, to: string) {
    super(
      `The bundled encoding-japanese shim converts only JIS/ISO-2022-JP and EUC-JP to a UNICODE string, not ${from} to ${to}; use the real package for other conversions`,
    );
    this.name = 'UnsupportedConversionError';
  }
}

/** `Encoding.convert(data, { to: 'UNICODE', from: 'ISO-2022-JP' | 'EUCJP…', type: 'string' })`. */
export function convert(data: Uint8Array | string, options: ConvertOptions): string {
  const from = canonicalizeEncodingName(options.from);
  const to = canonicalizeEncodingName(options.to);
  if (
    to !== 'UNICODE' ||
    `${options.type}`.toLowerCase() !== 'string' ||
    (from !== 'JIS' && from !== 'EUCJP')
  ) {
    throw new UnsupportedConversionError(String(options.from), String(options.to));
  }
  // encoding-japanese reads a string as its char codes; libmime always passes bytes.
  const bytes =
    typeof data === 'string' ? Uint8Array.from(data, (c) => c.charCodeAt(0)) : (data ?? new Uint8Array());
  return utf8BytesToString(from === 'JIS' ? jisToUtf8Bytes(bytes) : eucjpToUtf8Bytes(bytes));
}

/** What libmime's `import encodingJapanese from 'encoding-japanese'` receives (see scripts/bundle-options.ts). */
export const encodingJapanese = { convert };
