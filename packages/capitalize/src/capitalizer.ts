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

import {
  HIGH_SURROGATE_ENTRY,
  type PlaneTable,
  planeTable,
  resolveEntry,
  UNCHANGED_ENTRY,
  UNKNOWN_ENTRY,
} from './case-table.js';
import { CapitalizeRangeError, CapitalizeTypeError } from './errors.js';
import { createSfc32, normalizeSeed, type Seed, type Sfc32 } from './prng.js';
import { wasmAsciiKernel } from './wasm-ascii.js';

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
/**
 * Long inputs are processed in blocks of this many words / units, so the kernels are entered repeatedly and get
 * optimized as whole functions, not only through on-stack replacement of one long-running loop.
 */
const BLOCK = 16384;
/**
 * From this many UTF-16 units on, ASCII text at probability 0.5 goes to the WebAssembly kernel where it is available
 * (see `wasm-ascii.ts`); shorter text stays on the JS kernel.
 */
const WASM_MIN_INPUT = 512;
/** Prefix length checked first by {@link asciiPrefix}. */
const ASCII_PROBE = 1024;
/** `String.fromCharCode.apply` argument-count limit used by the non-Node fallback. */
const FROM_CHAR_CODE_CHUNK = 8192;

type NodeBuffer = {
  from(arrayBuffer: ArrayBuffer, byteOffset?: number, length?: number): NodeBufferInstance;
  byteLength(s: string, encoding: 'utf8'): number;
};
type NodeBufferInstance = {
  [index: number]: number;
  write(s: string, offset: number, encoding: 'utf8' | 'utf16le'): number;
  toString(encoding: 'latin1' | 'utf16le', start: number, end: number): string;
};

// Buffer is a Node global, not an import: where it is missing (browsers, workers) the pure-JS path runs instead.
const NodeBufferClass = (globalThis as { Buffer?: NodeBuffer }).Buffer;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const BUFFER_PATHS = NodeBufferClass !== undefined && LITTLE_ENDIAN;

/**
 * SWAR tables for the ASCII path, which handles 4 bytes per 32-bit word. `pattern` has bit j set when byte lane j
 * (bits 8j..8j+7 of the word) holds a letter. POPCOUNT[pattern] is how many random bits the word needs;
 * DEPOSIT[pattern << 4 | bits] places the low POPCOUNT[pattern] of `bits`, in text order, as 0x20 in the lanes to
 * upper-case (higher bits of `bits` are ignored, so the kernel never masks them off).
 */
const POPCOUNT = new Int32Array(16);
const DEPOSIT = new Int32Array(256);
for (let pattern = 0; pattern < 16; pattern++) {
  let count = 0;
  for (let lane = 0; lane < 4; lane++) if (pattern & (1 << lane)) count++;
  POPCOUNT[pattern] = count;
  for (let bits = 0; bits < 16; bits++) {
    let mask = 0;
    let next = 0;
    for (let textByte = 0; textByte < 4; textByte++) {
      const lane = LITTLE_ENDIAN ? textByte : 3 - textByte;
      if ((pattern & (1 << lane)) === 0) continue;
      if (bits & (1 << next)) mask |= 0x20 << (8 * lane);
      next++;
    }
    DEPOSIT[(pattern << 4) | bits] = mask;
  }
}

/**
 * The random bits of one kernel run (MODE_BITS), laid out so a kernel reads them without branches: bit `t` of the
 * stream is bit `t & 31` of `words[t >>> 5]`. `words[0]` holds the caller's leftover bits, `words[1..]` fresh sfc32
 * outputs, and `states` snapshots of the generator, so that afterwards the generator is rewound to just after the
 * last output actually used (see `Sfc32.fill`): the stream is exactly the one-bit-per-letter stream of the
 * contract, however far ahead the pool was filled. Shared: MODE_BITS kernels never call user code.
 */
const POOL_WORDS = ((BLOCK * 4) >>> 5) + 4;
let poolWords: Int32Array | undefined;
let poolStates: Int32Array | undefined;

