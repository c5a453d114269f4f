import { describe, expect, it } from 'vitest';
import { botMailbox, canonicalAddress, recipientMailbox } from './address.js';
import { InvalidAddressError, InvalidDisplayNameError, MimeError, NoRecipientError } from './errors.js';

const list = (
  ...value: { name?: string; address?: string; group?: { name: string; address: string }[] }[]
) => ({
  value,
  text: value.map((v) => v.address ?? v.name).join(', '),
});

describe('canonicalAddress', () => {
  it('accepts dot-atoms and quoted local parts, punycoding and lower-casing the domain', () => {
    expect(canonicalAddress('f', 'alice@Example.ORG')).toBe('alice@example.org');
    expect(canonicalAddress('f', '"john doe"@example.org')).toBe('"john doe"@example.org');
    expect(canonicalAddress('f', '"a@b"@example.org')).toBe('"a@b"@example.org');
    expect(canonicalAddress('f', 'jörg@exämple.de'.replace('jörg', 'joerg'))).toBe('joerg@xn--exmple-cua.de');
  });

  it.each([
    ['no-at-sign', 'has no @domain'],
    ['@example.org', 'empty local part'],
    ['a b@example.org', 'malformed local part'],
    ['a..b@example.org', 'malformed local part'],
    ['jörg@example.de', 'non-ASCII local part'],
    ['a@localhost', 'invalid domain'],
    ['a@[192.0.2.1]', 'domain literal'],
    ['a@exa mple.org', 'invalid domain'],
    ['a@example.org\r\nBcc: x@evil.org', 'control characters'],
    [`${'a'.repeat(65)}@example.org`, 'over 64 octets'],
    [
      `${'a'.repeat(30)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.org`,
      'longer than 254',
    ],
  ])('rejects %j (%s)', (address, reason) => {
    // Act + Assess
    expect(() => canonicalAddress('original.from', address)).toThrowError(InvalidAddressError);
    expect(() => canonicalAddress('original.from', address)).toThrowError(reason);
  });

  it('validates punycode labels (xn--) and lower-cases plain ASCII domains', () => {
    expect(canonicalAddress('f', 'a@XN--BCHER-KVA.Example')).toBe('a@xn--bcher-kva.example');
    expect(() => canonicalAddress('f', 'a@xn--a.example')).toThrowError('invalid domain');
    expect(canonicalAddress('f', 'a@Sub-1.Example.ORG')).toBe('a@sub-1.example.org');
    expect(() => canonicalAddress('f', 'a@-bad.example')).toThrowError('invalid domain');
    expect(() => canonicalAddress('f', 'a@example.org.')).toThrowError('invalid domain');
  });

  it('names the field and the value in the error', () => {
    try {
      canonicalAddress('reply.from.address', 'nope');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(MimeError);
      expect((err as InvalidAddressError).code).toBe('MIME_INVALID_ADDRESS');
      expect((err as Error).message).toContain('reply.from.address');
      expect((err as Error).message).toContain('"nope"');
    }
  });
});

describe('recipientMailbox', () => {
  it('prefers Reply-To over From and takes only its first mailbox', () => {
    const mailbox = recipientMailbox({
      from: list({ name: 'Alice', address: 'alice@example.org' }),
      replyTo: list(
        { name: 'Desk', address: 'desk@example.org' },
        { name: 'Other', address: 'other@example.org' },
      ),
    });
    expect(mailbox).toEqual({ name: 'Desk', address: 'desk@example.org' });
  });

  it('uses From when Reply-To is absent or holds only an empty group', () => {
    const from = list({ name: 'Alice', address: 'alice@example.org' });
    expect(recipientMailbox({ from }).address).toBe('alice@example.org');
    expect(recipientMailbox({ from, replyTo: list({ name: 'undisclosed', group: [] }) }).address).toBe(
      'alice@example.org',
    );
  });

  it('reads group members', () => {
    const replyTo = list({ name: 'Team', group: [{ name: 'Bob', address: 'bob@example.org' }] });
    expect(recipientMailbox({ replyTo }).address).toBe('bob@example.org');
  });

  it('throws NoRecipientError when there is no mailbox at all', () => {
    expect(() => recipientMailbox({})).toThrowError(NoRecipientError);
    expect(() => recipientMailbox({ from: list({ name: 'Nobody', address: '' }) })).toThrowError(
      NoRecipientError,
    );
  });

  it('names both fields and their values in the NoRecipientError message, with its code', () => {
    const error = (() => {
      try {
        return recipientMailbox({
          from: { value: [{ name: 'Undisclosed', address: '' }], text: 'Undisclosed:;' },
        });
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(NoRecipientError);
    expect((error as NoRecipientError).code).toBe('MIME_NO_RECIPIENT');
    expect((error as Error).message).toContain('original.replyTo (undefined)');
    expect((error as Error).message).toContain('original.from ("Undisclosed:;")');
  });

  it('throws InvalidAddressError naming original.replyTo for a bad Reply-To address', () => {
    const call = () => recipientMailbox({ replyTo: list({ name: '', address: 'not an address' }) });
    expect(call).toThrowError(InvalidAddressError);
    expect(call).toThrowError('original.replyTo');
  });

  it('normalises the display name and drops one that cannot be written safely', () => {
    expect(recipientMailbox({ from: list({ name: 'A\r\nBcc: x', address: 'a@example.org' }) }).name).toBe(
      'A Bcc: x',
    );
    expect(recipientMailbox({ from: list({ name: 'x'.repeat(100), address: 'a@example.org' }) }).name).toBe(
      '',
    );
    expect(recipientMailbox({ from: list({ name: 'ü'.repeat(100), address: 'a@example.org' }) }).name).toBe(
      'ü'.repeat(100),
    );
  });
});

describe('botMailbox', () => {
  it('validates the address and the name', () => {
    expect(botMailbox({ address: 'bot@example.com', name: ' Caprice\tBot ' })).toEqual({
      address: 'bot@example.com',
      name: 'Caprice Bot',
    });
    expect(() => botMailbox({ address: 'bot' })).toThrowError(InvalidAddressError);
    expect(() => botMailbox(undefined)).toThrowError(InvalidAddressError);
    expect(() => botMailbox({ address: 'bot@example.com', name: 'x'.repeat(300) })).toThrowError(
      InvalidDisplayNameError,
    );
    expect(() => botMailbox({ address: 'bot@example.com', name: 42 })).toThrowError(InvalidDisplayNameError);
  });

  it('returns the canonical address and names the field of a bad value (for configuration checks)', () => {
    expect(botMailbox({ address: 'Bot@Bücher.example', name: 'Caprice' })).toEqual({
      address: 'Bot@xn--bcher-kva.example',
      name: 'Caprice',
    });
    const address = (() => {
      try {
        return botMailbox({ address: 'jörg@example.com' });
      } catch (err) {
        return err;
      }
    })();
    expect(address).toMatchObject({ code: 'MIME_INVALID_ADDRESS', field: 'reply.from.address' });
    expect((address as Error).message).toContain('"jörg@example.com"');
    const name = (() => {
      try {
        return botMailbox({ address: 'bot@example.com', name: 'a =?utf-8?q?x?= b' });
      } catch (err) {
        return err;
      }
    })();
    expect(name).toMatchObject({ code: 'MIME_INVALID_DISPLAY_NAME', field: 'reply.from.name' });
  });
});
