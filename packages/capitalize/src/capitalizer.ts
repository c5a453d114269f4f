/**
 * The engine shared by the one-shot, streaming and HTML entry points: a stateful {@link Capitalizer} that decides
 * each toggleable letter's case in text order, so the output depends only on the options and the sequence of
 * letters, never on how the text was split into calls.
 *
 * Random consumption (part of the seeded output contract):
 * - `probability` 0.5 with the built-in generator: one **bit** per letter, taken least-significant first from
 *   consecutive sfc32 outputs (letter i uses bit i % 32 of output ⌊i / 32⌋); bit 1 = upper case.
 * - any other probability with the built-in generator: one sfc32 output `u` per letter; upper iff
 *   `u < probability · 2^32`.
 * - an injected `random`: one call per letter; upper iff `random() < probability`.
 * - `probability` 0 or 1: no randomness is consumed at all.
 * Only toggleable letters (see `case-table.ts`) consume randomness; everything else is copied.
 * @module
 */

import { HIGH_SURROGATE_ENTRY, planeTable } from './case-table.js';
import { CapitalizeRangeError, CapitalizeTypeError } from './errors.js';
import { createSfc32, normalizeSeed, type Seed, type Sfc32 } from './prng.js';

/** Options shared by every entry point. */
export interface CapitalizeOptions {
  /**
   * Makes the output deterministic: the same seed, probability and text always give the same output, on every
   * platform. Numbers are hashed by their `String()` form (`42` ≡ `"42"`). Cannot be combined with `random`.
   */
  seed?: Seed;
  /** Probability that a letter comes out upper case, from 0 to 1 inclusive. Default 0.5. */
  probability?: number;
  /**
   * Your own source of randomness returning numbers in [0, 1), called once per letter (e.g. `Math.random`, or a
   * fake in tests). Cannot be combined with `seed`.
   */
  random?: () => number;
}

/** Incremental capitalization: feed text in pieces, get exactly what a single call on the whole text returns. */
export interface Capitalizer {
  /**
   * Capitalizes the next piece of text. A trailing high surrogate is held back until the next call (or
   * {@link Capitalizer.flush}) so a pair split across pieces is still treated as one code point.
   */
  push(chunk: string): string;
  /** Returns whatever {@link Capitalizer.push} held back (at most one lone high surrogate), unchanged. */
  flush(): string;
}

const MODE_BITS = 0;
const MODE_THRESHOLD = 1;
const MODE_CALLBACK = 2;
const MODE_CONSTANT = 3;

/** Up to this many UTF-16 units, text goes through a reused scratch buffer instead of fresh memory. */
const SMALL_INPUT = 256;
/** Prefix length checked first by {@link isAscii}. */
const ASCII_PROBE = 1024;
/** `String.fromCharCode.apply` argument-count limit used by the non-Node fallback. */
const FROM_CHAR_CODE_CHUNK = 8192;

type NodeBuffer = {
  from(arrayBuffer: ArrayBuffer, byteOffset?: number, length?: number): NodeBufferInstance;
  byteLength(s: string, encoding: 'utf8'): number;
};
type NodeBufferInstance = {
  [index: number]: number;
  write(s: string, offset: number, encoding: 'latin1' | 'utf16le'): number;
  toString(encoding: 'latin1' | 'utf16le', start: number, end: number): string;
};

// Buffer is a Node global, not an import: where it is missing (browsers, workers) the pure-JS path runs instead.
const NodeBufferClass = (globalThis as { Buffer?: NodeBuffer }).Buffer;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const BUFFER_PATHS = NodeBufferClass !== undefined && LITTLE_ENDIAN;

/**
 * SWAR tables for the ASCII path, which handles 4 bytes per 32-bit word. `pattern` has bit j set when byte lane j
 * (bits 8j..8j+7 of the word) holds a letter. POPCOUNT[pattern] is how many random bits the word needs;
 * DEPOSIT[pattern << 4 | bits] places those bits, in text order, as 0x20 in the lanes to upper-case.
 */