/** Validates options once and returns the decision state. */
function resolveOptions(options: unknown, parameter: string) {
  if (options === undefined)
    return { mode: MODE_BITS, probability: 0.5, rng: createSfc32(undefined), random: undefined };
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
  if (probability === 0 || probability === 1) {
    return { mode: MODE_CONSTANT, probability, rng: undefined, random: undefined };
  }
  if (random !== undefined) {
    return { mode: MODE_CALLBACK, probability, rng: undefined, random: random as () => number };
  }
  const rng = createSfc32(seedText);
  return { mode: probability === 0.5 ? MODE_BITS : MODE_THRESHOLD, probability, rng, random: undefined };
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
  /**
   * Unused random bits (MODE_BITS), least significant first, in `[0]`, and how many there are in `[1]`. A typed
   * array for the same reason as the generator's state (see `Sfc32`).
   */
  private readonly bitState = new Int32Array(2);
  private pendingHigh = '';
  private readonly bufferPaths: boolean;
  private readonly wasmFrom: number;

  /**
   * @param portable Internal, for tests: use the pure-JS path that runs where `Buffer` is missing.
   * @param asciiKernel Internal, for tests and the bench: which kernel takes ASCII text at probability 0.5:
   *   `'auto'` (WebAssembly from `WASM_MIN_INPUT` units on, where available), `'js'`, or `'wasm'` (any length,
   *   where available).
   */
  constructor(options: unknown, portable = false, asciiKernel: 'auto' | 'js' | 'wasm' = 'auto') {
    const resolved = resolveOptions(options, 'options');
    this.bufferPaths = BUFFER_PATHS && !portable;
    this.wasmFrom =
      asciiKernel === 'auto' ? WASM_MIN_INPUT : asciiKernel === 'wasm' ? 1 : Number.POSITIVE_INFINITY;
    this.mode = resolved.mode;
    this.probability = resolved.probability;
    this.threshold = resolved.probability * 4294967296;
    this.rng = resolved.rng;
    this.random = resolved.random;
  }

  push(chunk: string): string {
    if (typeof chunk !== 'string') throw new CapitalizeTypeError('chunk', 'a string', chunk);
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
    const ascii = this.mode === MODE_BITS && (n > SMALL_INPUT || n >= this.wasmFrom) && asciiPrefix(text);
    if (ascii && n >= this.wasmFrom) {
      const kernel = wasmAsciiKernel();
      // `undefined` from the kernel: not ASCII after all, and nothing was consumed.
      if (kernel !== undefined)
        return kernel.capitalize(text, this.bitState, this.rng!) ?? this.capitalizeUtf16Buffer(text);
    }
    if (n <= SMALL_INPUT) return this.capitalizeSmall(text);
    if (ascii) {
      // One pass both checks and copies: UTF-8 of ASCII is the ASCII bytes, and anything else needs more than n
      // bytes, so with 4 bytes of slack `written === n` exactly when the whole text is ASCII.
      const words = asciiWords(n);
      const memory = this.longInputMemory((words + 1) << 2);
      const bytes = NodeBufferClass!.from(memory, 0, (words + 1) << 2);
      if (bytes.write(text, 0, 'utf8') === n) {
        // Reused memory: clear the padding, or stale bytes there could consume random bits.
        for (let i = n; i < words << 2; i++) bytes[i] = 0;
        this.capitalizeAsciiWords(new Int32Array(memory, 0, words), words);
        return bytes.toString('latin1', 0, n);
      }
    }
    return this.capitalizeUtf16Buffer(text);
  }

  /**
   * Memory for one long input. Fresh multi-megabyte buffers are expensive here mostly because their pages fault in
   * on first touch, so the last one is kept through a `WeakRef` (the GC may still reclaim it). A user `random` could
   * re-enter us mid-kernel, so that mode always gets fresh memory.
   */
  private longInputMemory(bytes: number): ArrayBuffer {
    if (this.mode === MODE_CALLBACK) return new ArrayBuffer(bytes);
    const kept = spareMemory?.deref();
    if (kept !== undefined && kept.byteLength >= bytes) return kept;
    const memory = new ArrayBuffer(bytes);
    spareMemory = new WeakRef(memory);
    return memory;
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
   * Short strings go through a reused scratch buffer (fresh ArrayBuffers cost more than the work itself here).
   * ASCII at probability 0.5 takes the SWAR kernel without ever building the case table, so an ASCII-only process
   * never pays for it.
   */
  private capitalizeSmall(text: string): string {
    const n = text.length;
    // A user `random` could re-enter us while the shared scratch is in use: give that mode its own memory.
    const scratch = this.mode === MODE_CALLBACK ? new Scratch() : sharedScratch();
    const bytes = scratch.bytes;
    if (this.mode === MODE_BITS && bytes.write(text, 0, 'utf8') === n) {
      const words = asciiWords(n);
      // Zero the padding: stale bytes there could look like letters and consume random bits.
      for (let i = n; i < words << 2; i++) bytes[i] = 0;
      this.capitalizeAsciiWords(scratch.words, words);
      return bytes.toString('latin1', 0, n);
    }
    bytes.write(text, 0, 'utf16le');
    this.capitalizeUnits(scratch.units, n);
    return bytes.toString('utf16le', 0, n << 1);
  }

  /**
   * The ASCII kernel (probability 0.5): 4 bytes per 32-bit word (SWAR). A byte is a letter when `(x | 0x20)` lies
   * in a..z; letters are first lower-cased (set 0x20), then the DEPOSIT mask clears 0x20 where the random bit is 1.
   */
  private capitalizeAsciiWords(u32: Int32Array, words: number): void {
    if (words > BLOCK) warmUpKernels();
    for (let from = 0; from < words; from += BLOCK) this.asciiBlock(u32, from, Math.min(from + BLOCK, words));
  }

  /**
   * One block of the ASCII kernel, 8 words (32 bytes) per iteration: at most 32 letters, so one two-word window of
   * the pool gives all their bits, and each word takes its share and shifts it off. `to - from` is a multiple of 8
   * (the input is zero-padded, see {@link asciiWords}), so there is no tail loop whose exit V8 would first see in
   * optimized code.
   */
  private asciiBlock(u32: Int32Array, from: number, to: number): void {
    let t = this.fillPool((to - from) << 2);
    const pool = poolWords!;
    for (let w = from; w < to; w += 8) {
      // Per word: letter lanes (bit 7 of each byte), then the four lane flags gathered into bits 21..24 of one
      // product (the partial products never overlap).
      const x0 = u32[w + 0]!;
      const y0 = x0 | 0x20202020;
      const l0 = (y0 + 0x1f1f1f1f) & ~(y0 + 0x05050505) & 0x80808080;
      const p0 = (Math.imul(l0 >>> 7, 0x204081) >>> 21) & 15;
      const x1 = u32[w + 1]!;
      const y1 = x1 | 0x20202020;
      const l1 = (y1 + 0x1f1f1f1f) & ~(y1 + 0x05050505) & 0x80808080;
      const p1 = (Math.imul(l1 >>> 7, 0x204081) >>> 21) & 15;
      const x2 = u32[w + 2]!;
      const y2 = x2 | 0x20202020;
      const l2 = (y2 + 0x1f1f1f1f) & ~(y2 + 0x05050505) & 0x80808080;
      const p2 = (Math.imul(l2 >>> 7, 0x204081) >>> 21) & 15;
      const x3 = u32[w + 3]!;
      const y3 = x3 | 0x20202020;
      const l3 = (y3 + 0x1f1f1f1f) & ~(y3 + 0x05050505) & 0x80808080;
      const p3 = (Math.imul(l3 >>> 7, 0x204081) >>> 21) & 15;
      const x4 = u32[w + 4]!;
      const y4 = x4 | 0x20202020;
      const l4 = (y4 + 0x1f1f1f1f) & ~(y4 + 0x05050505) & 0x80808080;
      const p4 = (Math.imul(l4 >>> 7, 0x204081) >>> 21) & 15;
      const x5 = u32[w + 5]!;
      const y5 = x5 | 0x20202020;
      const l5 = (y5 + 0x1f1f1f1f) & ~(y5 + 0x05050505) & 0x80808080;
      const p5 = (Math.imul(l5 >>> 7, 0x204081) >>> 21) & 15;
      const x6 = u32[w + 6]!;
      const y6 = x6 | 0x20202020;
      const l6 = (y6 + 0x1f1f1f1f) & ~(y6 + 0x05050505) & 0x80808080;
      const p6 = (Math.imul(l6 >>> 7, 0x204081) >>> 21) & 15;
      const x7 = u32[w + 7]!;
      const y7 = x7 | 0x20202020;
      const l7 = (y7 + 0x1f1f1f1f) & ~(y7 + 0x05050505) & 0x80808080;
      const p7 = (Math.imul(l7 >>> 7, 0x204081) >>> 21) & 15;
      const i = t >>> 5;
      const shift = t & 31;
      // Bits t..t+31; `<< 1 << (31 - shift)` because a shift by 32 would be a shift by 0.
      let take = (pool[i]! >>> shift) | ((pool[i + 1]! << 1) << (31 - shift));
      const n0 = POPCOUNT[p0]!;
      const n1 = POPCOUNT[p1]!;
      const n2 = POPCOUNT[p2]!;
      const n3 = POPCOUNT[p3]!;
      const n4 = POPCOUNT[p4]!;
      const n5 = POPCOUNT[p5]!;
      const n6 = POPCOUNT[p6]!;
      t += n0 + n1 + n2 + n3 + n4 + n5 + n6 + POPCOUNT[p7]!;
      u32[w + 0] = (x0 | (l0 >>> 2)) ^ DEPOSIT[(p0 << 4) | (take & 15)]!;
      take >>>= n0;
      u32[w + 1] = (x1 | (l1 >>> 2)) ^ DEPOSIT[(p1 << 4) | (take & 15)]!;
      take >>>= n1;
      u32[w + 2] = (x2 | (l2 >>> 2)) ^ DEPOSIT[(p2 << 4) | (take & 15)]!;
      take >>>= n2;
      u32[w + 3] = (x3 | (l3 >>> 2)) ^ DEPOSIT[(p3 << 4) | (take & 15)]!;
      take >>>= n3;
      u32[w + 4] = (x4 | (l4 >>> 2)) ^ DEPOSIT[(p4 << 4) | (take & 15)]!;
      take >>>= n4;
      u32[w + 5] = (x5 | (l5 >>> 2)) ^ DEPOSIT[(p5 << 4) | (take & 15)]!;
      take >>>= n5;
      u32[w + 6] = (x6 | (l6 >>> 2)) ^ DEPOSIT[(p6 << 4) | (take & 15)]!;
      take >>>= n6;
      u32[w + 7] = (x7 | (l7 >>> 2)) ^ DEPOSIT[(p7 << 4) | (take & 15)]!;
    }
    this.drainPool(t);
  }

  /**
   * Fills the pool with at least `maxBits` bits of this capitalizer's stream (its leftover bits first) and
   * returns the position of the first one. Kernels may read `words[(t >>> 5) + 1]` for any t up to the first
   * position plus `maxBits`.
   */
  private fillPool(maxBits: number): number {
    poolWords ??= new Int32Array(POOL_WORDS);
    poolStates ??= new Int32Array(((POOL_WORDS >>> 3) << 2) + 4);
    const state = this.bitState;
    const bitCount = state[1]!;
    const first = 32 - bitCount;
    poolWords[0] = bitCount === 0 ? 0 : state[0]! << first;
    this.rng!.fill(poolWords, poolStates, ((first + maxBits) >>> 5) + 2);
    return first;
  }

  /** Keeps the pool's bits from position `t` on as leftover and rewinds the generator to match. */
  private drainPool(t: number): void {
    const word = t >>> 5;
    const used = t & 31;
    this.bitState[0] = poolWords![word]! >>> used;
    this.bitState[1] = 32 - used;
    this.rng!.rewind(poolStates!, word);
  }

  /** Any text, through a UTF-16LE Buffer sharing memory with the Uint16Array the kernel edits. */
  private capitalizeUtf16Buffer(text: string): string {
    const n = text.length;
    const memory = this.longInputMemory(n << 1);
    const bytes = NodeBufferClass!.from(memory, 0, n << 1);
    bytes.write(text, 0, 'utf16le');
    this.capitalizeUnits(new Uint16Array(memory, 0, n), n);
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
    const bmp = planeTable(0);
    if (n > BLOCK) warmUpKernels();
    const bitsMode = this.mode === MODE_BITS;
    for (let from = 0; from < n; ) {
      const to = Math.min(from + BLOCK, n);
      from = bitsMode
        ? this.unitsBlockBits(units, bmp, from, to, n)
        : this.unitsBlockSlow(units, bmp, from, to, n);
    }
  }

  /**
   * Probability 0.5 (the hot path): units `from..to`, where a pair starting at `to - 1` may read unit `to`.
   * Returns where the next block starts. Branch-free for resolved BMP units: a letter's entry has a non-zero upper
   * half (its upper form is never U+0000) and UNCHANGED_ENTRY has none, which gives the 0/1 `letter` flag that both
   * selects the output and advances the bit position; only unknown entries and high surrogates (both < 2) branch.
   */
  private unitsBlockBits(units: Uint16Array, bmp: PlaneTable, from: number, to: number, n: number): number {
    // At most one bit per unit: a pair takes one bit for two units, and a pair at `to - 1` ends at `to`.
    let t = this.fillPool(to - from + 1);
    const pool = poolWords!;
    let plane1: PlaneTable | undefined;
    let i = from;
    for (; i < to; i++) {
      if (i + 1 < to) {
        // Two resolved BMP units at a time: one read of the pool for both (the common case).
        const c0 = units[i]!;
        const c1 = units[i + 1]!;
        const e0 = bmp[c0]!;
        const e1 = bmp[c1]!;
        if (e0 >= UNCHANGED_ENTRY && e1 >= UNCHANGED_ENTRY) {
          const letter0 = ((e0 >>> 16) + 0xffff) >>> 16;
          const letter1 = ((e1 >>> 16) + 0xffff) >>> 16;
          const take = (pool[t >>> 5]! >>> (t & 31)) | ((pool[(t >>> 5) + 1]! << 1) << (31 - (t & 31)));
          const form0 = e0 >>> ((take & 1) << 4);
          const form1 = e1 >>> (((take >>> letter0) & 1) << 4);
          // 0xffff for a letter, 0 otherwise (no negation: `-0` would be a double).
          units[i] = c0 ^ ((c0 ^ form0) & ((letter0 << 16) - letter0));
          units[i + 1] = c1 ^ ((c1 ^ form1) & ((letter1 << 16) - letter1));
          t += letter0 + letter1;
          i++;
          continue;
        }
      }
      // One unit: an unknown entry, a high surrogate, or the last unit of the block.
      const c = units[i]!;
      const entry = bmp[c]!;
      if (entry < UNCHANGED_ENTRY) {
        if (entry === UNKNOWN_ENTRY) {
          // First sight of this character: resolve it, then look at the same unit again.
          resolveEntry(bmp, 0, c);
          i--;
          continue;
        }
        // A high surrogate: emoji are common, so reject uncased pairs here without a call.
        const lo = i + 1 < n ? units[i + 1]! : 0;
        if (lo < 0xdc00 || lo > 0xdfff) continue;
        i++;
        const cp = ((c - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
        const plane = cp >>> 16;
        if (plane === 1) plane1 ??= planeTable(1);
        const table = plane === 1 ? plane1! : planeTable(plane);
        let astral = table[cp & 0xffff]!;
        if (astral === UNKNOWN_ENTRY) astral = resolveEntry(table, plane, cp & 0xffff);
        if (astral === UNCHANGED_ENTRY) continue;
        const bit = (pool[t >>> 5]! >>> (t & 31)) & 1;
        t++;
        // Same plane, so the high surrogate stays; the low one carries the low 10 bits of the code point.
        units[i] = 0xdc00 | ((astral >>> (bit << 4)) & 0x3ff);
        continue;
      }
      const letter = ((entry >>> 16) + 0xffff) >>> 16;
      const form = entry >>> (((pool[t >>> 5]! >>> (t & 31)) & 1) << 4);
      units[i] = c ^ ((c ^ form) & ((letter << 16) - letter));
      t += letter;
    }
    this.drainPool(t);
    return i;
  }

  /** Any other probability or an injected random: same walk, one {@link decideSlow} per letter. */
  private unitsBlockSlow(units: Uint16Array, bmp: PlaneTable, from: number, to: number, n: number): number {
    let i = from;
    for (; i < to; i++) {
      const c = units[i]!;
      const entry = bmp[c]!;
      if (entry === UNCHANGED_ENTRY) continue;
      if (entry === UNKNOWN_ENTRY) {
        resolveEntry(bmp, 0, c);
        i--;
        continue;
      }
      if (entry === HIGH_SURROGATE_ENTRY) {
        i = this.toggleAstral(units, i, n);
        continue;
      }
      units[i] = (entry >>> (this.decideSlow() << 4)) & 0xffff;
    }
    return i;
  }

  /**
   * The high surrogate at `i`: if a low surrogate follows and the pair is a toggleable letter, choose its form.
   * Returns the index of the last unit consumed.
   */
  private toggleAstral(units: Uint16Array, i: number, n: number): number {
    const lo = i + 1 < n ? units[i + 1]! : 0;
    if (lo < 0xdc00 || lo > 0xdfff) return i;
    const cp = ((units[i]! - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
    const table = planeTable(cp >>> 16);
    let entry = table[cp & 0xffff]!;
    if (entry === UNKNOWN_ENTRY) entry = resolveEntry(table, cp >>> 16, cp & 0xffff);
    if (entry === UNCHANGED_ENTRY) return i + 1;
    const form = (entry >>> (this.decideOne() << 4)) & 0xffff;
    // Same plane, so the high surrogate stays; the low one carries the low 10 bits of the code point.
    units[i + 1] = 0xdc00 | (form & 0x3ff);
    return i + 1;
  }

  /** One decision in any mode, taking bits from the shared buffer in MODE_BITS; 1 = upper case. */
  private decideOne(): number {
    if (this.mode !== MODE_BITS) return this.decideSlow();
    const state = this.bitState;
    if (state[1] === 0) {
      state[0] = this.rng!.nextUint32();
      state[1] = 32;
    }
    const bit = state[0]! & 1;
    state[0] = state[0]! >>> 1;
    state[1]!--;
    return bit;
  }
}

let kernelsWarm = false;
/** More than V8's calls before a function gets a feedback vector (8 in V8 12–13). */
const WARM_UP_CALLS = 16;

/**
 * Runs each kernel a few times on a few units before the first long input. Otherwise V8 on-stack-replaces the
 * long-running loop before the code after it has ever run, and that OSR code deoptimizes at the loop exit for lack
 * of feedback — on every later block too, since the cached OSR code is reused (seen with `--trace-deopt`: one
 * deoptimization per 64 KB block). One call is not enough: V8 allocates a function's feedback vector only after
 * several calls (lazy feedback allocation), so the first calls record nothing. Uses throwaway instances, so no
 * caller's random stream is touched.
 */
function warmUpKernels(): void {
  if (kernelsWarm) return;
  kernelsWarm = true;
  // Letters, a digit, a new BMP letter, a lone high surrogate, an emoji, a Deseret letter, a plane-2 character.
  const sample = 'aB1\u00e9\ud800x\ud83d\ude00\ud801\udc28\ud840\udc00';
  const units = new Uint16Array(sample.length);
  const words = new Int32Array(16);
  for (let round = 0; round < WARM_UP_CALLS; round++) {
    for (let i = 0; i < sample.length; i++) units[i] = sample.charCodeAt(i);
    words.fill(0x41624331);
    for (const options of [{ seed: 'warm-up' }, { seed: 'warm-up', probability: 0.25 }]) {
      const capitalizer = new CapitalizerImpl(options) as unknown as KernelAccess;
      capitalizer.unitsBlockBits(units, planeTable(0), 0, units.length, units.length);
      capitalizer.unitsBlockSlow(units, planeTable(0), 0, units.length, units.length);
      capitalizer.asciiBlock(words, 0, words.length);
    }
  }
}

/** The private kernels, for {@link warmUpKernels}. */
interface KernelAccess {
  unitsBlockBits(units: Uint16Array, bmp: PlaneTable, from: number, to: number, n: number): number;
  unitsBlockSlow(units: Uint16Array, bmp: PlaneTable, from: number, to: number, n: number): number;
  asciiBlock(u32: Int32Array, from: number, to: number): void;
}

/** Words of ASCII kernel memory for `n` bytes: whole 32-byte groups, the padding zeroed by the caller. */
function asciiWords(n: number): number {
  return ((n + 31) >>> 5) << 3;
}

/**
 * Cheap early "not ASCII" for long strings: non-ASCII text nearly always shows it in the first KiB, and V8's UTF-8
 * length of a two-byte string (CJK, emoji) is far slower than the check-and-copy it would otherwise precede.
 */
function asciiPrefix(text: string): boolean {
  const probe = text.slice(0, ASCII_PROBE);
  return NodeBufferClass!.byteLength(probe, 'utf8') === probe.length;
}

/** Reusable memory for short strings, viewed as bytes, UTF-16 units and 32-bit words. */
class Scratch {
  readonly bytes: NodeBufferInstance;
  readonly units: Uint16Array;
  readonly words: Int32Array;

  constructor() {
    // UTF-8 of SMALL_INPUT units needs at most 3 bytes each; round up to whole words.
    const memory = new ArrayBuffer(SMALL_INPUT * 4);
    this.bytes = NodeBufferClass!.from(memory);
    this.units = new Uint16Array(memory);
    this.words = new Int32Array(memory);
  }
}

let scratch: Scratch | undefined;
let spareMemory: WeakRef<ArrayBuffer> | undefined;
function sharedScratch(): Scratch {
  scratch ??= new Scratch();
  return scratch;
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
