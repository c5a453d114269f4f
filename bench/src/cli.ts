/**
 * `pnpm bench [-- <name>…]`: runs the named benches (all by default) one after another, stores each result in
 * results/<name>.json (+ SVG charts) and re-renders results/latest.md from every stored result.
 * Exits non-zero only when a bench could not run — never because a figure is slow.
 */

import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCHES } from './benches/index.js';
import { BenchError } from './errors.js';
import { ROOT } from './lib/workspace.js';
import { describeMachine } from './machine.js';
import { goalsTable, renderReport, replaceHeadline } from './report.js';
import type { Section } from './section.js';
import { renderBarChart } from './svg.js';

const RESULTS = new URL('../results/', import.meta.url).pathname;
const argv = process.argv.slice(2).filter((a) => a !== '--');
// `--render`: only re-render latest.md, the charts and the README headline from the stored results.
const renderOnly = argv.includes('--render');
const args = argv.filter((a) => a !== '--render');
if (args.includes('--list') || args.includes('--help')) {
  console.log(
    'usage: pnpm --filter @caprice/bench bench [name…]   (CAPRICE_BENCH_QUICK=1 for a short smoke run)',
  );
  for (const b of BENCHES) console.log(`  ${b.name.padEnd(10)} ${b.title} (≤ ~${b.budgetSeconds} s)`);
  process.exit(0);
}
const unknown = args.filter((a) => !BENCHES.some((b) => b.name === a));
if (unknown.length) {
  console.error(`Unknown bench ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const selected = renderOnly ? [] : args.length ? BENCHES.filter((b) => args.includes(b.name)) : BENCHES;
const quick = process.env.CAPRICE_BENCH_QUICK === '1';
await mkdir(RESULTS, { recursive: true });

let couldNotRun = 0;
const suiteStart = performance.now();
for (const bench of selected) {
  const machine = describeMachine();
  const started = performance.now();
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const tmp = await mkdtemp(join(tmpdir(), `caprice-bench-${bench.name}-`));
  console.log(`\n▶ ${bench.name}: ${bench.title}`);
  let section: Section;
  // A hung bench must not hang the suite: give up after 3× its budget.
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      bench.run({ root: ROOT, tmp, quick, log: (line) => console.log(`  ${line}`) }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new BenchError(`gave up after ${bench.budgetSeconds * 3} s (3× its budget)`)),
          bench.budgetSeconds * 3000,
        );
      }),
    ]);
    section = {
      name: bench.name,
      title: bench.title,
      date,
      machine,
      seconds: (performance.now() - started) / 1000,
      ...result,
    };
    for (const chart of result.charts ?? [])
      await writeFile(join(RESULTS, chart.file), renderBarChart(chart));
    for (const g of result.goals ?? [])
      console.log(
        `  goal ${g.what}: ${g.actual} (target ${g.target}) ${g.met === null ? '–' : g.met ? 'met' : 'NOT met'}`,
      );
  } catch (error) {
    couldNotRun += 1;
    const message = error instanceof Error ? error.message : String(error);
    console.error(`  ✗ ${bench.name} could not run: ${message}`);
    section = {
      name: bench.name,
      title: bench.title,
      date,
      machine,
      seconds: (performance.now() - started) / 1000,
      error: message,
    };
  } finally {
    clearTimeout(timer);
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
  await writeFile(join(RESULTS, `${bench.name}.json`), `${JSON.stringify(section, null, 2)}\n`);
  console.log(`  done in ${section.seconds.toFixed(0)} s`);
}

const stored: Section[] = [];
for (const file of (await readdir(RESULTS)).filter((f) => f.endsWith('.json')).sort()) {
  stored.push(JSON.parse(await readFile(join(RESULTS, file), 'utf8')) as Section);
}
if (renderOnly) {
  for (const chart of stored.flatMap((s) => s.charts ?? []))
    await writeFile(join(RESULTS, chart.file), renderBarChart(chart));
}
const order = BENCHES.map((b) => b.name);
await writeFile(join(RESULTS, 'latest.md'), renderReport(stored, order));
// The README's headline is the same goals table, so its numbers always come from the stored results.
const readmePath = new URL('../README.md', import.meta.url).pathname;
const readme = await readFile(readmePath, 'utf8').catch(() => '');
if (readme) {
  const sorted = [...stored].sort(
    (a, b) => (order.indexOf(a.name) + 1 || 99) - (order.indexOf(b.name) + 1 || 99),
  );
  const dates = sorted.map((s) => s.date).sort();
  const headline = `_From [\`results/latest.md\`](results/latest.md) (${dates[0] ?? '–'}${dates.length > 1 ? ` … ${dates[dates.length - 1]}` : ''})._\n\n${goalsTable(sorted)}`;
  const next = replaceHeadline(readme, headline);
  if (next !== readme) await writeFile(readmePath, next);
}
// Markdown is formatted by Biome like every other file of the repo (padded tables), so `biome check` stays green.
const biome = spawnSync(
  join(ROOT, 'node_modules/.bin/biome'),
  ['format', '--write', join(RESULTS, 'latest.md'), readmePath],
  {
    encoding: 'utf8',
    timeout: 60_000,
  },
);
if (biome.status !== 0)
  console.error(`biome format of the results failed: ${(biome.stderr || biome.stdout).trim().slice(-500)}`);
console.log(
  `\nresults/latest.md written (${selected.length} bench(es) in ${((performance.now() - suiteStart) / 1000).toFixed(0)} s)`,
);
// Instances and servers a failed bench left behind must not keep the process alive.
process.exit(couldNotRun ? 1 : 0);
