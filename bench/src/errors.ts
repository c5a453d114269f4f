/** Why a bench could not run (never a slow result: those are reported, not thrown). */

export class BenchError extends Error {
  readonly code: string = 'BENCH_ERROR';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BenchError';
  }
}

/** A built artifact the bench measures is missing. */
export class MissingArtifactError extends BenchError {
  override readonly code = 'BENCH_MISSING_ARTIFACT';
  constructor(path: string, build: string) {
    super(
      `${path} is missing; build it first with \`${build}\` (or run \`pnpm bench\` from the root, which builds it)`,
    );
    this.name = 'MissingArtifactError';
  }
}

/** Another package's bench printed something this bench cannot read. */
export class BenchOutputError extends BenchError {
  override readonly code = 'BENCH_OUTPUT_FORMAT';
  constructor(packageDir: string, output: string) {
    super(
      `Could not find the result table in the output of ${packageDir}'s bench (did its format change? update bench/src/lib/package-bench-output.ts); output began: ${JSON.stringify(output.slice(0, 200))}`,
    );
    this.name = 'BenchOutputError';
  }
}
