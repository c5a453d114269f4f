/**
 * Zips dist/bundle (without the source map and the license file) into dist/email-bot.zip (reproducible bytes) and
 * records its sizes in dist/email-bot.zip.json.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { collectDirectory, writeReproducibleZip } from '@caprice/lambda-bundle';

const root = fileURLToPath(new URL('..', import.meta.url));
// The source map stays in dist/bundle for local debugging and error trackers: Lambda's Node applies it only with
// --enable-source-maps (which costs init time), so shipping it would triple the zip for nothing.
// The license comments esbuild collected (index.mjs.LEGAL.txt) stay beside the bundle too: nothing reads them at run
// time, and the third-party licenses ship with the source, not with each deploy.
const entries = (await collectDirectory(`${root}dist/bundle`)).filter(
  (entry) => !entry.path.endsWith('.map') && !entry.path.endsWith('.LEGAL.txt'),
);
const result = await writeReproducibleZip(`${root}dist/email-bot.zip`, entries);
const sizes = {
  zip: 'email-bot.zip',
  codeSha256: result.codeSha256,
  zippedSize: result.zippedSize,
  unzippedSize: result.unzippedSize,
  entries: result.entries,
};
await writeFile(`${root}dist/email-bot.zip.json`, `${JSON.stringify(sizes, null, 2)}\n`);
console.log(`zipped ${result.outFile}: ${result.zippedSize} bytes (${result.unzippedSize} unzipped)`);
