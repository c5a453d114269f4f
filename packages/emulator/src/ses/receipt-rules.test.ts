import { describe, expect, it } from 'vitest';
import { type ReceiptRule, ruleMatchesRecipient } from './receipt-rules.js';

const rule = (recipients: string[], enabled = true): ReceiptRule => ({
  name: 'r',
  enabled,
  tlsPolicy: 'Optional',
  scanEnabled: true,
  recipients,
  actions: [],
});

describe('ruleMatchesRecipient', () => {
  it('matches addresses, domains and subdomains like SES, ignoring case', () => {
    expect(ruleMatchesRecipient(rule(['Bot@Example.com']), 'bot@example.COM')).toBe(true);
    expect(ruleMatchesRecipient(rule(['example.com']), 'any@example.com')).toBe(true);
    expect(ruleMatchesRecipient(rule(['example.com']), 'any@sub.example.com')).toBe(false);
    expect(ruleMatchesRecipient(rule(['.example.com']), 'any@sub.example.com')).toBe(true);
    expect(ruleMatchesRecipient(rule(['.example.com']), 'any@example.com')).toBe(false);
    expect(ruleMatchesRecipient(rule([]), 'anyone@anywhere.org')).toBe(true);
    expect(ruleMatchesRecipient(rule([], false), 'anyone@anywhere.org')).toBe(false);
  });
});
