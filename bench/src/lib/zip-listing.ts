/** Reads a zip's central directory (no extraction): name, compressed and uncompressed size of each entry. */
import { BenchError } from '../errors.js';

export interface ZipEntrySize {
  readonly name: string;
  readonly compressed: number;
  readonly uncompressed: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;

/** Lists the entries of a zip held in memory; throws on a buffer that is not a (non-zip64) zip. */
export function listZip(zip: Buffer): ZipEntrySize[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new BenchError(`not a zip: no end-of-central-directory record in ${zip.length} bytes`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out: ZipEntrySize[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL)
      throw new BenchError(`not a zip: bad central directory entry at ${at}`);
    const compressed = zip.readUInt32LE(at + 20);
    const uncompressed = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    out.push({ name: zip.toString('utf8', at + 46, at + 46 + nameLength), compressed, uncompressed });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}
