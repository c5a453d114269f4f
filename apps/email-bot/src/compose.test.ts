import type { ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeReply, type ReplyBuilder, type ReplyContent, TRUNCATION_NOTE } from './compose.js';

const upper = {
  text: (t: string) => t.toUpperCase(),
  html: (h: string) => h.replace(/>([^<]*)</g, (_m, t: string) => `>${t.toUpperCase()}<`),
};
const from = { address: 'bot@example.com', name: 'Caprice' };

/** A fake builder whose "raw" is just the content, so sizes are easy to reason about. */
function recordingBuilder(): { build: ReplyBuilder; calls: ReplyContent[] } {
  const calls: ReplyContent[] = [];
  const build: ReplyBuilder = async (_original, reply) => {
    calls.push(reply);
    const raw = Buffer.from(`${reply.text}${reply.html ?? ''}${reply.quote ? reply.text : ''}`);
    return { raw, envelope: { from: 'bot@example.com', to: ['alice@example.org'] }, headers: {} };
  };
  return { build, calls };
}

function parsed(fields: Partial<ParsedMail>): ParsedMail {
  return { attachments: [], headers: new Map(), headerLines: [], html: false, ...fields } as ParsedMail;
}

describe('composeReply', () => {
  it('capitalizes the text and the HTML text nodes and passes the quote option through', async () => {
    const { build, calls } = recordingBuilder();
    const reply = await composeReply(
      parsed({ text: 'hi there', html: '<p class="x">hi there</p>' }),
      { from, quote: true, maxBytes: 1000 },
      { transform: upper, buildReply: build },
    );
    expect(reply.truncated).toBe(false);
    expect(calls).toEqual([{ from, text: 'HI THERE', html: '<p class="x">HI THERE</p>', quote: true }]);
  });

  it('says so when the message has no text at all', async () => {
    const { build, calls } = recordingBuilder();
    await composeReply(
      parsed({ text: '  ' }),
      { from, quote: false, maxBytes: 1000 },
      { transform: upper, buildReply: build },
    );
    expect(calls[0]?.text).toMatch(/no text/);
  });

  it('drops the HTML and the quote, then cuts the text to fit, with a note', async () => {
    const { build, calls } = recordingBuilder();
    const text = 'abc '.repeat(1000);
    const reply = await composeReply(
      parsed({ text, html: `<p>${text}</p>` }),
      { from, quote: true, maxBytes: 1000 },
      { transform: upper, buildReply: build },
    );
    expect(reply.truncated).toBe(true);
    expect(reply.raw.byteLength).toBeLessThanOrEqual(1000);
    const last = calls.at(-1)!;
    expect(last.html).toBeUndefined();
    expect(last.quote).toBe(false);
    expect(last.text.endsWith(TRUNCATION_NOTE)).toBe(true);
  });

  it('never splits a surrogate pair when cutting', async () => {
    const { build, calls } = recordingBuilder();
    const text = '😀'.repeat(2000);
    await composeReply(
      parsed({ text }),
      { from, quote: false, maxBytes: 3000 },
      { transform: upper, buildReply: build },
    );
    const cut = calls.at(-1)!.text.slice(0, -TRUNCATION_NOTE.length);
    expect(cut.length % 2).toBe(0);
    expect(cut).toBe('😀'.repeat(cut.length / 2));
  });

  it('capitalizes only what can fit when the text alone is longer than the limit (bounded memory)', async () => {
    const { build, calls } = recordingBuilder();
    const seen: number[] = [];
    const transform = {
      text: (t: string) => {
        seen.push(t.length);
        return t.toUpperCase();
      },
      html: (_h: string): string => {
        throw new Error('the HTML is dropped anyway; it must not be capitalized');
      },
    };
    const text = 'abc '.repeat(10_000);
    const reply = await composeReply(
      parsed({ text, html: `<p>${text}</p>` }),
      { from, quote: true, maxBytes: 1000 },
      { transform, buildReply: build },
    );
    expect(seen).toEqual([1000]);
    expect(reply.truncated).toBe(true);
    expect(reply.raw.byteLength).toBeLessThanOrEqual(1000);
    // No build of the full reply: every call is already the cut, quote-less, HTML-less one.
    for (const call of calls) {
      expect(call.quote).toBe(false);
      expect(call.html).toBeUndefined();
      expect(call.text.endsWith(TRUNCATION_NOTE)).toBe(true);
    }
    expect(calls.at(-1)!.text.slice(0, -TRUNCATION_NOTE.length)).toBe(
      text.slice(0, calls.at(-1)!.text.length - TRUNCATION_NOTE.length).toUpperCase(),
    );
  });
});
