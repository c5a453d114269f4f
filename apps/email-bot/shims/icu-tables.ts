/**
 * Decode tables for iconv-lite's double-byte codecs, generated on first use from the ICU converters in Node's
 * full-ICU build (`TextDecoder`) instead of shipping iconv-lite's JSON tables in the bundle. The output is a list
 * of iconv-lite "chunks" (`[hexAddress, chars...]`), the format its DBCS codec builds its decode trie from, so
 * decoding (including its handling of malformed input) stays iconv-lite's own code.
 */

/** iconv-lite's table chunk: a hex start address, then strings of consecutive characters (or run lengths). */
export type Chunk = [string, ...(string | number)[]];

const hex = (bytes: readonly number[]): string =>
  bytes.map((b, i) => (i === 0 ? b.toString(16) : b.toString(16).padStart(2, '0'))).join('');

/** One decoded character for a byte sequence, or undefined when ICU does not map it to a single non-ASCII char. */
function single(segment: string): string | undefined {
  if (segment.length === 1) {
    const code = segment.charCodeAt(0);
    // ASCII means ICU dropped the lead and re-read the trail; U+0FF1..U+0FFF are iconv-lite's sequence markers.
    if (code < 0x80 || code === 0xfffd || (code > 0x0ff0 && code <= 0x0fff)) return undefined;
    if (code >= 0xd800 && code < 0xe000) return undefined;
    return segment;
  }
  if (segment.length === 2) {
    const hi = segment.charCodeAt(0);
    const lo = segment.charCodeAt(1);
    if (hi >= 0xd800 && hi < 0xdc00 && lo >= 0xdc00 && lo < 0xe000) return segment;
  }
  return undefined;
}

/**
 * Decodes `prefix + t` for every trail byte t in [from, to] with ICU's converter `label`, one row per call
 * (each sequence followed by a newline, which no double-byte sequence contains), and returns the characters.
 */
export function icuRow(
  label: string,
  prefix: readonly number[],
  from: number,
  to: number,
): (string | undefined)[] {
  const decoder = new TextDecoder(label);
  const width = prefix.length + 2;
  const count = to - from + 1;
  const bytes = new Uint8Array(count * width);
  for (let t = from, at = 0; t <= to; t++, at += width) {
    bytes.set(prefix, at);
    bytes[at + prefix.length] = t;
    bytes[at + prefix.length + 1] = 0x0a;
  }
  const segments = decoder.decode(bytes).split('\n');
  if (segments.length === count + 1) return segments.slice(0, count).map(single);
  // An error swallowed a newline: fall back to one call per sequence.
  const out: (string | undefined)[] = [];
  for (let t = from; t <= to; t++) out.push(single(decoder.decode(Uint8Array.from([...prefix, t]))));
  return out;
}

/** Chunks for every `prefix × [from, to]` sequence ICU maps to one character (runs of consecutive addresses joined). */
export function icuChunks(
  label: string,
  prefixes: readonly (readonly number[])[],
  from: number,
  to: number,
): Chunk[] {
  const chunks: Chunk[] = [];
  for (const prefix of prefixes) {
    const row = icuRow(label, prefix, from, to);
    let run: Chunk | undefined;
    row.forEach((char, i) => {
      if (char === undefined) {
        run = undefined;
      } else if (run) {
        run[1] = `${run[1] as string}${char}`;
      } else {
        run = [hex([...prefix, from + i]), char];
        chunks.push(run);
      }
    });
  }
  return chunks;
}

/** [from, to] inclusive as an array of numbers. */
export const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * CP949 (Unified Hangul Code) = EUC-KR plus the 8,822 Hangul syllables KS X 1001 lacks, placed in Unicode order
 * at lead 0x81–0xC6, trail 0x41–0x5A / 0x61–0x7A / 0x81–0xFE (leads from 0xA1 only up to trail 0xA0). ICU's
 * `euc-kr` has only KS X 1001, so the extension is computed from the syllables missing there.
 */
export function uhcChunks(ksx1001: readonly Chunk[]): Chunk[] {
  const inKsx = new Set<number>();
  for (const chunk of ksx1001)
    for (const part of chunk.slice(1))
      if (typeof part === 'string') for (const c of part) inKsx.add(c.codePointAt(0) ?? 0);
  const missing: number[] = [];
  for (let code = 0xac00; code <= 0xd7a3; code++) if (!inKsx.has(code)) missing.push(code);
  const chunks: Chunk[] = [];
  let next = 0;
  for (let lead = 0x81; lead <= 0xc6 && next < missing.length; lead++) {
    const trails = [...range(0x41, 0x5a), ...range(0x61, 0x7a), ...range(0x81, lead <= 0xa0 ? 0xfe : 0xa0)];
    let run: Chunk | undefined;
    let previous = -2;
    for (const trail of trails) {
      if (next >= missing.length) break;
      const char = String.fromCharCode(missing[next++] ?? 0);
      if (run && trail === previous + 1) run[1] = `${run[1] as string}${char}`;
      else {
        run = [hex([lead, trail]), char];
        chunks.push(run);
      }
      previous = trail;
    }
  }
  return chunks;
}
