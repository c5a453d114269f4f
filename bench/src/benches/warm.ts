/**
 * Warm per-invoke overhead on the emulator: the same trivial function behind three bootstraps — @caprice/runtime's
 * layer, AWS's aws-lambda-ric, and the raw floor (hand-written HTTP/1.1 on one kept-alive socket) — all on the
 * layer's Node binary, invoked in a closed loop through the data plane. Rounds interleave the three.
 */
import { join } from 'node:path';
import { format } from 'node:util';
import { fmt, ratio } from '../format.js';
import {
  type BenchEmulator,
  type Contender,
  SMALL_EVENT,
  startBenchEmulator,
  TRIVIAL_HANDLER,
} from '../lib/bench-emulator.js';
import { cpuMicros, stageLayer } from '../lib/workspace.js';
import { buildZip } from '../lib/zip-build.js';
import type { Bench, Goal } from '../section.js';
import { mean, median, pairedRatios, quantile, summarize } from '../stats.js';

const CONTENDERS: readonly { id: Contender; label: string }[] = [
  { id: 'floor', label: 'raw floor (net.Socket, hand-written HTTP/1.1)' },
  { id: 'caprice', label: '@caprice/runtime layer' },
  { id: 'ric', label: 'aws-lambda-ric 3.3.0 (native client)' },
];

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
      throw new Error(
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

export const warmBench: Bench = {
  name: 'warm',
  title: '1. Warm per-invoke overhead (trivial handler, emulator on loopback)',
  budgetSeconds: 90,
  async run({ tmp, log, quick }) {
    const rounds = quick ? 2 : 5;
    const count = quick ? 300 : 2000;
    const warmup = quick ? 50 : 300;
    const layer = await stageLayer(join(tmp, 'layer'));
    const env = await startBenchEmulator(tmp, layer);
    try {
      const code = await buildZip({ 'index.mjs': TRIVIAL_HANDLER });
      for (const c of CONTENDERS) await env.createFunction({ name: `warm-${c.id}`, code, layer: c.id });
      const rs = new Map<Contender, Round[]>(CONTENDERS.map((c) => [c.id, []]));
      for (let r = 0; r < rounds; r++) {
        // Rotate the order so no contender always runs right after another.
        const order = CONTENDERS.map((_, i) => CONTENDERS[(i + r) % CONTENDERS.length]!);
        for (const c of order) {
          const round = await loop(env, `warm-${c.id}`, r === 0 ? warmup : 100, count);
          rs.get(c.id)!.push(round);
          log(
            format(
              'warm round %d %s: p50 %s µs p99 %s µs cpu %s µs',
              r + 1,
              c.id,
              fmt(round.p50),
              fmt(round.p99),
              fmt(round.cpu),
            ),
          );
        }
      }
      const series = (id: Contender, k: keyof Round) => rs.get(id)!.map((x) => x[k]);
      const span = (xs: number[], d = 0) => {
        const s = summarize(xs);
        return `${fmt(s.median, d)} (${fmt(s.min, d)}–${fmt(s.max, d)})`;
      };
      const ratioSpan = (a: number[], b: number[]) => {
        const s = summarize(pairedRatios(a, b));
        return { median: s.median, text: `${ratio(s.median)} (${ratio(s.min)}–${ratio(s.max)})` };
      };
      const rows = CONTENDERS.map((c) => [
        c.label,
        span(series(c.id, 'p50')),
        span(series(c.id, 'p99')),
        span(series(c.id, 'mean')),
        span(series(c.id, 'cpu')),
        fmt(median(series(c.id, 'p50')) - median(series('floor', 'p50'))),
        ratioSpan(series(c.id, 'p50'), series('floor', 'p50')).text,
        ratioSpan(series(c.id, 'p99'), series('floor', 'p99')).text,
        ratioSpan(series(c.id, 'p50'), series('ric', 'p50')).text,
        ratioSpan(series(c.id, 'p99'), series('ric', 'p99')).text,
      ]);
      const r = {
        ricP50: ratioSpan(series('caprice', 'p50'), series('ric', 'p50')).median,
        ricP99: ratioSpan(series('caprice', 'p99'), series('ric', 'p99')).median,
        floorP50: ratioSpan(series('caprice', 'p50'), series('floor', 'p50')).median,
        floorP99: ratioSpan(series('caprice', 'p99'), series('floor', 'p99')).median,
        ricFloorP50: ratioSpan(series('ric', 'p50'), series('floor', 'p50')).median,
        ricFloorP99: ratioSpan(series('ric', 'p99'), series('floor', 'p99')).median,
        cpuRic: ratioSpan(series('caprice', 'cpu'), series('ric', 'cpu')).median,
        cpuFloor: ratioSpan(series('caprice', 'cpu'), series('floor', 'cpu')).median,
      };
      const goals: Goal[] = [
        {
          what: 'warm p50 vs aws-lambda-ric',
          target: '≤ 0.60×',
          actual: ratio(r.ricP50),
          met: r.ricP50 <= 0.6,
        },
        {
          what: 'warm p99 vs aws-lambda-ric',
          target: '≤ 0.60×',
          actual: ratio(r.ricP99),
          met: r.ricP99 <= 0.6,
        },
        {
          what: 'warm p50 vs raw floor',
          target: '≤ 1.30×',
          actual: ratio(r.floorP50),
          met: r.floorP50 <= 1.3,
        },
        {
          what: 'warm p99 vs raw floor',
          target: '≤ 1.30×',
          actual: ratio(r.floorP99),
          met: r.floorP99 <= 1.3,
        },
      ];
      const tone = (v: number, goal: number) => (v <= goal ? 'good' : 'bad') as 'good' | 'bad';
      return {
        tables: [
          {
            caption: `Invoke latency through \`dataPlane.invoke\` (emulator + Runtime API + runtime), µs. ${rounds} interleaved rounds × ${count} invokes; median of rounds (min–max of rounds). "runtime CPU" = user+sys of the runtime process per invoke (10 ms ticks). Ratios are per round, then median (min–max).`,
            header: [
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
            ],
            rows,
          },
        ],
        goals,
        charts: [
          {
            file: 'warm-overhead.svg',
            title: 'Warm invoke latency on the emulator, × raw floor (lower is better)',
            unit: '× raw floor (same emulator, same node)',
            marks: [
              { value: 1, label: 'floor' },
              { value: 1.3, label: 'goal 1.3×' },
            ],
            bars: [
              {
                label: '@caprice/runtime p50',
                value: r.floorP50,
                tone: tone(r.floorP50, 1.3),
                text: ratio(r.floorP50),
              },
              { label: 'aws-lambda-ric p50', value: r.ricFloorP50, text: ratio(r.ricFloorP50) },
              {
                label: '@caprice/runtime p99',
                value: r.floorP99,
                tone: tone(r.floorP99, 1.3),
                text: ratio(r.floorP99),
              },
              { label: 'aws-lambda-ric p99', value: r.ricFloorP99, text: ratio(r.ricFloorP99) },
            ],
          },
        ],
        notes: [
          `Node ${layer.nodeVersion} from the layer for all three. The emulator's own cost (Invoke → Runtime API → answer) is in every figure, so latency ratios understate the runtimes' differences; runtime CPU per invoke isolates the client side: @caprice/runtime ${ratio(r.cpuFloor)} the floor's, ${ratio(r.cpuRic)} ric's.`,
          "@caprice/runtime's own bench (`pnpm --filter @caprice/runtime bench`) measures the same loop against a raw fake Runtime API without the emulator.",
        ],
      };
    } finally {
      await env.close();
    }
  },
};
