/**
 * The seeded pseudo-random generator behind `seed`: **sfc32** (Chris Doty-Humphrey's Small Fast Counting generator,
 * 32-bit variant from PractRand), seeded through the **cyrb128** string hash (bryc). sfc32 passes PractRand and
 * BigCrush, has a 128-bit state with a counter (period ≥ 2^32, typically ~2^127) and costs a handful of 32-bit ops per
 * output, which matters because one output decides up to 32 letters. It is not cryptographically secure; it does
 * not need to be.
 * @module
 */

import { CapitalizeRangeError, CapitalizeTypeError } from './errors.js';

/** A seed as accepted by the `seed` option. */
export type Seed = number | string;

/** Outputs discarded after seeding so that similar seeds (e.g. `1` and `2`) do not give correlated first outputs. */
const WARM_UP_ROUNDS = 12;

/** sfc32: four 32-bit words of state (`d` is the counter). */
export class Sfc32 {
  /**
   * a, b, c, d. A typed array, not four fields: full-range int32 values do not fit V8's small integers, and a field
   * whose representation changes on the fly deoptimizes the hot loops this generator is inlined into.
   */
  private readonly s = new Int32Array(4);

  /** @param warmUp Outputs to discard first; 0 only when the four words are already random. */
  constructor(a: number, b: number, c: number, d: number, warmUp = WARM_UP_ROUNDS) {
    this.s[0] = a;
    this.s[1] = b;
    this.s[2] = c;
    this.s[3] = d;
    for (let i = 0; i < warmUp; i++) this.nextUint32();
  }

  /** The next output as an unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s;
    const a = s[0]!;
    const b = s[1]!;
    const c = s[2]!;
    const d = s[3]!;
    const t = (((a + b) | 0) + d) | 0;
    s[3] = (d + 1) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /**
   * Draws outputs into `words[1..count-1]` (as int32) and records the generator state before the first draw and
   * after every 8th, so that {@link Sfc32.rewind} can later return to exactly the point after the last output
   * actually used. This lets a kernel read random bits from an array without branches, without consuming outputs
   * it did not need. `states` needs `4 * (count >>> 3) + 4` entries.
   */
  fill(words: Int32Array, states: Int32Array, count: number): void {
    const s = this.s;
    let a = s[0]!;
    let b = s[1]!;
    let c = s[2]!;
    let d = s[3]!;
    states[0] = a;
    states[1] = b;
    states[2] = c;
    states[3] = d;
    for (let k = 1; k < count; k++) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (((c << 21) | (c >>> 11)) + t) | 0;
      words[k] = t;
      if ((k & 7) === 0) {
        const at = k >>> 1;
        states[at] = a;
        states[at + 1] = b;
        states[at + 2] = c;
        states[at + 3] = d;
      }
    }
    s[0] = a;
    s[1] = b;
    s[2] = c;
    s[3] = d;
  }

  /** Copies the four state words into `into[at..at+3]` (for a kernel that draws in WebAssembly, see `rewind`). */
  save(into: Int32Array, at: number): void {
    into[at] = this.s[0]!;
    into[at + 1] = this.s[1]!;
    into[at + 2] = this.s[2]!;
    into[at + 3] = this.s[3]!;
  }

  /** Puts the generator just after drawing `words[word]` of the last {@link Sfc32.fill} (0: before any draw). */
  rewind(states: Int32Array, word: number): void {
    const at = (word >>> 3) << 2;
    this.s[0] = states[at]!;
    this.s[1] = states[at + 1]!;
    this.s[2] = states[at + 2]!;
    this.s[3] = states[at + 3]!;
    for (let k = word & 7; k > 0; k--) this.nextUint32();
  }
}

/**
 * cyrb128: a fast 128-bit non-cryptographic string hash (bryc, public domain), used to turn any seed string into
 * four well-mixed 32-bit words.
 */
export function cyrb128(input: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < input.length; i++) {
    const k = input.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/**
 * Checks a `seed` option and returns its canonical string form. Numbers are hashed by their `String()` form, so
 * `42` and `"42"` are the same seed.
 * @param parameter Name used in the error message, e.g. `"options.seed"`.
 */
export function normalizeSeed(seed: unknown, parameter: string): string {
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) {
      throw new CapitalizeRangeError(
        parameter,
        'a finite number or a non-empty string (e.g. 42 or "demo")',
        seed,
      );
    }
    return String(seed);
  }
  if (typeof seed === 'string') {
    // An empty seed is almost always an unset config value, not a deliberate choice.
    if (seed.length === 0)
      throw new CapitalizeRangeError(parameter, 'a non-empty string or a finite number', seed);
    return seed;
  }
  throw new CapitalizeTypeError(parameter, 'a number or a string (e.g. 42 or "demo")', seed);
}

/** Seeds the generators of unseeded calls: seeded once from `Math.random`, then 4 outputs per generator. */
let entropy: Sfc32 | undefined;

/** A generator seeded from `seed` (see {@link normalizeSeed}), or a random one when `seed` is undefined. */
export function createSfc32(seed: string | undefined): Sfc32 {
  if (seed === undefined) {
    entropy ??= new Sfc32(
      (Math.random() * 4294967296) >>> 0,
      (Math.random() * 4294967296) >>> 0,
      (Math.random() * 4294967296) >>> 0,
      (Math.random() * 4294967296) >>> 0,
    );
    return new Sfc32(
      entropy.nextUint32(),
      entropy.nextUint32(),
      entropy.nextUint32(),
      entropy.nextUint32(),
      0,
    );
  }
  const [a, b, c, d] = cyrb128(seed);
  return new Sfc32(a, b, c, d);
}

/**
 * A deterministic `() => number` in [0, 1) from a seed: the same sfc32 stream the `seed` option uses, exposed so
 * callers can share one seeded source (e.g. pass it as `random` to several calls).
 * @example
 * const random = createSeededRandom('demo');
 * random(); // always the same first value for "demo"
 */
export function createSeededRandom(seed: Seed): () => number {
  const rng = createSfc32(normalizeSeed(seed, 'seed'));
  return () => rng.nextUint32() / 4294967296;
}
