/**
 * `pnpm bench`: warm per-invoke overhead and cold start of the layer's runtime, next to the raw floor, with the
 * layer's own Node binary (x64, from `pnpm zip`) when present.
 *
 * Warm: each contender runs a closed loop against the same raw fake Runtime API; the cycle time is the interval
 * between successive `/next` arrivals (so server cost is included equally for all). Cold: spawn → first `/next`,
 * interleaved with spawn → exit of `node -e 0` on the same binary.
 *
 * Other contenders (e.g. AWS's aws-lambda-ric) are added to CONTENDERS below.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stageLayer } from '../test/harness.js';
import { FakeRuntimeApi } from './fake-runtime-api.js';

const WARMUP = Number(process.env.CAPRICE_BENCH_WARMUP ?? 500);
const INVOKES = Number(process.env.CAPRICE_BENCH_INVOKES ?? 4000);
const REPS = Number(process.env.CAPRICE_BENCH_REPS ?? 3);
const COLD_RUNS = Number(process.env.CAPRICE_BENCH_COLD ?? 15);

interface Contender {
  name: string;
  start(endpoint: string): ChildProcess;
}

const layer = await stageLayer();
const taskRoot = await mkdtemp(join(tmpdir(), 'caprice-bench-'));
await writeFile(
  join(taskRoot, 'index.mjs'),
  'export const handler = async (event) => ({ ok: true, id: event.id });\n',
);
const lambdaEnv = (endpoint: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  AWS_LAMBDA_RUNTIME_API: endpoint,
  _HANDLER: 'index.handler',
  LAMBDA_TASK_ROOT: taskRoot,
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/bench',
  AWS_LAMBDA_LOG_STREAM_NAME: 'bench',
});

const CONTENDERS: Contender[] = [
  {
    name: 'raw floor (hand-written HTTP/1.1, one socket)',
    start: (endpoint) =>
      spawn(layer.nodeBinary, [new URL('./floor-client.mjs', import.meta.url).pathname], {
        env: lambdaEnv(endpoint),
        stdio: 'ignore',
      }),
  },
  {
    name: '@caprice/runtime layer (bootstrap)',
    start: (endpoint) =>
      spawn(join(layer.dir, 'bootstrap'), [], { env: lambdaEnv(endpoint), stdio: 'ignore' }),
  },
];

/** User+system CPU time of a process in µs, from /proc (clock ticks of 10 ms). */
function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const median = (xs: number[]): number =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

interface WarmResult {
  loopsPerSec: number;
  mean: number;
  p50: number;
  p99: number;
  cpuPerInvoke: number;
}

async function warm(contender: Contender): Promise<WarmResult> {
  const api = await new FakeRuntimeApi().start();
  const child = contender.start(api.endpoint);
  try {
    await api.waitForNexts(WARMUP);
    const cpu0 = cpuMicros(child.pid);
    const from = api.nextTimes.length - 1;
    await api.waitForNexts(from + 1 + INVOKES);
    const cpu1 = cpuMicros(child.pid);
    const times = api.nextTimes.slice(from, from + 1 + INVOKES);
    const intervals: number[] = [];
    for (let i = 1; i < times.length; i++)
      intervals.push(Number((times[i] as bigint) - (times[i - 1] as bigint)) / 1000);
    const total = Number((times[times.length - 1] as bigint) - (times[0] as bigint)) / 1000;
    const sorted = intervals.sort((a, b) => a - b);
    return {
      loopsPerSec: (INVOKES / total) * 1e6,
      mean: total / INVOKES,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      cpuPerInvoke: (cpu1 - cpu0) / INVOKES,
    };
  } finally {
    child.kill('SIGKILL');
    api.close();
  }
}

async function coldRuntime(): Promise<number> {
  const api = await new FakeRuntimeApi().start();
  const t0 = process.hrtime.bigint();
  const child = spawn(join(layer.dir, 'bootstrap'), [], { env: lambdaEnv(api.endpoint), stdio: 'ignore' });
  await api.waitForNexts(1);
  const ms = Number((api.nextTimes[0] as bigint) - t0) / 1e6;
  child.kill('SIGKILL');
  api.close();
  return ms;
}

