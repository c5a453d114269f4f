/** Number of code points, counting each lone surrogate as one (what `Array.from` does). */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
