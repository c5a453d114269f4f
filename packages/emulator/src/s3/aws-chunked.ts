import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from './s3-error.js';

const CR = 0x0d;
const LF = 0x0a;
// A chunk header is "<hex size>[;chunk-signature=<64 hex>]"; trailer lines are short too.
const MAX_LINE = 4096;

type State = 'size' | 'data' | 'data-crlf' | 'trailer' | 'done';

/**
 * Decodes the `aws-chunked` content encoding the SDK uses for streamed uploads with flexible checksums
 * (`x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER` or the signed `STREAMING-AWS4-HMAC-SHA256-*`
 * variants): `<hex>[;ext]\r\n<bytes>\r\n … 0[;ext]\r\n<trailer>:<value>\r\n…\r\n`. Emits only the payload
 * bytes (as zero-copy slices) and collects the trailers, so a checksum trailer can be checked against the
 * payload afterwards. Chunk signatures are not verified (the emulator does not check SigV4).
 */
export class AwsChunkedDecoder extends Transform {
  /** Trailer fields by lower-case name (e.g. `x-amz-checksum-crc32`). */
  readonly trailers = new Map<string, string>();
  /** Payload bytes emitted so far. */
  decodedLength = 0;
  #state: State = 'size';
  #line: Buffer[] = [];
  #lineLength = 0;
  #remaining = 0;
  #crlfSeen = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#consume(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    // Lenient like S3: after the final 0-size chunk, a missing closing blank line is accepted.
    if (this.#state !== 'done' && !(this.#state === 'trailer' && this.#lineLength === 0)) {
      callback(
        new S3Error(400, 'IncompleteBody', 'The request body terminated unexpectedly (aws-chunked framing).'),
      );
      return;
    }
    callback();
  }

  #consume(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.#state) {
        case 'size':
        case 'trailer': {
          const lf = chunk.indexOf(LF, pos);
          const end = lf === -1 ? chunk.length : lf + 1;
          this.#line.push(chunk.subarray(pos, end));
          this.#lineLength += end - pos;
          if (this.#lineLength > MAX_LINE) throw invalidChunk('a chunk header or trailer line is too long');
          pos = end;
          if (lf !== -1) this.#endLine();
          break;
        }
        case 'data': {
          const take = Math.min(this.#remaining, chunk.length - pos);
          const slice = chunk.subarray(pos, pos + take);
          this.decodedLength += take;
          this.push(slice);
          this.#remaining -= take;
          pos += take;
          if (this.#remaining === 0) {
            this.#state = 'data-crlf';
            this.#crlfSeen = 0;
          }
          break;
        }
        case 'data-crlf': {
          const expected = this.#crlfSeen === 0 ? CR : LF;
          if (chunk[pos] !== expected) throw invalidChunk('chunk data is not followed by CRLF');
          pos++;
          if (++this.#crlfSeen === 2) this.#state = 'size';
          break;
        }
        case 'done':
          // Bytes after the final CRLF: tolerate stray line ends only.
          if (chunk[pos] !== CR && chunk[pos] !== LF) throw invalidChunk('data after the final chunk');
          pos++;
          break;
      }
    }
  }

  #endLine(): void {
    const raw = Buffer.concat(this.#line, this.#lineLength).toString('latin1');
    this.#line = [];
    this.#lineLength = 0;
    const line = raw.endsWith('\r\n') ? raw.slice(0, -2) : raw.slice(0, -1);
    if (this.#state === 'size') {
      const sizeText = (line.split(';', 1)[0] ?? '').trim();
      if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw invalidChunk(`bad chunk size "${sizeText}"`);
      const size = Number.parseInt(sizeText, 16);
      if (size === 0) {
        this.#state = 'trailer';
      } else {
        this.#remaining = size;
        this.#state = 'data';
      }
      return;
    }
    // Trailer section: an empty line ends it.
    if (line === '') {
      this.#state = 'done';
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw invalidChunk(`bad trailer line "${line.slice(0, 64)}"`);
    this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
}

function invalidChunk(detail: string): S3Error {
  return new S3Error(400, 'InvalidRequest', `Invalid aws-chunked body: ${detail}.`);
}
