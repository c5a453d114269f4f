/**
 * Reading AWS Query protocol parameters (`Rule.Actions.member.2.S3Action.BucketName=…`) from a
 * form-encoded body. Lists are `<prefix>.member.<n>` with n from 1.
 */
export class QueryParams {
  readonly #params: URLSearchParams;
  constructor(body: string) {
    this.#params = new URLSearchParams(body);
  }

  get(name: string): string | undefined {
    return this.#params.get(name) ?? undefined;
  }

  /** Number of bytes of a parameter value (for SES's size limit on RawMessage.Data). */
  length(name: string): number {
    return this.#params.get(name)?.length ?? 0;
  }

  /** Member prefixes of a list in index order: `Rule.Actions.member.1`, `Rule.Actions.member.2`, … */
  members(prefix: string): string[] {
    const indexes = new Set<number>();
    const head = `${prefix}.member.`;
    for (const key of this.#params.keys()) {
      if (!key.startsWith(head)) continue;
      const n = Number.parseInt(key.slice(head.length), 10);
      if (Number.isInteger(n) && n > 0) indexes.add(n);
    }
    return [...indexes].sort((a, b) => a - b).map((n) => `${head}${n}`);
  }

  /** Values of a list of strings. */
  list(prefix: string): string[] {
    return this.members(prefix)
      .map((m) => this.get(m))
      .filter((v): v is string => v !== undefined);
  }

  /** Whether any parameter starts with `prefix.` (a structure was given). */
  has(prefix: string): boolean {
    for (const key of this.#params.keys()) if (key === prefix || key.startsWith(`${prefix}.`)) return true;
    return false;
  }
}
