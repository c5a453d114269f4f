/**
 * A seeded byte-level mutator for raw mail. Deterministic for a seed, so a failing case is reproduced by its
 * seed and index (printed by the fuzz test).
 */

/** mulberry32: small, fast, good enough for choosing mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = (s: string) => Buffer.from(s, 'latin1');

/** Fragments that hit the parser's interesting paths: folding, encoded words, boundaries, charsets, NULs. */
const TOKENS: Buffer[] = [
  '\r\n',
  '\n',
  '\r',
  '\r\n\r\n',
  '\0',
  '\xff\xfe',
  ':',
  ';',
  '=?',
  '?=',
  '=?utf-8?B?',
  '=?iso-8859-1?Q?=E9=',
  '=?x-unknown?Q?abc?=',
  '--',
  '\r\n--',
  'boundary="',
  '"',
  '<',
  '>',
  '@',
  ',',
  '\\',
  ' ',
  '\t',
  '=\r\n',
  '=ZZ',
  'Content-Type: multipart/mixed; boundary=x\r\n',
  'Content-Type: text/plain; charset=bogus-charset\r\n',
  'Content-Transfer-Encoding: base64\r\n',
  'Content-Transfer-Encoding: quoted-printable\r\n',
  'Content-Type: message/rfc822\r\n',
  '\r\n--x\r\nContent-Type: text/html\r\n\r\n<b>x</b>\r\n--x--\r\n',
  'From: \r\n',
  'To: ,,,@,<>\r\n',
  'Subject: =?utf-8?B?!!!?=\r\n',
  'Reply-To: "a\r\n b" <x@y>\r\n',
  'Message-ID: <<<>>>\r\n',
  '\u00e9\u00e8',
].map((t) => enc(t));

export interface Mutation {
  name: string;
  apply(input: Buffer, rand: () => number): Buffer;
}

const int = (rand: () => number, n: number) => Math.floor(rand() * n);
const pick = <T>(rand: () => number, items: readonly T[]): T => items[int(rand, items.length)] as T;

export const MUTATIONS: Mutation[] = [
  { name: 'truncate', apply: (b, r) => b.subarray(0, int(r, b.length + 1)) },
  {
    name: 'flip-bytes',
    apply: (b, r) => {
      const out = Buffer.from(b);
      const n = 1 + int(r, 16);
      for (let i = 0; i < n && out.length > 0; i++) out[int(r, out.length)] = int(r, 256);
      return out;
    },
  },
  {
    name: 'insert-token',
    apply: (b, r) => {
      const at = int(r, b.length + 1);
      return Buffer.concat([b.subarray(0, at), pick(r, TOKENS), b.subarray(at)]);
    },
  },
  {
    name: 'insert-random',
    apply: (b, r) => {
      const at = int(r, b.length + 1);
      const junk = Buffer.alloc(1 + int(r, 64));
      for (let i = 0; i < junk.length; i++) junk[i] = int(r, 256);
      return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
    },
  },
  {
    name: 'delete-span',
    apply: (b, r) => {
      const at = int(r, b.length + 1);
      const len = int(r, Math.min(512, b.length - at) + 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
    },
  },
  {
    name: 'duplicate-span',
    apply: (b, r) => {
      const at = int(r, b.length + 1);
      const len = int(r, Math.min(256, b.length - at) + 1);
      const span = b.subarray(at, at + len);
      const times = 1 + int(r, 8);
      return Buffer.concat([
        b.subarray(0, at + len),
        ...Array.from({ length: times }, () => span),
        b.subarray(at + len),
      ]);
    },
  },
  {
    name: 'line-endings',
    apply: (b, r) => {
      const s = b.toString('latin1');
      const to = pick(r, ['\n', '\r', '\r\r\n', '\n\r']);
      return enc(s.replace(/\r?\n/g, to));
    },
  },
  {
    name: 'swap-lines',
    apply: (b, r) => {
      const lines = b.toString('latin1').split('\n');
      if (lines.length < 2) return b;
      const i = int(r, lines.length);
      const j = int(r, lines.length);
      [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
      return enc(lines.join('\n'));
    },
  },
  {
    name: 'long-line',
    apply: (b, r) => {
      const at = int(r, b.length + 1);
      const fill = Buffer.alloc(1000 + int(r, 30_000), pick(r, ['a', '=', ' ', '\t', ';', '(']));
      return Buffer.concat([b.subarray(0, at), fill, b.subarray(at)]);
    },
  },
  {
    name: 'deep-nesting',
    apply: (b, r) => {
      // Nested multiparts, past mailparser's maxChildNodes guard sometimes.
      const depth = 1 + int(r, 300);
      const parts: string[] = [];
      for (let i = 0; i < depth; i++)
        parts.push(`Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`);
      const at = b.indexOf('\r\n\r\n');
      const cut = at < 0 ? b.length : at + 2;
      return Buffer.concat([b.subarray(0, cut), enc(parts.join('')), b.subarray(cut)]);
    },
  },
];

/** Applies 1–4 random mutations; returns the mutated bytes and the names applied. */
export function mutate(input: Buffer, rand: () => number): { bytes: Buffer; applied: string[] } {
  let bytes = input;
  const applied: string[] = [];
  const n = 1 + int(rand, 4);
  for (let i = 0; i < n; i++) {
    const m = pick(rand, MUTATIONS);
    bytes = m.apply(bytes, rand);
    applied.push(m.name);
  }
  return { bytes, applied };
}
