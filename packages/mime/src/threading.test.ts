import { describe, expect, it } from 'vitest';
import { MAX_REFERENCES } from './constants.js';
import { parseMessageIds, threadHeaders } from './threading.js';

describe('parseMessageIds', () => {
  it('reads strings, arrays and bare obsolete-syntax IDs', () => {
    expect(parseMessageIds('<a@x.org> <b@x.org>')).toEqual(['<a@x.org>', '<b@x.org>']);
    expect(parseMessageIds(['<a@x.org>', '<b@x.org> <c@x.org>'])).toEqual([
      '<a@x.org>',
      '<b@x.org>',
      '<c@x.org>',
    ]);
    expect(parseMessageIds('a@x.org')).toEqual(['<a@x.org>']);
    expect(parseMessageIds(undefined)).toEqual([]);
  });

  it('drops IDs with spaces, control characters, non-ASCII or excessive length', () => {
    expect(parseMessageIds('<bad id@x.org> <ok@x.org>')).toEqual(['<ok@x.org>']);
    expect(parseMessageIds('<a\r\nb@x.org>')).toEqual([]);
    expect(parseMessageIds('<ü@x.org>')).toEqual([]);
    expect(parseMessageIds(`<${'x'.repeat(300)}@x.org>`)).toEqual([]);
    expect(parseMessageIds('<no-at-sign> <@x.org> <a@> <a@b@c>')).toEqual([]);
  });
});

describe('threadHeaders', () => {
  it('sets In-Reply-To to the original Message-ID and appends it to References', () => {
    // Act
    const thread = threadHeaders({ messageId: '<m3@x.org>', references: ['<m1@x.org>', '<m2@x.org>'] });
    // Assess
    expect(thread).toEqual({
      inReplyTo: '<m3@x.org>',
      references: ['<m1@x.org>', '<m2@x.org>', '<m3@x.org>'],
    });
  });

  it('falls back to a lone In-Reply-To when the original has no References', () => {
    expect(threadHeaders({ messageId: '<m2@x.org>', inReplyTo: '<m1@x.org>' }).references).toEqual([
      '<m1@x.org>',
      '<m2@x.org>',
    ]);
    // An In-Reply-To with several IDs is ambiguous (RFC 5322 §3.6.4), so it is not used.
    expect(threadHeaders({ messageId: '<m2@x.org>', inReplyTo: '<a@x.org> <b@x.org>' }).references).toEqual([
      '<m2@x.org>',
    ]);
  });

  it('omits both headers when the original has no usable Message-ID', () => {
    expect(threadHeaders({ references: '<m1@x.org>' })).toEqual({});
    expect(threadHeaders({ messageId: '<no id here>' })).toEqual({});
  });

  it('removes duplicates, keeping the first occurrence', () => {
    expect(threadHeaders({ messageId: '<c@x>', references: '<a@x> <b@x> <a@x> <c@x>' }).references).toEqual([
      '<a@x>',
      '<b@x>',
      '<c@x>',
    ]);
  });

  it('caps long References at the thread root plus the most recent IDs', () => {
    // Prepare
    const references = Array.from({ length: 40 }, (_, i) => `<r${i + 1}@x.org>`);
    // Act
    const thread = threadHeaders({ messageId: '<r41@x.org>', references });
    // Assess
    expect(thread.references).toHaveLength(MAX_REFERENCES);
    expect(thread.references?.[0]).toBe('<r1@x.org>');
    expect(thread.references?.[1]).toBe(`<r${41 - MAX_REFERENCES + 2}@x.org>`);
    expect(thread.references?.at(-1)).toBe('<r41@x.org>');
  });
});