const POPCOUNT = new Uint8Array(16);
const DEPOSIT = new Uint32Array(256);
for (let pattern = 0; pattern < 16; pattern++) {
  let count = 0;
  for (let lane = 0; lane < 4; lane++) if (pattern & (1 << lane)) count++;
  POPCOUNT[pattern] = count;
  for (let bits = 0; bits < 1 << count; bits++) {
    let mask = 0;
    let next = 0;
    for (let textByte = 0; textByte < 4; textByte++) {
      const lane = LITTLE_ENDIAN ? textByte : 3 - textByte;
      if ((pattern & (1 << lane)) === 0) continue;
      if (bits & (1 << next)) mask |= 0x20 << (8 * lane);
      next++;
    }
    DEPOSIT[(pattern << 4) | bits] = mask >>> 0;
  }
}

/** Validates options once and returns the decision state. */
function resolveOptions(options: unknown, parameter: string) {
  if (options === undefined) return { mode: MODE_BITS, probability: 0.5, rng: createSfc32(undefined) };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new CapitalizeTypeError(
      parameter,
      'an options object like { seed: 42, probability: 0.5 }',
      options,
    );
  }
  const { seed, probability = 0.5, random } = options as Record<string, unknown>;
  if (typeof probability !== 'number') {
    throw new CapitalizeTypeError(`${parameter}.probability`, 'a number from 0 to 1 (e.g. 0.5)', probability);
  }
  if (!(probability >= 0 && probability <= 1)) {
    throw new CapitalizeRangeError(
      `${parameter}.probability`,
      'a number from 0 to 1 (e.g. 0.5)',
      probability,
    );
  }
  if (random !== undefined && typeof random !== 'function') {
    throw new CapitalizeTypeError(`${parameter}.random`, 'a function returning numbers in [0, 1)', random);
  }
  const seedText = seed === undefined ? undefined : normalizeSeed(seed, `${parameter}.seed`);
  if (seedText !== undefined && random !== undefined) {
    throw new CapitalizeTypeError(
      `${parameter}.random`,
      'no random function when a seed is given (pass either seed or random, not both)',
      random,
    );
  }
  if (probability === 0 || probability === 1) return { mode: MODE_CONSTANT, probability, rng: undefined };
  if (random !== undefined) {
    return { mode: MODE_CALLBACK, probability, rng: undefined, random: random as () => number };
  }
  const rng = createSfc32(seedText);
  return { mode: probability === 0.5 ? MODE_BITS : MODE_THRESHOLD, probability, rng };
}

/**
 * The stateful core. `capitalizeSegment` treats its input as complete (a trailing high surrogate is lone);
 * {@link CapitalizerImpl.push} adds the carry-over needed for streaming.
 */
export class CapitalizerImpl implements Capitalizer {
  private readonly mode: number;
  private readonly probability: number;
  private readonly threshold: number;
  private readonly rng: Sfc32 | undefined;
  private readonly random: (() => number) | undefined;
  /** Unused random bits (MODE_BITS), least significant first, and how many there are. */
  private bits = 0;
  private bitCount = 0;
  private pendingHigh = '';
  private readonly bufferPaths: boolean;

  /**
   * @param portable Internal, for tests: use the pure-JS path that runs where `Buffer` is missing.
   */
  constructor(options: unknown, portable = false) {
    const resolved = resolveOptions(options, 'options');
    this.bufferPaths = BUFFER_PATHS && !portable;
    this.mode = resolved.mode;
    this.probability = resolved.probability;
    this.threshold = resolved.probability * 4294967296;
    this.rng = resolved.rng;
    this.random = 'random' in resolved ? resolved.random : undefined;
  }

