import { Duplex, Readable } from 'node:stream';
import { text as collect } from 'node:stream/consumers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyText, asciiText, seed, splitAt } from '../test/arbitraries.js';
import { randomCapitalize } from './capitalize.js';
import { createCapitalizeStream } from './capitalize-stream.js';
import { CapitalizeRangeError, CapitalizeTypeError } from './errors.js';

async function pipe(chunks: readonly unknown[], stream: TransformStream<string, string>): Promise<string[]> {
  const source = new ReadableStream<string>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk as string);
      controller.close();
    },
  });
  const out: string[] = [];
  const reader = source.pipeThrough(stream).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

describe('createCapitalizeStream', () => {
  it('capitalizes a stream like the one-shot call', async () => {
    const out = await pipe(['hel', 'lo wo', 'rld'], createCapitalizeStream({ seed: 42 }));
    expect(out.join('')).toBe('HeLLO WorLD');
  });

  it('holds back a high surrogate split from its low half', async () => {
    const text = 'a𐐨b';
    const out = await pipe(['a\ud801', '\udc28b'], createCapitalizeStream({ probability: 1 }));
    expect(out).toEqual(['A', '𐐀B']);
    expect(out.join('')).toBe(randomCapitalize(text, { probability: 1 }));
  });

  it('emits a trailing lone high surrogate unchanged at the end', async () => {
    const out = await pipe(['ab\ud801'], createCapitalizeStream({ probability: 1 }));
    expect(out).toEqual(['AB', '\ud801']);
  });

  it('equals the one-shot output for any chunking and seed (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(anyText, asciiText),
        fc.array(fc.nat(), { maxLength: 10 }),
        seed,
        async (text, cuts, s) => {
          const out = await pipe(splitAt(text, cuts), createCapitalizeStream({ seed: s }));
          expect(out.join('')).toBe(randomCapitalize(text, { seed: s }));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('errors the stream on a non-string chunk', async () => {
    await expect(pipe(['ok', 42], createCapitalizeStream())).rejects.toThrow(
      new CapitalizeTypeError('stream chunk', 'a string', 42),
    );
  });

  it('validates options when created', () => {
    expect(() => createCapitalizeStream({ probability: -1 })).toThrow(CapitalizeRangeError);
  });

  it('works through TextDecoderStream from bytes', async () => {
    const bytes = new TextEncoder().encode('héllo wörld 😀');
    const body = new Blob([bytes.slice(0, 2), bytes.slice(2, 9), bytes.slice(9)]).stream();
    const reader = body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(createCapitalizeStream({ seed: 9 }))
      .getReader();
    let out = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) out += r.value;
    expect(out).toBe(randomCapitalize('héllo wörld 😀', { seed: 9 }));
  });

  it('works as a Node stream through Duplex.fromWeb (the README recipe)', async () => {
    const chunks = ['hello ', 'wor', 'ld \ud801', '\udc28!'];
    const capitalize = Duplex.fromWeb(createCapitalizeStream({ seed: 42 }), {
      decodeStrings: false,
      encoding: 'utf8',
    });
    const out = await collect(Readable.from(chunks).pipe(capitalize));
    expect(out).toBe(randomCapitalize(chunks.join(''), { seed: 42 }));
  });
});
