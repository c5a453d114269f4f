import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assembleAsciiKernel } from '../scripts/assemble-ascii-kernel.js';
import { seed } from '../test/arbitraries.js';
import { referenceCapitalize } from '../test/reference.js';
import { ASCII_KERNEL_WASM } from './ascii-kernel-wasm.js';
import { CapitalizerImpl } from './capitalizer.js';
import { wasmAsciiKernel } from './wasm-ascii.js';

/** ASCII units, letters over-represented so that long runs of letters (up to 16 per vector) are common. */
const asciiUnit = fc.oneof(
  fc.constantFrom(...'abcxyzABCXYZ'),
  fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
  // The bytes just outside a..z / A..Z, where an off-by-one letter test would show.
  fc.constantFrom('@', '[', '`', '{', '\u0000', '\u007f'),
);
const shortAscii = fc.string({ unit: asciiUnit, maxLength: 100, size: 'max' });
/** Lengths at and around the kernel's 64-byte step, 4 KiB draw step and 64 KiB block (several blocks, too). */
const boundaryLength = fc.constantFrom(
  63,
  64,
  65,
  127,
  128,
  4095,
  4096,
  4097,
  65_535,
  65_536,
  65_537,
  65_536 + 4096 + 1,
  3 * 65_536 - 1,
);
const boundaryAscii = fc
  .tuple(fc.string({ unit: asciiUnit, minLength: 1, maxLength: 300 }), boundaryLength)
  .map(([pattern, length]) => pattern.repeat(Math.ceil(length / pattern.length)).slice(0, length));

/** Three segments through one capitalizer (prefix, text, suffix): the kernel's output and the state it leaves. */
function segments(kernel: 'js' | 'wasm', s: number | string, prefix: string, text: string, suffix: string) {
  const capitalizer = new CapitalizerImpl({ seed: s }, false, kernel);
  return [prefix, text, suffix].map((piece) => capitalizer.capitalizeSegment(piece));
}

describe('the WebAssembly ASCII kernel', () => {
  it('is available on this Node (WebAssembly SIMD128)', () => {
    expect(wasmAsciiKernel()).toBeDefined();
  });

  it('is embedded exactly as ascii-kernel.wat assembles (after editing the .wat, run `pnpm wasm`)', async () => {
    const bytes = await assembleAsciiKernel();
    expect(ASCII_KERNEL_WASM).toBe(Buffer.from(bytes).toString('base64'));
  });

  it('gives the JS kernel’s output and leaves the same stream state, short texts (0..100 units)', () => {
    fc.assert(
      fc.property(shortAscii, seed, shortAscii, shortAscii, (text, s, prefix, suffix) => {
        // The prefix leaves any number of leftover bits (0..31); the suffix shows the generator state afterwards.
        expect(segments('wasm', s, prefix, text, suffix)).toEqual(segments('js', s, prefix, text, suffix));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the JS kernel’s output and leaves the same stream state around block boundaries', () => {
    fc.assert(
      fc.property(boundaryAscii, seed, shortAscii, (text, s, prefix) => {
        const suffix = `${prefix} Straße, Σοφία, and more ASCII`;
        expect(segments('wasm', s, prefix, text, suffix)).toEqual(segments('js', s, prefix, text, suffix));
      }),
      { numRuns: 60 },
    );
  });

  it('equals the reference model of the seeded contract', () => {
    fc.assert(
      fc.property(
        fc.oneof(shortAscii, boundaryAscii),
        fc.string({ minLength: 1, maxLength: 8 }),
        (text, s) => {
          const capitalizer = new CapitalizerImpl({ seed: s }, false, 'wasm');
          expect(capitalizer.capitalizeSegment(text)).toBe(referenceCapitalize(text, s));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('leaves text that is not ASCII to the other kernels, having consumed nothing', () => {
    const ascii = 'plain ASCII text, long enough to pass the 1 KiB probe. '.repeat(40);
    for (const text of [`${ascii}é`, `${ascii}東京`, `${ascii}😀 end`, `é${ascii}`]) {
      expect(segments('wasm', 7, 'pre', text, 'after')).toEqual(segments('js', 7, 'pre', text, 'after'));
      expect(new CapitalizerImpl({ seed: 7 }, false, 'wasm').capitalizeSegment(text)).toBe(
        referenceCapitalize(text, '7'),
      );
    }
  });

  it('reuses and grows its memory across calls of different sizes', () => {
    const text = 'Lambda runtime, (hello) WORLD! 42 e-mail: user@example.com '.repeat(5000);
    const sizes = [600, text.length, 1000, 70_000, text.length - 3, 513];
    const wasm = new CapitalizerImpl({ seed: 'sizes' }, false, 'wasm');
    const js = new CapitalizerImpl({ seed: 'sizes' }, false, 'js');
    for (const size of sizes) {
      const piece = text.slice(0, size);
      expect(wasm.capitalizeSegment(piece)).toBe(js.capitalizeSegment(piece));
    }
  });

  it('is what randomCapitalize uses for long ASCII input (auto), with the same output', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(100);
    const auto = new CapitalizerImpl({ seed: 42 }).capitalizeSegment(text);
    expect(auto).toBe(new CapitalizerImpl({ seed: 42 }, false, 'js').capitalizeSegment(text));
    expect(auto).toBe(referenceCapitalize(text, '42'));
  });
});

describe('without WebAssembly', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('falls back to the JS kernel with the same seeded output', async () => {
    vi.stubGlobal('WebAssembly', undefined);
    vi.resetModules();
    const fresh = await import('./wasm-ascii.js');
    expect(fresh.wasmAsciiKernel()).toBeUndefined();
    const { randomCapitalize } = await import('./capitalize.js');
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(100);
    expect(randomCapitalize(text, { seed: 42 })).toBe(referenceCapitalize(text, '42'));
  });
});
