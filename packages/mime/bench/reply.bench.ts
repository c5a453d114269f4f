/**
 * Build time and throughput of buildReply for 1 KB, 1 MB and 10 MB bodies, side by side with calling
 * nodemailer's MailComposer directly on the same input. Run: `pnpm bench` (`tsx bench/reply.bench.ts`; add `node --expose-gc --import tsx` to collect garbage between runs).
 *
 * The direct call gets the same addresses, subject, threading and auto-reply headers, text and HTML, so
 * the ratio is the cost of our reply logic (validation, normalisation, subject/threading rules) over the
 * library. Timings are medians of several runs after a warm-up; on a shared machine expect noise.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { buildReply, type OriginalMessage } from '../src/index.js';

const ORIGINAL: OriginalMessage = {
  from: { value: [{ name: 'Alice Ällen', address: 'alice@example.org' }] },
  subject: 'RE: Aw: Quarterly report',
  messageId: '<m2@example.org>',
  references: '<m1@example.org>',
};

/** A body of `bytes` UTF-8 octets: mostly ASCII prose with some non-ASCII, in lines of ~70 characters. */
function body(bytes: number): string {
  const line = 'The quick brown fox jumps over the lazy dog, Grüße aus Köln 👋 — ok.\r\n';
  return line.repeat(Math.ceil(bytes / Buffer.byteLength(line))).slice(0, bytes);
}

async function ours(text: string, html: string): Promise<number> {
  const { raw } = await buildReply(ORIGINAL, {
    from: { address: 'bot@example.com', name: 'Caprice Bot' },
    text,
    html,
  });
  return raw.length;
}

async function direct(text: string, html: string): Promise<number> {
  const raw = await new MailComposer({
    from: { name: 'Caprice Bot', address: 'bot@example.com' },
    to: { name: 'Alice Ällen', address: 'alice@example.org' },
    subject: 'Re: Quarterly report',
    inReplyTo: '<m2@example.org>',
    references: ['<m1@example.org>', '<m2@example.org>'],
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
    text,
    html,
    disableFileAccess: true,
    disableUrlAccess: true,
  })
    .compile()
    .build();
  return raw.length;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Runs both sides alternately, `runs` times each after a warm-up, and returns their median times in ms. */
async function compare(
  runs: number,
  a: () => Promise<number>,
  b: () => Promise<number>,
): Promise<[number, number]> {
  await a();
  await b();
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < runs; i++) {
    for (const [side, fn] of [a, b].entries()) {
      gc?.(); // collect the previous run's garbage outside the timed region (needs --expose-gc)
      const start = process.hrtime.bigint();
      await fn();
      times[side]!.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return [median(times[0]), median(times[1])];
}

const SIZES: [label: string, bytes: number, runs: number][] = [
  ['1 KB', 1024, 400],
  ['1 MB', 1024 * 1024, 15],
  ['10 MB', 10 * 1024 * 1024, 7],
];

const rows = [];
for (const [label, bytes, runs] of SIZES) {
  const text = body(bytes);
  const html = `<p>${text.replace(/\r\n/g, '<br>\r\n')}</p>`;
  const [oursMs, directMs] = await compare(
    runs,
    () => ours(text, html),
    () => direct(text, html),
  );
  const mb = (bytes * 2) / (1024 * 1024); // text + html
  rows.push({
    body: label,
    'buildReply ms': oursMs.toFixed(3),
    'MailComposer ms': directMs.toFixed(3),
    ratio: (oursMs / directMs).toFixed(2),
    'buildReply MB/s': (mb / (oursMs / 1000)).toFixed(1),
    'MailComposer MB/s': (mb / (directMs / 1000)).toFixed(1),
  });
}
console.table(rows);
