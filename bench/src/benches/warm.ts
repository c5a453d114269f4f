/**
 * Warm per-invoke overhead on the emulator: the same trivial function behind three bootstraps — @caprice/runtime's
 * layer, AWS's aws-lambda-ric, and the raw floor (hand-written HTTP/1.1 on one kept-alive socket) — all on the
 * layer's Node binary, invoked in a closed loop through the data plane. Rounds interleave the three.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format } from 'node:util';
import { BenchError } from '../errors.js';
import { fmt, ratio } from '../format.js';
import {
  type BenchEmulator,
  type Contender,
  SMALL_EVENT,
  startBenchEmulator,
  TRIVIAL_HANDLER,
} from '../lib/bench-emulator.js';
import {
  cpuMicros,
  paths,
  ROOT,
  ricAvailable,
  ricEntry,
  type StagedLayer,
  stageLayer,
} from '../lib/workspace.js';
import { buildZip } from '../lib/zip-build.js';
import type { Bench, Goal } from '../section.js';
import { mean, median, pairedRatios, quantile, summarize } from '../stats.js';

const ALL_CONTENDERS: readonly { id: Contender; label: string }[] = [
  { id: 'floor', label: 'raw floor (net.Socket, hand-written HTTP/1.1)' },
  { id: 'caprice', label: '@caprice/runtime layer' },
  { id: 'ric', label: 'aws-lambda-ric 3.3.0 (native client)' },
];
/** aws-lambda-ric only when its native addon is built (tests/ric-peer). */
const CONTENDERS = ALL_CONTENDERS.filter((c) => c.id !== 'ric' || ricAvailable());

interface Round {
  p50: number;
  p99: number;
  mean: number;
  cpu: number;
}

async function loop(env: BenchEmulator, name: string, warmup: number, count: number): Promise<Round> {
  const payload = Buffer.from(SMALL_EVENT);
  for (let i = 0; i < warmup; i++) {
    const out = await env.dataPlane.invoke(name, payload);
    if (out.statusCode !== 200 || out.functionError) {
      throw new BenchError(
        `warm-up invoke of ${name} failed: ${out.statusCode} ${out.errorType ?? ''} ${out.payload.toString()}`,
      );
    }
  }
  const pid = env.dataPlane.instances(name).find((i) => i.state !== 'stopped')?.pgid ?? -1;
  const lat: number[] = new Array(count);
  const cpu0 = cpuMicros(pid);
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await env.dataPlane.invoke(name, payload);
    lat[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const cpu1 = cpuMicros(pid);
  return { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), mean: mean(lat), cpu: (cpu1 - cpu0) / count };
}

/** The raw fake Runtime API of @caprice/runtime's own bench (perf.md §5), loaded from its file. */
interface FakeRuntimeApi {
  nextTimes: bigint[];
  endpoint: string;
  start(): Promise<FakeRuntimeApi>;
  waitForNexts(count: number): Promise<void>;
  close(): void;
}

/** Same loop without the emulator: cycle time between successive `/next` arrivals at the raw fake API, µs. */
async function direct(
  layer: StagedLayer,
  taskRoot: string,
  id: Contender,
  warmup: number,
  count: number,
): Promise<Round> {
  const mod = (await import(join(ROOT, 'packages/runtime/bench/fake-runtime-api.ts'))) as {
    FakeRuntimeApi: new () => FakeRuntimeApi;
  };
  const api = await new mod.FakeRuntimeApi().start();
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_LAMBDA_RUNTIME_API: api.endpoint,
    _HANDLER: 'index.handler',
    LAMBDA_TASK_ROOT: taskRoot,
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/bench',
    AWS_LAMBDA_LOG_STREAM_NAME: 'bench',
  };
  const child: ChildProcess =
    id === 'floor'
      ? spawn(layer.nodeBinary, [paths.floorClient], { env, stdio: 'ignore' })
      : id === 'caprice'
        ? spawn(join(layer.dir, 'bootstrap'), [], { env, stdio: 'ignore', cwd: taskRoot })
        : spawn(layer.nodeBinary, [ricEntry(), 'index.handler'], { env, stdio: 'ignore', cwd: taskRoot });
  try {
    await api.waitForNexts(warmup);
    const cpu0 = cpuMicros(child.pid ?? -1);
    const from = api.nextTimes.length - 1;
    await api.waitForNexts(from + 1 + count);
    const cpu1 = cpuMicros(child.pid ?? -1);
    const times = api.nextTimes.slice(from, from + 1 + count);
    const intervals: number[] = [];
    for (let i = 1; i < times.length; i++)
      intervals.push(Number((times[i] as bigint) - (times[i - 1] as bigint)) / 1000);
    return {
      p50: quantile(intervals, 0.5),
      p99: quantile(intervals, 0.99),
      mean: mean(intervals),
      cpu: (cpu1 - cpu0) / count,
    };
  } finally {
    child.kill('SIGKILL');
    api.close();
  }
}