  push(chunk: string): string {
    let text = chunk;
    if (this.pendingHigh !== '') {
      text = this.pendingHigh + text;
      this.pendingHigh = '';
    }
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.pendingHigh = text.slice(-1);
      text = text.slice(0, -1);
    }
    return this.capitalizeSegment(text);
  }

  flush(): string {
    const held = this.pendingHigh;
    this.pendingHigh = '';
    return held;
  }

  /** Capitalizes a complete piece of text, continuing the random stream. */
  capitalizeSegment(text: string): string {
    const n = text.length;
    if (n === 0) return text;
    if (!this.bufferPaths) return this.capitalizeArray(text);
    if (n <= SMALL_INPUT) return this.capitalizeSmall(text);
    if (this.mode === MODE_BITS && isAscii(text)) return this.capitalizeAscii(text);
    return this.capitalizeUtf16Buffer(text, 0);
  }

  /** One decision for modes other than MODE_BITS; 1 = upper case. */
  private decideSlow(): number {
    switch (this.mode) {
      case MODE_THRESHOLD:
        return this.rng!.nextUint32() < this.threshold ? 1 : 0;
      case MODE_CALLBACK: {
        const r = this.random!();
        if (typeof r !== 'number' || !(r >= 0 && r < 1)) {
          throw new CapitalizeRangeError('options.random()', 'a return value in [0, 1)', r);
        }
        return r < this.probability ? 1 : 0;
      }
      default:
        return this.probability === 1 ? 1 : 0;
    }
  }

  /**
   * Short strings: ASCII goes byte by byte into a reused latin1 scratch buffer (no case table needed, so an
   * ASCII-only process never builds one); from the first non-ASCII unit on, the rest takes the UTF-16 path.
   */
  private capitalizeSmall(text: string): string {
    const n = text.length;
    // A user `random` could re-enter us while the shared scratch buffer is in use.
    const bytes = this.mode === MODE_CALLBACK ? newBuffer(n) : smallScratch();
    const bitsMode = this.mode === MODE_BITS;
    const rng = this.rng;
    let bits = this.bits;
    let bitCount = this.bitCount;
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      if (((c | 0x20) - 0x61) >>> 0 >= 26) {
        bytes[i] = c;
        continue;
      }
      let upper: number;
      if (bitsMode) {
        if (bitCount === 0) {
          bits = rng!.nextUint32();
          bitCount = 32;
        }
        upper = bits & 1;
        bits >>>= 1;
        bitCount--;
      } else {
        upper = this.decideSlow();
      }
      bytes[i] = upper === 1 ? c & 0xdf : c | 0x20;
    }
    this.bits = bits;
    this.bitCount = bitCount;
    const ascii = bytes.toString('latin1', 0, i);
    return i === n ? ascii : ascii + this.capitalizeUtf16Buffer(text, i);
  }

  /**
   * Pure ASCII, probability 0.5: latin1 bytes processed 4 per 32-bit word (SWAR). A byte is a letter when
   * `(x | 0x20)` lies in a..z; letters are first lower-cased (set 0x20), then the DEPOSIT mask clears 0x20 where the
   * random bit is 1.
   */
  private capitalizeAscii(text: string): string {
    const n = text.length;
    const words = (n + 3) >>> 2;
    const memory = new ArrayBuffer(words << 2);
    const bytes = NodeBufferClass!.from(memory, 0, n);
    bytes.write(text, 0, 'latin1');
    const u32 = new Uint32Array(memory);
    const rng = this.rng!;
    let bits = this.bits;
    let bitCount = this.bitCount;
    for (let w = 0; w < words; w++) {
      const x = u32[w]!;
      const y = x | 0x20202020;
      const letters = (y + 0x1f1f1f1f) & ~(y + 0x05050505) & 0x80808080;
      if (letters === 0) continue;
      // Gather the four lane flags (bits 7, 15, 23, 31) into bits 21..24; the partial products never overlap.
      const pattern = (Math.imul(letters >>> 7, 0x204081) >>> 21) & 15;
      const need = POPCOUNT[pattern]!;
      let take: number;
      if (bitCount >= need) {
        take = bits & ((1 << need) - 1);
        bits >>>= need;
        bitCount -= need;
      } else {
        const fresh = rng.nextUint32();
        take = (bits | (fresh << bitCount)) & ((1 << need) - 1);
        bits = fresh >>> (need - bitCount);
        bitCount = 32 - (need - bitCount);
      }
      u32[w] = (x | (letters >>> 2)) ^ DEPOSIT[(pattern << 4) | take]!;
    }
    this.bits = bits;
    this.bitCount = bitCount;
    return bytes.toString('latin1', 0, n);
  }

  /** `text` from unit `from` on, through a UTF-16LE Buffer sharing memory with the Uint16Array the kernel edits. */
  private capitalizeUtf16Buffer(text: string, from: number): string {
    const rest = from === 0 ? text : text.slice(from);
    const n = rest.length;
    const memory = new ArrayBuffer(n << 1);
    const bytes = NodeBufferClass!.from(memory, 0, n << 1);
    bytes.write(rest, 0, 'utf16le');
    this.capitalizeUnits(new Uint16Array(memory), n);
    return bytes.toString('utf16le', 0, n << 1);
  }

  /** Fallback without Buffer (or on big-endian hosts): copy units in and out by hand. */
  private capitalizeArray(text: string): string {
    const n = text.length;
    const units = new Uint16Array(n);
    for (let i = 0; i < n; i++) units[i] = text.charCodeAt(i);
    this.capitalizeUnits(units, n);
    let out = '';
    for (let i = 0; i < n; i += FROM_CHAR_CODE_CHUNK) {
      out += String.fromCharCode.apply(
        null,
        units.subarray(i, i + FROM_CHAR_CODE_CHUNK) as unknown as number[],
      );
    }
    return out;
  }

  /** The per-unit kernel: one table load per unit, branch-free choice of form; edits units in place. */
  private capitalizeUnits(units: Uint16Array, n: number): void {
    const bitsMode = this.mode === MODE_BITS;
    const rng = this.rng;
    const bmp = planeTable(0);
    let bits = this.bits;
    let bitCount = this.bitCount;
    for (let i = 0; i < n; i++) {
      let entry = bmp[units[i]!]!;
      if (entry === 0) continue;
      let pair = false;
      if (entry === HIGH_SURROGATE_ENTRY) {
        const lo = i + 1 < n ? units[i + 1]! : 0;
        if (lo < 0xdc00 || lo > 0xdfff) continue;
        const cp = ((units[i]! - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
        i++;
        entry = planeTable(cp >>> 16)[cp & 0xffff]!;
        if (entry === 0) continue;
        pair = true;
      }
      let upper: number;
      if (bitsMode) {
        if (bitCount === 0) {
          bits = rng!.nextUint32();
          bitCount = 32;
        }
        upper = bits & 1;
        bits >>>= 1;
        bitCount--;
      } else {
        upper = this.decideSlow();
      }
      const form = (entry >>> (upper << 4)) & 0xffff;
      if (pair) {
        // Same plane, so the high surrogate stays; the low one carries the low 10 bits of the code point.
        units[i] = 0xdc00 | (form & 0x3ff);
      } else {
        units[i] = form;
      }
    }
    this.bits = bits;
    this.bitCount = bitCount;
  }
}

/**
 * ASCII check for long strings. `Buffer.byteLength` is ~1 ms per 10 MB on V8's one-byte strings but an order of
 * magnitude slower on two-byte ones (CJK, emoji), which are rarely ASCII anyway: probe a prefix first.
 */
function isAscii(text: string): boolean {
  const probe = text.length > ASCII_PROBE ? text.slice(0, ASCII_PROBE) : text;
  if (NodeBufferClass!.byteLength(probe, 'utf8') !== probe.length) return false;
  return probe === text || NodeBufferClass!.byteLength(text, 'utf8') === text.length;
}

let scratch: NodeBufferInstance | undefined;
function smallScratch(): NodeBufferInstance {
  scratch ??= newBuffer(SMALL_INPUT);
  return scratch;
}

function newBuffer(length: number): NodeBufferInstance {
  return NodeBufferClass!.from(new ArrayBuffer(length), 0, length);
}

/**
 * A {@link Capitalizer} for feeding text piece by piece; the pieces' outputs concatenated equal
 * `randomCapitalize(pieces.join(''), options)` for the same seed.
 * @example
 * const cap = createCapitalizer({ seed: 42 });
 * const out = cap.push('hello ') + cap.push('world') + cap.flush();
 * out === randomCapitalize('hello world', { seed: 42 }); // true
 */
export function createCapitalizer(options?: CapitalizeOptions): Capitalizer {
  return new CapitalizerImpl(options);
}
