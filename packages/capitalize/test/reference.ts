import { caseFormsOf } from '../src/case-table.js';
import { createSfc32 } from '../src/prng.js';

/**
 * A deliberately simple, slow model of randomCapitalize's documented contract (one bit per toggleable letter, LSB
 * first, at probability 0.5; one 32-bit draw per letter otherwise), used as the oracle for the fast paths.
 */
export function referenceCapitalize(text: string, seed: string, probability = 0.5): string {
  const rng = createSfc32(seed);
  let bits = 0;
  let bitCount = 0;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const forms = ch.length === 2 || cp < 0xd800 || cp > 0xdfff ? caseFormsOf(cp) : undefined;
    if (forms === undefined || probability === 0 || probability === 1) {
      out += forms === undefined ? ch : String.fromCodePoint(probability === 1 ? forms.upper : forms.lower);
      continue;
    }
    let upper: boolean;
    if (probability === 0.5) {
      if (bitCount === 0) {
        bits = rng.nextUint32();
        bitCount = 32;
      }
      upper = (bits & 1) === 1;
      bits >>>= 1;
      bitCount--;
    } else {
      upper = rng.nextUint32() < probability * 2 ** 32;
    }
    out += String.fromCodePoint(upper ? forms.upper : forms.lower);
  }
  return out;
}