type Results = Map<Contender, Round[]>;

/** A goal verdict; null (not judged) when the figure could not be taken, e.g. without aws-lambda-ric. */
const judge = (value: number, max: number): boolean | null => (Number.isFinite(value) ? value <= max : null);

/** Table rows and the headline ratios of one set of interleaved rounds. */
function analyse(rs: Results) {
  const series = (id: Contender, k: keyof Round) => (rs.get(id) ?? []).map((x) => x[k]);
  const span = (xs: number[], d = 0) => {
    const s = summarize(xs);
    return `${fmt(s.median, d)} (${fmt(s.min, d)}–${fmt(s.max, d)})`;
  };
  const ratioOf = (a: Contender, b: Contender, k: keyof Round) => {
    const s = summarize(pairedRatios(series(a, k), series(b, k)));
    return { median: s.median, text: `${ratio(s.median)} (${ratio(s.min)}–${ratio(s.max)})` };
  };
  const rows = CONTENDERS.map((c) => [
    c.label,
    span(series(c.id, 'p50')),
    span(series(c.id, 'p99')),
    span(series(c.id, 'mean')),
    span(series(c.id, 'cpu')),
    fmt(median(series(c.id, 'p50')) - median(series('floor', 'p50'))),
    ratioOf(c.id, 'floor', 'p50').text,
    ratioOf(c.id, 'floor', 'p99').text,
    ratioOf(c.id, 'ric', 'p50').text,
    ratioOf(c.id, 'ric', 'p99').text,
    ratioOf(c.id, 'ric', 'cpu').text,
  ]);
  return {
    rows,
    ricP50: ratioOf('caprice', 'ric', 'p50').median,
    ricP99: ratioOf('caprice', 'ric', 'p99').median,
    floorP50: ratioOf('caprice', 'floor', 'p50').median,
    floorP99: ratioOf('caprice', 'floor', 'p99').median,
    ricFloorP50: ratioOf('ric', 'floor', 'p50').median,
    ricFloorP99: ratioOf('ric', 'floor', 'p99').median,
    floorRicP50: ratioOf('floor', 'ric', 'p50').median,
    cpuRic: ratioOf('caprice', 'ric', 'cpu').median,
    cpuFloor: ratioOf('caprice', 'floor', 'cpu').median,
  };
}

const HEADER = [
  'bootstrap',
  'p50 µs',
  'p99 µs',
  'mean µs',
  'runtime CPU µs/invoke',
  '+µs over floor (p50)',
  '× floor p50',
  '× floor p99',
  '× ric p50',
  '× ric p99',
  '× ric CPU',
];

/** Runs `rounds` rounds of every contender, order rotated per round. */
async function interleave(
  rounds: number,
  run: (id: Contender, round: number) => Promise<Round>,
  log: (line: string) => void,
  what: string,
): Promise<Results> {
  const rs: Results = new Map(CONTENDERS.map((c) => [c.id, []]));
  for (let r = 0; r < rounds; r++) {
    const order = CONTENDERS.map((_, i) => CONTENDERS[(i + r) % CONTENDERS.length]!);
    for (const c of order) {
      const round = await run(c.id, r);
      rs.get(c.id)!.push(round);
      log(
        format(
          '%s round %d %s: p50 %s µs p99 %s µs cpu %s µs',
          what,
          r + 1,
          c.id,
          fmt(round.p50),
          fmt(round.p99),
          fmt(round.cpu),
        ),
      );
    }
  }
  return rs;
}

