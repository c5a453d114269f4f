import { describe, expect, it } from 'vitest';
import { randomCapitalize } from './capitalize.js';
import {
  caseFormsOf,
  HIGH_SURROGATE_ENTRY,
  planeTable,
  resolveEntry,
  UNCHANGED_ENTRY,
  UNKNOWN_ENTRY,
} from './case-table.js';

/** Every toggleable code point of the running engine, as [lower, upper] strings. */
function allPairs(): [string, string][] {
  const pairs: [string, string][] = [];
  for (let cp = 0; cp < 0x20000; cp++) {
    const forms = caseFormsOf(cp);
    if (forms !== undefined && forms.lower === cp) {
      pairs.push([String.fromCodePoint(forms.lower), String.fromCodePoint(forms.upper)]);
    }
  }
  return pairs;
}

describe('case table', () => {
  const pairs = allPairs();

  it('finds the cased alphabets (sanity bound on the pair count)', () => {
    // ~1,400 pairs on current engines; a big drop would mean the rule became too strict.
    expect(pairs.length).toBeGreaterThan(1300);
  });

  it('keeps the invariant for every code point of planes 0 and 1 in both forms (exhaustive)', () => {
    for (let cp = 0; cp < 0x20000; cp++) {
      const ch = cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
      for (const probability of [0, 1]) {
        const out = randomCapitalize(ch, { probability });
        if (out.toLowerCase() !== ch.toLowerCase() || out.length !== ch.length) {
          expect.fail(`U+${cp.toString(16)} -> ${JSON.stringify(out)}`);
        }
      }
    }
  });

  it('has no toggleable code point in planes 2–16', () => {
    for (let cp = 0x20000; cp <= 0x10ffff; cp += 1) {
      if (caseFormsOf(cp) !== undefined) expect.fail(`U+${cp.toString(16)} is toggleable`);
    }
  });

  it('keeps Cased and Case_Ignorable (what Final_Sigma looks at) equal in both forms', () => {
    for (const [lower, upper] of pairs) {
      expect(/\p{Cased}/u.test(lower), lower).toBe(/\p{Cased}/u.test(upper));
      expect(/\p{Case_Ignorable}/u.test(lower), lower).toBe(/\p{Case_Ignorable}/u.test(upper));
    }
  });

  it('keeps lower case equal around Σ whichever form a letter takes', () => {
    const contexts = ['ΑΣ%', '%Σ', 'Σ%', 'Α%Σ', 'ΑΣ\u0301%', '%\u0301Σ', 'Σ%Α', 'Α\u00adΣ%'];
    for (const [lower, upper] of pairs) {
      for (const context of contexts) {
        expect(context.replace('%', upper).toLowerCase()).toBe(context.replace('%', lower).toLowerCase());
      }
    }
  });

  it('encodes entries as upper << 16 | lower, resolved on first sight', () => {
    const bmp = planeTable(0);
    expect(bmp[0x61]).toBe((0x41 << 16) | 0x61);
    expect(bmp[0x41]).toBe((0x41 << 16) | 0x61);
    expect(bmp[0x31]).toBe(UNCHANGED_ENTRY);
    expect(bmp[0xd800]).toBe(HIGH_SURROGATE_ENTRY);
    expect(bmp[0xdbff]).toBe(HIGH_SURROGATE_ENTRY);
    expect(bmp[0xdc00]).toBe(UNCHANGED_ENTRY);
    const plane1 = planeTable(1);
    expect(resolveEntry(plane1, 1, 0x0428)).toBe((0x0400 << 16) | 0x0428); // 𐐨 U+10428 ↔ 𐐀 U+10400
    expect(plane1[0x0428]).toBe((0x0400 << 16) | 0x0428);
    expect(resolveEntry(plane1, 1, 0xd800)).toBe(UNCHANGED_ENTRY); // U+1D800 is a real, uncased code point
    expect(planeTable(2)[0x1234]).toBe(UNKNOWN_ENTRY);
  });
});
