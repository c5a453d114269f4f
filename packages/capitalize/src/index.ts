/**
 * `@caprice/capitalize`: RaNdOMlY CaPiTaLiZeS text — Unicode-correct, seedable, streaming and HTML-aware.
 * @module
 */

export { randomCapitalize } from './capitalize.js';
export { capitalizeHtml } from './capitalize-html.js';
export { createCapitalizeStream } from './capitalize-stream.js';
export { type CapitalizeOptions, type Capitalizer, createCapitalizer } from './capitalizer.js';
export {
  CapitalizeErrorCode,
  CapitalizeRangeError,
  CapitalizeTypeError,
  isCapitalizeError,
} from './errors.js';
export { createSeededRandom, type Seed } from './prng.js';
