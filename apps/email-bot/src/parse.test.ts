import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { PARSER_OPTIONS, parseMail } from './parse.js';

const fixture = (name: string) => readFileSync(new URL(`../test/fixtures/eml/${name}.eml`, import.meta.url));

describe('parseMail', () => {
  it('gives the same headers, addresses, text and HTML as simpleParser with the same options', async () => {
    for (const name of ['attachments', 'html-only', 'latin1', 'iso2022jp', 'dsn']) {
      const raw = fixture(name);
      const ours = await parseMail(raw);
      const simple = await simpleParser(raw, PARSER_OPTIONS);
      const { attachments: a, ...rest } = ours;
      const { attachments: b, ...simpleRest } = simple;
      expect(rest, name).toEqual(simpleRest);
      expect(
        a.map((x) => ({ ...x, content: undefined })),
        name,
      ).toEqual(b.map((x) => ({ ...x, content: undefined })));
    }
  });

  it('counts attachment bytes but does not keep them', async () => {
    const content = Buffer.alloc(300_000, 7);
    const raw = Buffer.from(
      [
        'From: a@example.org',
        'To: bot@example.com',
        'Content-Type: multipart/mixed; boundary="x"',
        '',
        '--x',
        'Content-Type: text/plain',
        '',
        'hello',
        '--x',
        'Content-Type: application/octet-stream; name=big.bin',
        'Content-Disposition: attachment; filename=big.bin',
        'Content-Transfer-Encoding: base64',
        '',
        content.toString('base64').replace(/.{76}/g, '$&\r\n'),
        '--x--',
        '',
      ].join('\r\n'),
    );
    const parsed = await parseMail(raw);
    expect(parsed.text?.trim()).toBe('hello');
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]).toMatchObject({ filename: 'big.bin', size: 300_000, release: null });
    expect(parsed.attachments[0]?.content.byteLength).toBe(0);
  });

  it('rejects what simpleParser rejects', async () => {
    await expect(parseMail(Buffer.from('From: a@example.org\r\nTo: b\r\n\r\nhi'))).resolves.toBeDefined();
    await expect(parseMail(Buffer.from(`X: ${'a'.repeat(300 * 1024)}\r\n\r\nhi`))).rejects.toThrow();
    await expect(
      simpleParser(Buffer.from(`X: ${'a'.repeat(300 * 1024)}\r\n\r\nhi`), PARSER_OPTIONS),
    ).rejects.toThrow();
  });
});