export const warmBench: Bench = {
  name: 'warm',
  title: '1. Warm per-invoke overhead (trivial handler, emulator on loopback)',
  budgetSeconds: 100,
  async run({ tmp, log, quick }) {
    const rounds = quick ? 2 : 5;
    const count = quick ? 300 : 1500;
    const warmup = quick ? 50 : 300;
    const directCount = quick ? 1000 : 4000;
    const layer = await stageLayer(join(tmp, 'layer'));
    const env = await startBenchEmulator(tmp, layer);
    let onEmulator: Results;
    try {
      const code = await buildZip({ 'index.mjs': TRIVIAL_HANDLER });
      for (const c of CONTENDERS) await env.createFunction({ name: `warm-${c.id}`, code, layer: c.id });
      onEmulator = await interleave(
        rounds,
        (id, r) => loop(env, `warm-${id}`, r === 0 ? warmup : 100, count),
        log,
        'emulator',
      );
    } finally {
      await env.close();
    }
    const taskRoot = join(tmp, 'task');
    await mkdir(taskRoot, { recursive: true });
    await writeFile(join(taskRoot, 'index.mjs'), TRIVIAL_HANDLER);
    const rawApi = await interleave(
      rounds,
      (id) => direct(layer, taskRoot, id, 500, directCount),
      log,
      'raw API',
    );

    const e = analyse(onEmulator);
    const d = analyse(rawApi);
    const goals: Goal[] = [
      {
        what: 'warm p50 vs aws-lambda-ric (emulator)',
        target: '≤ 0.60×',
        actual: ratio(e.ricP50),
        met: judge(e.ricP50, 0.6),
      },
      {
        what: 'warm p99 vs aws-lambda-ric (emulator)',
        target: '≤ 0.60×',
        actual: ratio(e.ricP99),
        met: judge(e.ricP99, 0.6),
      },
      {
        what: 'warm p50 vs raw floor (emulator)',
        target: '≤ 1.30×',
        actual: ratio(e.floorP50),
        met: judge(e.floorP50, 1.3),
      },
      {
        what: 'warm p99 vs raw floor (emulator)',
        target: '≤ 1.30×',
        actual: ratio(e.floorP99),
        met: judge(e.floorP99, 1.3),
      },
      {
        what: 'warm p50 vs aws-lambda-ric (raw fake API, no emulator)',
        target: '≤ 0.60×',
        actual: ratio(d.ricP50),
        met: judge(d.ricP50, 0.6),
      },
      {
        what: 'warm p99 vs aws-lambda-ric (raw fake API, no emulator)',
        target: '≤ 0.60×',
        actual: ratio(d.ricP99),
        met: judge(d.ricP99, 0.6),
      },
      {
        what: 'warm p50 vs raw floor (raw fake API, no emulator)',
        target: '≤ 1.30×',
        actual: ratio(d.floorP50),
        met: judge(d.floorP50, 1.3),
      },
      {
        what: 'warm p99 vs raw floor (raw fake API, no emulator)',
        target: '≤ 1.30×',
        actual: ratio(d.floorP99),
        met: judge(d.floorP99, 1.3),
      },
    ];
    const tone = (v: number, goal: number) => (v <= goal ? 'good' : 'bad') as 'good' | 'bad';
    const bars = (r: typeof e, where: string) => [
      {
        label: `@caprice/runtime p50, ${where}`,
        value: r.floorP50,
        tone: tone(r.floorP50, 1.3),
        text: ratio(r.floorP50),
      },
      { label: `aws-lambda-ric p50, ${where}`, value: r.ricFloorP50, text: ratio(r.ricFloorP50) },
      {
        label: `@caprice/runtime p99, ${where}`,
        value: r.floorP99,
        tone: tone(r.floorP99, 1.3),
        text: ratio(r.floorP99),
      },
      { label: `aws-lambda-ric p99, ${where}`, value: r.ricFloorP99, text: ratio(r.ricFloorP99) },
    ];
    return {
      tables: [
        {
          caption: `**On the emulator**: invoke latency through \`dataPlane.invoke\` (emulator + Runtime API + runtime), µs. ${rounds} interleaved rounds × ${count} invokes; median of rounds (min–max of rounds). "runtime CPU" = user+sys of the runtime process per invoke (from /proc, 10 ms ticks). Ratios are per round, then median (min–max).`,
          header: HEADER,
          rows: e.rows,
        },
        {
          caption: `**Without the emulator**: the same three clients against @caprice/runtime's raw \`node:net\` fake Runtime API (\`packages/runtime/bench/fake-runtime-api.ts\`, perf.md §5): cycle time between successive \`/next\` arrivals, µs. ${rounds} interleaved rounds × ${directCount} invokes after 500 warm-up.`,
          header: HEADER,
          rows: d.rows,
        },
      ],
      goals,
      charts: [
        {
          file: 'warm-overhead.svg',
          title: 'Warm per-invoke time, × raw floor (lower is better)',
          unit: '× raw floor (same server, same node)',
          marks: [
            { value: 1, label: 'floor' },
            { value: 1.3, label: 'goal 1.3×' },
          ],
          bars: [...bars(e, 'emulator'), ...bars(d, 'raw API')],
        },
      ],
      notes: [
        `Node ${layer.nodeVersion} from the layer for all three clients. On the emulator its own per-invoke cost is in every figure: the raw floor itself is at ${ratio(e.floorRicP50)} of ric's p50 there, so "≤ 0.6× ric" is out of reach on the emulator by construction; the raw-API table and the CPU columns isolate the client. Runtime CPU per invoke on the emulator: @caprice/runtime ${ratio(e.cpuFloor)} the floor's, ${ratio(e.cpuRic)} ric's; on the raw API ${ratio(d.cpuFloor)} and ${ratio(d.cpuRic)}.`,
        ...(ricAvailable()
          ? []
          : [
              'aws-lambda-ric is not installed with its native addon (tests/ric-peer), so its rows and ratios are missing from this run.',
            ]),
        'p99 on this shared VM is dominated by scheduling stalls of a few ms (other work on the 2 vCPUs); compare p99 ratios with care.',
      ],
    };
  },
};
