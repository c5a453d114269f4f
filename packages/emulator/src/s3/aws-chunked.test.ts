import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AwsChunkedDecoder } from './aws-chunked.js';
import { S3Error } from './s3-error.js';

function frame(payload: Buffer, chunkSize: number, signed: boolean, trailer?: string): Buffer {
  const parts: Buffer[] = [];
  const ext = signed ? `;chunk-signature=${'a'.repeat(64)}` : '';
  for (let i = 0; i < payload.length; i += chunkSize) {
    const chunk = payload.subarray(i, i + chunkSize);
    parts.push(Buffer.from(`${chunk.length.toString(16)}${ext}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0${ext}\r\n${trailer === undefined ? '' : `${trailer}\r\n`}\r\n`));
  return Buffer.concat(parts);
}

async function decode(pieces: Buffer[]): Promise<{ payload: Buffer; trailers: Map<string, string> }> {
  const decoder = new AwsChunkedDecoder();
  const out: Buffer[] = [];
  await pipeline(Readable.from(pieces), decoder, async (source: AsyncIterable<Buffer>) => {
    for await (const c of source) out.push(c);
  });
  return { payload: Buffer.concat(out), trailers: decoder.trailers };
}

function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    pieces.push(buf.subarray(last, p));
    last = p;
  }
  pieces.push(buf.subarray(last));
  return pieces.filter((p) => p.length > 0);
}

describe('AwsChunkedDecoder', () => {
  it('recovers the payload and trailers however the framed bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 1, max: 1024 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (bytes, chunkSize, signed, cuts) => {
          const payload = Buffer.from(bytes);
          const framed = frame(payload, chunkSize, signed, 'x-amz-checksum-crc32:AAAAAA==');
          const { payload: out, trailers } = await decode(split(framed, cuts));
          expect(out.equals(payload)).toBe(true);
          expect(trailers.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('accepts a body with no trailer', async () => {
    const { payload, trailers } = await decode([frame(Buffer.from('hello'), 2, false)]);
    expect(payload.toString()).toBe('hello');
    expect(trailers.size).toBe(0);
  });

  it('rejects truncated bodies and bad framing with an S3Error', async () => {
    const framed = frame(Buffer.from('hello world'), 4, false);
    await expect(decode([framed.subarray(0, 10)])).rejects.toBeInstanceOf(S3Error);
    await expect(decode([Buffer.from('zz\r\nhi\r\n0\r\n\r\n')])).rejects.toThrow(/bad chunk size/);
    await expect(decode([Buffer.from('2\r\nhiXX0\r\n\r\n')])).rejects.toThrow(/not followed by CRLF/);
  });
});
