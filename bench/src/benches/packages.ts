/**
 * The libraries against their anchors, collected from their own benches (run here, interleaved, on the layer's Node):
 * @caprice/capitalize vs `String.prototype.toUpperCase`, @caprice/mime `buildReply` vs nodemailer's MailComposer.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BenchError, BenchOutputError } from '../errors.js';
import { fmt, ratio } from '../format.js';
import {
  type CapitalizeRow,
  type MimeRow,
  parseCapitalizeOutput,
  parseMimeOutput,
} from '../lib/package-bench-output.js';
import { ROOT, stageLayer } from '../lib/workspace.js';
import type { Bench, Goal } from '../section.js';
import { median, summarize } from '../stats.js';

/** Runs a package's `bench` script with the layer's node first on PATH; resolves its stdout. */
function runPackageBench(dir: string, nodeBinDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('pnpm', ['run', '--silent', 'bench'], {
      cwd: join(ROOT, dir),
      env: { ...process.env, PATH: `${nodeBinDir}:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else
        reject(
          new BenchError(
            `\`pnpm run bench\` in ${dir} exited ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`,
          ),
        );
    });
  });
}

const span = (xs: number[], d: number) => {
  const s = summarize(xs);
  return `${fmt(s.median, d)} (${fmt(s.min, d)}–${fmt(s.max, d)})`;
};
const ratioSpan = (xs: number[]) => {
  const s = summarize(xs);
  return `${ratio(s.median)} (${ratio(s.min)}–${ratio(s.max)})`;
};

