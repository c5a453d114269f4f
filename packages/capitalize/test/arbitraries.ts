import fc from 'fast-check';

/** Characters whose case handling is easy to get wrong (see the README's Unicode rule). */
export const TRICKY_CHARACTERS = [
  'ß', // upper is "SS"
  'ẞ', // lower is ß, which does not round-trip
  'ŉ', // upper is "ʼN"
  'ǰ', // upper is "J̌"
  'ΐ', // upper is three code points
  'ǅ', // titlecase
  'ǆ',
  'Ǆ',
  'ſ', // long s: upper S, lower(S) = s
  '\u212a', // Kelvin sign: lower k, upper(k) = K
  '\u212b', // Angstrom sign
  '\u2126', // Ohm sign
  'µ', // micro sign: upper Greek Μ
  'ı', // dotless i
  'İ', // lower is "i̇"
  'Σ',
  'σ',
  'ς', // Final_Sigma: lower(Σ) depends on the context
  'ͅ', // combining ypogegrammeni: upper Ι
  '\u0301', // combining acute
  '\u0307',
  'é',
  'ÿ', // upper Ÿ is outside Latin-1
  'ǈ',
  'ǉ',
  'Ϊ',
  'ж',
  'Ж',
  'ﬀ', // ligature: upper "FF"
  '𐐨', // Deseret, astral
  '𐐀',
  '𞤀', // Adlam
  '😀',
  '👍🏽',
  '\u200d',
  '\ud800', // lone high surrogate
  '\udc00', // lone low surrogate
  '1',
  ' ',
];

/** Any single code point, surrogate halves included (so strings may contain lone surrogates). */
export const anyCodePoint = fc
  .integer({ min: 0, max: 0x10ffff })
  .map((cp) => (cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp)));

/** Code points from scripts with case: Latin, Greek, Cyrillic, Armenian, Georgian, Deseret… */
const casedRanges = fc.oneof(
  fc.integer({ min: 0x41, max: 0x7a }),
  fc.integer({ min: 0xc0, max: 0x24f }),
  fc.integer({ min: 0x370, max: 0x52f }),
  fc.integer({ min: 0x531, max: 0x587 }),
  fc.integer({ min: 0x10a0, max: 0x10ff }),
  fc.integer({ min: 0x1c80, max: 0x1cbf }),
  fc.integer({ min: 0x1e00, max: 0x1fff }),
  fc.integer({ min: 0x2c00, max: 0x2c7f }),
  fc.integer({ min: 0xa640, max: 0xa7ff }),
  fc.integer({ min: 0x10400, max: 0x104ff }),
  fc.integer({ min: 0x1e900, max: 0x1e94b }),
);

/** One unit of test text, weighted towards letters and tricky characters. */
export const textUnit = fc.oneof(
  { arbitrary: anyCodePoint, weight: 2 },
  { arbitrary: fc.constantFrom(...TRICKY_CHARACTERS), weight: 3 },
  { arbitrary: casedRanges.map((cp) => String.fromCodePoint(cp)), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), weight: 4 },
);

/** Any text, long enough to reach the buffer-based paths (> 256 UTF-16 units) as well as the small one. */
export const anyText = fc.string({ unit: textUnit, maxLength: 700 });

/** Pure ASCII text (control characters included), up to a length that uses the SWAR path. */
export const asciiText = fc.string({
  unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
  maxLength: 1500,
});

/** A seed option value. */
export const seed = fc.oneof(fc.integer(), fc.string({ minLength: 1, maxLength: 12 }));

/** Split `text` at the given UTF-16 offsets (which may fall inside surrogate pairs). */
export function splitAt(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(text.slice(from, point));
    from = point;
  }
  chunks.push(text.slice(from));
  return chunks;
}
