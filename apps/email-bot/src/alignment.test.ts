import { describe, expect, it } from 'vitest';
import { checkAlignment, organizationalDomain } from './alignment.js';

describe('organizationalDomain (Public Suffix List through tldts)', () => {
  it.each([
    ['example.org', 'example.org'],
    ['a.b.mail.example.org', 'example.org'],
    ['mail.example.co.uk', 'example.co.uk'],
    ['co.uk', 'co.uk'],
    ['alice.github.io', 'alice.github.io'],
    ['x.alice.github.io', 'alice.github.io'],
    ['github.io', 'github.io'],
    ['x.y.attacker.example', 'attacker.example'],
    ['Mail.Example.ORG.', 'example.org'],
    ['mail.bücher.example', 'xn--bcher-kva.example'],
    ['a.b.公司.hk', 'b.xn--55qx5d.hk'],
    ['a.b.xn--55qx5d.hk', 'b.xn--55qx5d.hk'],
    ['192.0.2.1', '192.0.2.1'],
  ])('%s → %s', (domain, org) => {
    expect(organizationalDomain(domain)).toBe(org);
  });
});

describe('checkAlignment', () => {
  it('says which identifier aligned', () => {
    expect(checkAlignment({ fromDomain: 'example.org', dmarc: 'PASS' })).toEqual({
      aligned: true,
      via: 'dmarc',
      domain: 'example.org',
    });
    expect(
      checkAlignment({ fromDomain: 'example.org', spf: 'PASS', spfDomain: 'bounce.example.org' }),
    ).toEqual({
      aligned: true,
      via: 'spf',
      domain: 'bounce.example.org',
    });
    expect(
      checkAlignment({
        fromDomain: 'example.org',
        dkim: 'PASS',
        dkimDomains: ['esp.example', 'example.org'],
      }),
    ).toEqual({ aligned: true, via: 'dkim', domain: 'example.org' });
  });

  it('is unaligned with nothing authenticated', () => {
    expect(checkAlignment({ fromDomain: 'example.org' })).toEqual({
      aligned: false,
      detail:
        'From domain example.org (organization example.org) is not aligned with an authenticated domain: ' +
        'SPF no pass; DKIM no pass; DMARC missing',
    });
  });
});