export const packagesBench: Bench = {
  name: 'packages',
  title: '4. Libraries vs their anchors (capitalize, mime)',
  budgetSeconds: 150,
  async run({ tmp, log, quick }) {
    const runs = quick ? 1 : 2;
    const layer = await stageLayer(join(tmp, 'layer'));
    const cap: CapitalizeRow[][] = [];
    let nodeSeen = '';
    const mime: MimeRow[][] = [];
    for (let r = 0; r < runs; r++) {
      const capOut = await runPackageBench('packages/capitalize', join(layer.dir, 'bin'));
      nodeSeen = /node (v[\d.]+)/.exec(capOut)?.[1] ?? nodeSeen;
      const c = parseCapitalizeOutput(capOut);
      const mimeOut = await runPackageBench('packages/mime', join(layer.dir, 'bin'));
      const m = parseMimeOutput(mimeOut);
      if (c.length === 0) throw new BenchOutputError('packages/capitalize', capOut);
      if (m.length === 0) throw new BenchOutputError('packages/mime', mimeOut);
      cap.push(c);
      mime.push(m);
      log(
        `run ${r + 1}/${runs}: capitalize ${c.map((x) => `${x.input.split(/[ ,]/)[0]}${x.input.includes('JS kernel') ? ' (JS kernel only)' : ''} ${x.ratioCpu}×`).join(', ')}; mime ${m.map((x) => `${x.body} ${x.ratio}×`).join(', ')}`,
      );
    }
    const capInputs = cap[0]!.map((x) => x.input);
    const capOf = (input: string, k: keyof CapitalizeRow) =>
      cap.map((run) => Number(run.find((x) => x.input === input)?.[k]));
    const mimeBodies = mime[0]!.map((x) => x.body);
    const mimeOf = (body: string, k: keyof MimeRow) =>
      mime.map((run) => Number(run.find((x) => x.body === body)?.[k]));
    const goalFor = (input: string) => (input === 'ASCII' ? 2 : 0.9);
    // The package bench also prints rows that are not the shipped path (e.g. the JS kernel alone): shown, no goal.
    const goalInputs = capInputs.filter((input) => input === 'ASCII' || input.startsWith('mixed'));
    const goals: Goal[] = [
      ...goalInputs.map((input) => {
        const r = median(capOf(input, 'ratioCpu'));
        const g = goalFor(input);
        return {
          what: `randomCapitalize vs toUpperCase, 10 MB ${input.split(' ')[0]} (CPU MB/s)`,
          target: `≥ ${g.toFixed(2)}×`,
          actual: ratio(r),
          met: r >= g,
        };
      }),
      ...mimeBodies.map((body) => {
        const r = median(mimeOf(body, 'ratio'));
        return {
          what: `buildReply vs MailComposer, ${body} body (time)`,
          target: '≤ 1.20×',
          actual: ratio(r),
          met: r <= 1.2,
        };
      }),
    ];
    return {
      tables: [
        {
          caption: `\`pnpm --filter @caprice/capitalize bench\`, ${runs} runs (each: 9 interleaved rounds, median of rounds), on Node ${nodeSeen || '?'} (the layer's binary first on PATH: ${layer.nodeVersion}); median of runs (min–max). MB/s of process CPU time.`,
          header: ['10 MB input', 'randomCapitalize MB/s', 'toUpperCase MB/s', 'ratio (CPU)', 'ratio (wall)'],
          rows: capInputs.map((input) => [
            input,
            span(capOf(input, 'ours'), 0),
            span(capOf(input, 'upper'), 0),
            ratioSpan(capOf(input, 'ratioCpu')),
            ratioSpan(capOf(input, 'ratioWall')),
          ]),
        },
        {
          caption: `\`pnpm --filter @caprice/mime bench\`, ${runs} runs (each: median of alternating runs after a warm-up), same Node; median of runs (min–max). Text + HTML reply of the given body size.`,
          header: ['body', 'buildReply ms', 'MailComposer ms', 'ratio'],
          rows: mimeBodies.map((body) => [
            body,
            span(mimeOf(body, 'oursMs'), 2),
            span(mimeOf(body, 'directMs'), 2),
            ratioSpan(mimeOf(body, 'ratio')),
          ]),
        },
      ],
      goals,
      charts: [
        {
          file: 'packages.svg',
          title: 'Libraries vs their anchors (× anchor)',
          unit: '× anchor (capitalize: throughput, higher is better; mime: time, lower is better)',
          marks: [{ value: 1, label: 'anchor' }],
          bars: [
            ...goalInputs.map((input) => {
              const r = median(capOf(input, 'ratioCpu'));
              return {
                label: `capitalize ${input.split(' ')[0]} (MB/s)`,
                value: r,
                tone: (r >= goalFor(input) ? 'good' : 'bad') as 'good' | 'bad',
                text: `${ratio(r)} (goal ≥ ${goalFor(input)}×)`,
              };
            }),
            ...mimeBodies.map((body) => {
              const r = median(mimeOf(body, 'ratio'));
              return {
                label: `mime ${body} (time)`,
                value: r,
                tone: (r <= 1.2 ? 'good' : 'bad') as 'good' | 'bad',
                text: `${ratio(r)} (goal ≤ 1.2×)`,
              };
            }),
          ],
        },
      ],
      notes: [
        ...(() => {
          const ascii = capInputs.find((i) => i === 'ASCII');
          if (!ascii) return [];
          const ours = median(capOf(ascii, 'ours'));
          const upper = median(capOf(ascii, 'upper'));
          return [
            `ASCII: randomCapitalize ${fmt(ours)} MB/s vs toUpperCase ${fmt(upper)} MB/s on a one-byte string, the form handlers receive (Buffer#toString, TextDecoder and JSON.parse of ASCII all give one). perf.md §6's 169 MiB/s for toUpperCase matches a two-byte string (V8's ICU path, 200–340 MB/s here), so its "≈ 3× toUpperCase" and the 2× goal derived from it do not hold: 2× needs the whole call in ≤ ~3 ms per 10 MB, and even the WebAssembly SIMD kernel's copy-in + kernel + seeded bits + copy-out measures ~3.7 ms (package bench anatomy). The ratio moves with whether the 10 MB result lands in fresh pages (page faults, as toUpperCase pays on every call) or in memory glibc reuses (1.53–1.66× in the package README's runs). See packages/capitalize/README.md, "Why ASCII ≥ 2× is out of reach".`,
          ];
        })(),
        ...mimeBodies
          .filter((b) => median(mimeOf(b, 'ratio')) > 1.2)
          .map(
            (b) =>
              `mime ${b}: buildReply costs ${fmt(median(mimeOf(b, 'oursMs')) - median(mimeOf(b, 'directMs')), 2)} ms more than MailComposer alone (validation, normalisation, subject and threading rules: a fixed cost that dominates at this size).`,
          ),
        "Both benches are the packages' own (`packages/*/bench`), run unchanged; this bench only repeats, parses and aggregates them.",
      ],
    };
  },
};