async function coldNode(): Promise<number> {
  const t0 = process.hrtime.bigint();
  const child = spawn(layer.nodeBinary, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const fmt = (n: number, d = 0): string => n.toFixed(d);
const nodeVersion = (await new Promise<string>((resolve) => {
  let out = '';
  const c = spawn(layer.nodeBinary, ['--version']);
  c.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  c.on('exit', () => resolve(out.trim()));
})) as string;

console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} vCPU; node ${nodeVersion} (${layer.nodeBinary}); ` +
    `${INVOKES} invokes after ${WARMUP} warm-up, ${REPS} reps (median of reps shown)`,
);
const results = new Map<string, WarmResult[]>();
for (let rep = 0; rep < REPS; rep++) {
  for (const c of CONTENDERS) {
    const r = await warm(c);
    results.set(c.name, [...(results.get(c.name) ?? []), r]);
  }
}
const floorRuns = results.get(CONTENDERS[0]?.name ?? '') ?? [];
// Ratios are taken per rep (contenders of one rep ran back to back, under the same machine load).
const ratio = (rs: WarmResult[], f: (r: WarmResult) => number): number =>
  median(rs.map((r, i) => f(r) / f(floorRuns[i] as WarmResult)));
console.log(
  '\n| warm, per invoke | loops/s | mean µs | p50 µs | p99 µs | client CPU µs/invoke | × floor (mean) | × floor (p50) | × floor (CPU) |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const c of CONTENDERS) {
  const rs = results.get(c.name) ?? [];
  const m = (f: (r: WarmResult) => number): number => median(rs.map(f));
  console.log(
    `| ${c.name} | ${fmt(m((r) => r.loopsPerSec))} | ${fmt(m((r) => r.mean))} | ${fmt(m((r) => r.p50))} | ` +
      `${fmt(m((r) => r.p99))} | ${fmt(m((r) => r.cpuPerInvoke))} | ${fmt(
        ratio(rs, (r) => r.mean),
        2,
      )} | ` +
      `${fmt(
        ratio(rs, (r) => r.p50),
        2,
      )} | ${fmt(
        ratio(rs, (r) => r.cpuPerInvoke),
        2,
      )} |`,
  );
}

const coldRt: number[] = [];
const coldN: number[] = [];
for (let i = 0; i < COLD_RUNS; i++) {
  coldN.push(await coldNode());
  coldRt.push(await coldRuntime());
}
const sortedRt = [...coldRt].sort((a, b) => a - b);
const sortedN = [...coldN].sort((a, b) => a - b);
console.log(
  `\n| cold start (n=${COLD_RUNS}, interleaved) | median ms | p10 ms | min ms | × node -e 0 (median) | × (p10) | × (min) |`,
);
console.log('|---|---:|---:|---:|---:|---:|---:|');
console.log(
  `| \`node -e 0\` (spawn → exit) | ${fmt(median(coldN), 1)} | ${fmt(quantile(sortedN, 0.1), 1)} | ` +
    `${fmt(sortedN[0] ?? 0, 1)} | 1.00 | 1.00 | 1.00 |`,
);
console.log(
  `| @caprice/runtime (spawn bootstrap → first /next) | ${fmt(median(coldRt), 1)} | ${fmt(quantile(sortedRt, 0.1), 1)} | ` +
    `${fmt(sortedRt[0] ?? 0, 1)} | ${fmt(median(coldRt) / median(coldN), 2)} | ` +
    `${fmt(quantile(sortedRt, 0.1) / quantile(sortedN, 0.1), 2)} | ${fmt((sortedRt[0] ?? 0) / (sortedN[0] ?? 1), 2)} |`,
);

await layer.cleanup();
await rm(taskRoot, { recursive: true, force: true });
