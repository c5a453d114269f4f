import { describe, expect, it } from 'vitest';
import { newSesInboundMessageId, PASSING_VERDICTS, parseVerdicts, receiptVerdicts } from './inbound.js';

describe('parseVerdicts', () => {
  it('overrides the named verdicts and ignores unknown names and values', () => {
    expect(
      parseVerdicts('spam=fail; virus=GRAY, spf=nope, bogus=FAIL, dmarc=FAIL, dmarcPolicy=quarantine'),
    ).toEqual({
      ...PASSING_VERDICTS,
      spam: 'FAIL',
      virus: 'GRAY',
      dmarc: 'FAIL',
      dmarcPolicy: 'quarantine',
    });
  });
});

describe('receiptVerdicts', () => {
  it('reports dmarcPolicy only when DMARC failed', () => {
    expect(receiptVerdicts(PASSING_VERDICTS)).not.toHaveProperty('dmarcPolicy');
    expect(receiptVerdicts({ ...PASSING_VERDICTS, dmarc: 'FAIL' })).toMatchObject({ dmarcPolicy: 'none' });
  });
});

describe('newSesInboundMessageId', () => {
  it('is 40 lowercase letters and digits (safe as an S3 key)', () => {
    expect(newSesInboundMessageId()).toMatch(/^[a-z0-9]{40}$/);
  });
});
