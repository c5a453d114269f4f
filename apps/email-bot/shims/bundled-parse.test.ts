/**
 * The shims in place: src/parse.ts bundled with the shipped options (scripts/bundle-options.ts: ICU charset shims,
 * lazy paths, node:http through require) must parse every message exactly like the unbundled parser with the real
 * iconv-lite and encoding-japanese: the shared corpus, the app's fixtures, and synthetic mails in every double-byte
 * charset (bodies and encoded-word headers, whole and split across chunks).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildLambdaBundle } from '@caprice/lambda-bundle';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailBotBundleOptions } from '../scripts/bundle-options.js';
import { parseMail } from '../src/parse.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const corpusDir = resolve(here, '../../../../shared/corpus/email');
const fixturesDir = resolve(here, '../test/fixtures');
const require = createRequire(import.meta.url);
const iconv = require('iconv-lite') as { encode(text: string, charset: string): Buffer };
const japanese = require('encoding-japanese') as {
  convert(data: number[], options: { to: string; from: string }): number[];
};

let dir: string;
let bundledParse: (bytes: Uint8Array) => Promise<ParsedMail>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'email-bot-shims-'));
  const result = await buildLambdaBundle(
    emailBotBundleOptions(join(dir, 'parse.mjs'), 'shipped', { entry: resolve(here, '../src/parse.ts') }),
  );
  const inputs = Object.keys(result.metafile.inputs).join('\n');
  // The originals must be gone from the bundle, the shims in it.
  expect(inputs).not.toMatch(
    /iconv-lite[\\/]encodings[\\/]tables[\\/](cp936|cp949|cp950|eucjp|shiftjis)\.json/,
  );
  expect(inputs).not.toMatch(/encoding-japanese[\\/]src/);
  expect(inputs).toMatch(/shims[\\/]iconv-dbcs-data\.ts/);
  ({ parseMail: bundledParse } = (await import(pathToFileURL(result.outfile).href)) as {
    parseMail: typeof bundledParse;
  });
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * A ParsedMail as comparable JSON (Maps as entries, Buffers as hex). mailparser dates a mail without a valid Date
 * header "now", so a date within two minutes of the test run compares as "(parse time)".
 */
function snapshot(mail: ParsedMail): string {
  return JSON.stringify(mail, (_key, value: unknown) => {
    if (value instanceof Map) return [...value.entries()];
    if (
      typeof value === 'string' &&
      ISO_DATE.test(value) &&
      Math.abs(Date.parse(value) - Date.now()) < 120_000
    ) {
      return '(parse time)';
    }
    if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
      return Buffer.from((value as { data: number[] }).data).toString('hex');
    }
    return value;
  });
}

async function outcome(parse: (bytes: Uint8Array) => Promise<ParsedMail>, raw: Buffer): Promise<string> {
  try {
    return snapshot(await parse(raw));
  } catch (error) {
    return `throws ${(error as Error).name}: ${(error as Error).message}`;
  }
}

function files(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !/\.(md|tsv|txt|json|license)$/i.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** A mail whose subject (encoded word), body and an HTML part are `text` in `charset`. */
function mailIn(charset: string, text: string, encode: (s: string) => Buffer): Buffer {
  const body = encode(text);
  const subject = `=?${charset}?B?${encode(text.slice(0, 20)).toString('base64')}?=`;
  return Buffer.concat([
    Buffer.from(
      `From: a@example.org\r\nTo: b@example.org\r\nSubject: ${subject}\r\nMessage-ID: <${charset}@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=${charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`,
    ),
    body,
    Buffer.from(
      `\r\n--b\r\nContent-Type: text/html; charset=${charset}\r\nContent-Transfer-Encoding: base64\r\n\r\n`,
    ),
    Buffer.from(encode(`<p>${text}</p>`).toString('base64').replace(/.{76}/g, '$&\r\n')),
    Buffer.from('\r\n--b--\r\n'),
  ]);
}

const SAMPLES: Record<string, string> = {
  shift_jis: '日本語のテキスト、半角ｶﾀｶﾅ、記号①②③と～。',
  'euc-jp': '日本語のテキスト、漢字と仮名。髙﨑',
  gb2312: '简体中文的文本，汉字与标点。',
  gbk: '简体中文与繁體字，GBK 扩展字：丂丄丅',
  gb18030: '中文文本 😀 与四字节字符𠀀',
  'euc-kr': '한국어 텍스트와 한자 漢字.',
  'ks_c_5601-1987': '한국어 확장 음절: 똠방각하 햏',
  big5: '繁體中文的文字，標點符號。',
  'big5-hkscs': '香港增補字符集：㐵㘉',
};

describe('the bundled parser with the charset shims', () => {
  it('parses every corpus message and fixture like the unbundled parser', { timeout: 120_000 }, async () => {
    const all = [...files(corpusDir), ...files(fixturesDir)];
    expect(all.length).toBeGreaterThan(50);
    const differing: string[] = [];
    for (const file of all) {
      const raw = readFileSync(file);
      if ((await outcome(parseMail, raw)) !== (await outcome(bundledParse, raw))) differing.push(file);
    }
    expect(differing).toEqual([]);
  });

  for (const [charset, text] of Object.entries(SAMPLES)) {
    it(`decodes a ${charset} mail like the unbundled parser`, async () => {
      const raw = mailIn(charset, text, (s) => iconv.encode(s, charset));
      const expected = await outcome(parseMail, raw);
      expect(expected).toContain(text.slice(0, 5));
      expect(await outcome(bundledParse, raw)).toBe(expected);
    });
  }

  it('decodes an ISO-2022-JP mail like the unbundled parser', async () => {
    const text = '日本語のメール、ＩＳＯ－２０２２－ＪＰ。ｶﾀｶﾅ';
    const raw = mailIn('iso-2022-jp', text, (s) =>
      Buffer.from(japanese.convert([...Buffer.from(s, 'utf8')], { to: 'JIS', from: 'UTF8' })),
    );
    const expected = await outcome(parseMail, raw);
    expect(expected).toContain('日本語');
    expect(await outcome(bundledParse, raw)).toBe(expected);
  });

  it('decodes random bytes labelled with each charset like the unbundled parser', async () => {
    let x = 0x1234567;
    const next = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) & 0xff;
    };
    for (const charset of [...Object.keys(SAMPLES), 'iso-2022-jp', 'euc-jp', 'eucjp']) {
      const junk = Buffer.from(Array.from({ length: 3000 }, () => (next() === 10 ? 0x1b : next())));
      const raw = mailIn(charset, '', () => junk);
      expect(await outcome(bundledParse, raw), charset).toBe(await outcome(parseMail, raw));
    }
  });
});
