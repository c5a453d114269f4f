/**
 * Which code points may change case, derived at run time from the engine's own `toLowerCase` / `toUpperCase` so the
 * table always agrees with the `toLowerCase` the invariant is checked against, whatever Unicode version the running
 * engine has.
 *
 * A code point `c` is toggleable, between a lower form `l` and an upper form `u`, when all of these hold:
 * 1. `c` is its own lower case or its own upper case (so titlecase letters such as `ǅ` stay as they are);
 * 2. `l = lower(c)` and `u = upper(c)` are single code points and differ (so `ß`, `ŉ`, `ǰ`, `ΐ`, `İ` and uncased
 *    characters stay);
 * 3. the mapping round-trips: `upper(l) === u` and `lower(u) === l` (so `ſ`, `ı`, Kelvin `K`, Ohm `Ω`, micro `µ`,
 *    `ẞ` stay; their plain partners `s`, `i`, `k`, `ω`, `μ` still toggle);
 * 4. `l`, `u` and `c` lie in the same Unicode plane, so the UTF-16 length never changes;
 * 5. `c` is not `Σ`/`σ`: `toLowerCase` maps `Σ` to `ς` or `σ` depending on the following text (Final_Sigma), so
 *    neither choice is safe without unbounded look-ahead. `ς` already fails rule 3.
 *
 * Then `lower(out) === lower(text)` holds for any text, because each toggled character lower-cases to the same
 * `l` in either form and keeps its Cased / Case_Ignorable status (which is all Final_Sigma looks at).
 * @module
 */

/**
 * Entry layout, one `Uint32Array` of 65,536 entries per plane: `(upper & 0xffff) << 16 | (lower & 0xffff)` for a
 * toggleable code point (always ≥ 0x10000, since the upper form is never U+0000), or one of the small markers below.
 * Picking a form is branch-free: `(entry >>> (upper << 4)) & 0xffff`.
 */
export type PlaneTable = Uint32Array;

/** Not looked at yet: call {@link resolveEntry}. Entries are filled on first sight, not built up front. */
export const UNKNOWN_ENTRY = 0;
/** BMP only, U+D800..U+DBFF: look at the next unit. */
export const HIGH_SURROGATE_ENTRY = 1;
/** Looked at: not toggleable (uncased, digit, mark, emoji, ß, ǅ, a lone low surrogate…). */
export const UNCHANGED_ENTRY = 2;

const GREEK_CAPITAL_SIGMA = 0x03a3;
const GREEK_SMALL_SIGMA = 0x03c3;

/** The lower and upper forms of `cp` if it may be toggled (see the module rules), else `undefined`. */
export function caseFormsOf(cp: number): { lower: number; upper: number } | undefined {
  if (cp === GREEK_CAPITAL_SIGMA || cp === GREEK_SMALL_SIGMA) return undefined;
  if (cp >= 0xd800 && cp <= 0xdfff) return undefined;
  const s = String.fromCodePoint(cp);
  const l = s.toLowerCase();
  const u = s.toUpperCase();
  if (l === u || (s !== l && s !== u)) return undefined;
  const lower = singleCodePoint(l);
  const upper = singleCodePoint(u);
  if (lower === undefined || upper === undefined) return undefined;
  if (l.toUpperCase() !== u || u.toLowerCase() !== l) return undefined;
  const plane = cp >>> 16;
  if (lower >>> 16 !== plane || upper >>> 16 !== plane) return undefined;
  return { lower, upper };
}

function singleCodePoint(s: string): number | undefined {
  const cp = s.codePointAt(0);
  if (cp === undefined) return undefined;
  return s.length === (cp > 0xffff ? 2 : 1) ? cp : undefined;
}

const planes: (PlaneTable | undefined)[] = [];

/**
 * The table of one plane (0 = BMP), with entries resolved lazily by {@link resolveEntry}: a text pays about a
 * microsecond per distinct character it uses, once per process, instead of 15–30 ms per plane for a full build
 * (which matters on a cold Lambda).
 */
export function planeTable(plane: number): PlaneTable {
  const existing = planes[plane];
  if (existing !== undefined) return existing;
  const table = new Uint32Array(0x10000);
  if (plane === 0) {
    for (let c = 0; c < 0x80; c++) resolveEntry(table, 0, c);
    table.fill(HIGH_SURROGATE_ENTRY, 0xd800, 0xdc00);
    table.fill(UNCHANGED_ENTRY, 0xdc00, 0xe000);
  }
  planes[plane] = table;
  return table;
}

/** Computes, stores and returns the entry of code point `plane << 16 | low`. */
export function resolveEntry(table: PlaneTable, plane: number, low: number): number {
  const forms = caseFormsOf((plane << 16) | low);
  const entry =
    forms === undefined ? UNCHANGED_ENTRY : (((forms.upper & 0xffff) << 16) | (forms.lower & 0xffff)) >>> 0;
  table[low] = entry;
  return entry;
}
