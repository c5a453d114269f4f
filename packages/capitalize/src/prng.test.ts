import { describe, expect, it } from 'vitest';
import { CapitalizeRangeError, CapitalizeTypeError } from './errors.js';
import { createSeededRandom, cyrb128, normalizeSeed, Sfc32 } from './prng.js';

/** sfc32 written straight from PractRand's C (`tmp = a + b + counter++; …`) in BigInt arithmetic, as an oracle. */
function referenceSfc32(seed: [number, number, number, number], count: number): number[] {
  const M = 0xffffffffn;
  let [a, b, c, d] = seed.map((x) => BigInt(x >>> 0)) as [bigint, bigint, bigint, bigint];
  const next = () => {
    const tmp = (a + b + d) & M;
    d = (d + 1n) & M;
    a = b ^ (b >> 9n);
    b = (c + (c << 3n)) & M;
    c = ((((c << 21n) | (c >> 11n)) & M) + tmp) & M;
    return Number(tmp);
  };
  for (let i = 0; i < 12; i++) next();
  return Array.from({ length: count }, next);
}

describe('sfc32', () => {
  it('matches a BigInt transcription of the reference algorithm', () => {
    for (const seed of [
      [0, 0, 0, 0],
      [1, 2, 3, 4],
      [0xffffffff, 0x80000000, 0x7fffffff, 0xdeadbeef],
    ] as [number, number, number, number][]) {
      const rng = new Sfc32(...seed);
      const ours = Array.from({ length: 200 }, () => rng.nextUint32());
      expect(ours).toEqual(referenceSfc32(seed, 200));
    }
  });

  it('fill + rewind: after rewinding to any drawn word, the stream continues as if only that far had been drawn', () => {
    const count = 40;
    const words = new Int32Array(count);
    const states = new Int32Array(4 * (count >>> 3) + 4);
    const expected = referenceSfc32([5, 6, 7, 8], count + 3);
    for (let word = 0; word < count; word++) {
      const rng = new Sfc32(5, 6, 7, 8);
      rng.fill(words, states, count);
      expect(Array.from(words.subarray(1), (x) => x >>> 0)).toEqual(expected.slice(0, count - 1));
      rng.rewind(states, word);
      expect([rng.nextUint32(), rng.nextUint32()]).toEqual(expected.slice(word, word + 2));
    }
  });

  it('produces balanced bits', () => {
    const rng = new Sfc32(...cyrb128('balance'));
    const ones = new Array<number>(32).fill(0);
    for (let i = 0; i < 20000; i++) {
      const x = rng.nextUint32();
      for (let bit = 0; bit < 32; bit++) ones[bit]! += (x >>> bit) & 1;
    }
    for (const count of ones) expect(Math.abs(count / 20000 - 0.5)).toBeLessThan(0.02);
  });
});

describe('cyrb128', () => {
  it('is stable (the seeded output contract depends on it)', () => {
    expect(cyrb128('42')).toMatchInlineSnapshot(`
      [
        2814168319,
        14930478,
        1039855864,
        944835771,
      ]
    `);
    expect(cyrb128('caprice')).toMatchInlineSnapshot(`
      [
        523754463,
        90770574,
        1035204523,
        3407559838,
      ]
    `);
  });

  it('spreads near-identical inputs', () => {
    const [a] = cyrb128('seed1');
    const [b] = cyrb128('seed2');
    const differing = (a! ^ b!).toString(2).replace(/0/g, '').length;
    expect(differing).toBeGreaterThan(6);
  });
});

describe('createSeededRandom', () => {
  it('returns a deterministic stream in [0, 1)', () => {
    const a = createSeededRandom('demo');
    const b = createSeededRandom('demo');
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    for (const v of values) expect(v >= 0 && v < 1).toBe(true);
    const mean = values.reduce((x, y) => x + y, 0) / values.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });

  it('rejects unusable seeds', () => {
    expect(() => createSeededRandom(Number.NaN)).toThrow(CapitalizeRangeError);
    expect(() => createSeededRandom({} as never)).toThrow(CapitalizeTypeError);
    expect(() => createSeededRandom({} as never)).toThrow(/^Invalid seed: /);
  });
});

describe('normalizeSeed', () => {
  it('hashes numbers by their String() form', () => {
    expect(normalizeSeed(42, 'seed')).toBe('42');
    expect(normalizeSeed(-0, 'seed')).toBe('0');
    expect(normalizeSeed(1.5, 'seed')).toBe('1.5');
    expect(normalizeSeed('x', 'seed')).toBe('x');
  });
});
