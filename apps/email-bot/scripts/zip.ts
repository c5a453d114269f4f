/** Zips dist/bundle into dist/email-bot.zip (reproducible bytes) and records its sizes in dist/email-bot.zip.json. */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { collectDirectory, writeReproducibleZip } from '@caprice/lambda-bundle';

const root = fileURLToPath(new URL('..', import.meta.url));
const entries = await collectDirectory(`${root}dist/bundle`);
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
