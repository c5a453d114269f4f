/** The part of linkify-it 5's API the deferred stand-in and its test use (the package ships no types). */
declare module 'linkify-it' {
  interface Match {
    schema: string;
    index: number;
    lastIndex: number;
    raw: string;
    text: string;
    url: string;
  }
  interface Rule {
    validate(text: string, pos: number, self: unknown): number | boolean;
    normalize?(match: Match): void;
  }
  interface LinkifyIt {
    tlds(list: string | string[], keepOld?: boolean): LinkifyIt;
    add(schema: string, definition: string | Rule | null): LinkifyIt;
    set(options: Record<string, boolean>): LinkifyIt;
    test(text: string): boolean;
    pretest(text: string): boolean;
    match(text: string): Match[] | null;
  }
  function linkifyIt(schemas?: Record<string, unknown>, options?: Record<string, boolean>): LinkifyIt;
  // biome-ignore lint/style/noDefaultExport: declares linkify-it's own default export
  export default linkifyIt;
}
