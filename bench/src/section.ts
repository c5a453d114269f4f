/** What one benchmark hands back: tables, charts and goal verdicts, rendered into results/latest.md. */
import type { BarChart } from './svg.js';

export interface Table {
  readonly caption?: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly align?: string;
}

/** One goal of the issue, judged from this run's numbers. `met: null` = could not be judged. */
export interface Goal {
  readonly what: string;
  readonly target: string;
  readonly actual: string;
  readonly met: boolean | null;
}

export interface Chart extends BarChart {
  /** File name under results/, e.g. `cold-start.svg`. */
  readonly file: string;
}

export interface SectionResult {
  readonly tables: readonly Table[];
  readonly charts?: readonly Chart[];
  readonly goals?: readonly Goal[];
  readonly notes?: readonly string[];
}

/** A stored section: what a bench returned plus when and where it ran, or why it could not. */
export interface Section extends Partial<SectionResult> {
  readonly name: string;
  readonly title: string;
  readonly date: string;
  readonly seconds: number;
  readonly machine: string;
  readonly error?: string;
}

/** A benchmark runnable alone: `pnpm --filter @caprice/bench bench <name>`. */
export interface Bench {
  readonly name: string;
  readonly title: string;
  /** Rough upper bound of its run time on the reference 2-vCPU machine, for the 10-minute budget. */
  readonly budgetSeconds: number;
  run(ctx: BenchContext): Promise<SectionResult>;
}

export interface BenchContext {
  /** Workspace root. */
  readonly root: string;
  /** A fresh temporary folder for this bench, removed afterwards. */
  readonly tmp: string;
  readonly log: (line: string) => void;
  /** `CAPRICE_BENCH_QUICK=1`: fewer rounds, for a smoke run. */
  readonly quick: boolean;
}
