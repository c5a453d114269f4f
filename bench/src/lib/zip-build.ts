/** Builds small zips in memory (function code, bootstrap layers) with yazl. */
import { ZipFile } from 'yazl';

/** `files`: name → text or `{ text, mode }` (mode e.g. 0o755 for a bootstrap). */
export function buildZip(
  files: Record<string, string | { text: string | Buffer; mode: number }>,
): Promise<Buffer> {
  const z = new ZipFile();
  for (const [name, file] of Object.entries(files)) {
    const { text, mode } = typeof file === 'string' ? { text: file, mode: 0o644 } : file;
    z.addBuffer(Buffer.isBuffer(text) ? text : Buffer.from(text), name, { mode: 0o100000 | mode });
  }
  z.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    z.outputStream.on('error', reject);
  });
}
