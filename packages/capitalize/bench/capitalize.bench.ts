/**
 * Throughput of randomCapitalize vs String.prototype.toUpperCase on the same input in the same run
 * (interleaved rounds, median and best), plus the cost of one call on a 64-byte string.
 * Run: pnpm --filter @caprice/capitalize bench   (ROUNDS=n to change the round count)
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { CapitalizerImpl } from '../src/capitalizer.js';
import { randomCapitalize } from '../src/index.js';
import { POOL_BYTES, TEXT, wasmAsciiKernel } from '../src/wasm-ascii.js';

const MiB = 1024 * 1024;
const TARGET_BYTES = 10 * MiB;
const ROUNDS = Number(process.env.ROUNDS ?? 9);

/** Deterministic pseudo-text from a word list (xorshift32, fixed seed), until `bytes` UTF-8 bytes. */
function makeText(words: readonly string[], bytes: number): string {
  let state = 0x9e3779b9;
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const word = words[(state >>> 0) % words.length]!;
    parts.push(word);
    size += Buffer.byteLength(word, 'utf8') + 1;
  }
  return parts.join(' ').slice(0, bytes);
}

const asciiWords = (
  'the quick brown fox jumps over lazy dog Lambda runtime function handler request response ' +
  'random capitalization letters 2026, (hello) world! "quoted" e-mail: user@example.com 42 and or'
).split(' ');
const mixedWords = [
  ...'Crème brûlée déjà vu façade naïve Zürich Ærøskøbing Łódź Český'.split(' '),
  ...'Αθήνα καλημέρα ΕΛΛΑΔΑ φιλοσοφία'.split(' '),
  ...'Москва привет МИР Санкт-Петербург электричество'.split(' '),
  ...'東京 日本語 北京大学 中文 漢字'.split(' '),
  ...'😀 🎉 👍🏽 🚀'.split(' '),
  ...'hello world Lambda runtime 2026'.split(' '),
];

const ascii = makeText(asciiWords, TARGET_BYTES);
// Keep a whole code point at the cut.
const mixed = Array.from(makeText(mixedWords, TARGET_BYTES + 8))
  .join('')
  .slice(0, -4)
  .replace(/[\ud800-\udbff]$/, '');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

let sink = 0;
/**
 * One timed call: [CPU ms of this process, wall ms, minor page faults]. CPU time is what stays meaningful on a
 * shared, loaded VM; it includes the guest kernel's time for page faults (both sides must fault in the pages of the
 * fresh 10 MB string they return, unless the allocator hands back memory it already touched).
 */
function timeOnce(fn: () => string): [number, number, number] {
  const f0 = process.resourceUsage().minorPageFault;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  sink += fn().length;
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  const faults = process.resourceUsage().minorPageFault - f0;
  return [(cpu.user + cpu.system) / 1000, wall, faults];
}

interface Row {
  input: string;
  mb: number;
  ours: [number, number, number][];
  upper: [number, number, number][];
}

/** The JS kernels only, as where WebAssembly SIMD is unavailable (and as before the WebAssembly kernel). */
const jsKernel = (text: string) => new CapitalizerImpl(undefined, false, 'js').capitalizeSegment(text);

function throughput(name: string, text: string, rounds = ROUNDS, ours = randomCapitalize): Row {
  const mb = Buffer.byteLength(text, 'utf8') / 1e6;
  // Sanity check outside the timed region: the invariant on the real input, and the same seeded output from the
  // WebAssembly and JS kernels.
  const check = randomCapitalize(text, { seed: 1 });
  if (check.toLowerCase() !== text.toLowerCase()) throw new Error(`invariant broken on ${name}`);
  if (check !== new CapitalizerImpl({ seed: 1 }, false, 'js').capitalizeSegment(text)) {
    throw new Error(`kernels disagree on ${name}`);
  }
  const row: Row = { input: name, mb, ours: [], upper: [] };
  for (let r = 0; r < 2; r++) {
    timeOnce(() => ours(text));
    timeOnce(() => text.toUpperCase());
  }
  for (let r = 0; r < rounds; r++) {
    row.ours.push(timeOnce(() => ours(text)));
    row.upper.push(timeOnce(() => text.toUpperCase()));
  }
  return row;
}

/** µs of CPU per call, one entry per round. */
function perCall(fn: () => string, calls: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < ROUNDS + 2; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) sink += fn().length;
    const cpu = process.cpuUsage(c0);
    if (r >= 2) out.push((cpu.user + cpu.system) / calls);
  }
  return out;
}

const wasmAvailable = wasmAsciiKernel() !== undefined;
const rows = [
  throughput(`ASCII${wasmAvailable ? '' : ' (no WebAssembly SIMD here: JS kernel)'}`, ascii),
  throughput('mixed (Latin, Greek, Cyrillic, CJK, emoji)', mixed),
  throughput('ASCII, JS kernel only (no WebAssembly: not the shipped path)', ascii, ROUNDS, jsKernel),
];
// Not an anchor: the same ASCII text held by V8 as a two-byte (UTF-16) string, as a UTF-16 decode leaves it. V8's
// toUpperCase has a word-at-a-time path only for one-byte strings and sends two-byte ones through ICU; this is
// the case perf.md §6's 169 MiB/s `toUpperCase` figure matches (see the package README).
const asciiTwoByte = Buffer.from(ascii, 'utf16le').toString('utf16le');
const twoByte = throughput('ASCII text as a two-byte string', asciiTwoByte, 5);

/**
 * Where the ASCII time goes: CPU ms per call (median) of the copy-in and copy-out randomCapitalize must do anyway,
 * of the WebAssembly kernel with and without drawing its random bits, and of the cheapest possible JS kernel (one
 * OR per 32-bit word, no randomness), interleaved with toUpperCase. The copies work on the WebAssembly kernel's
 * own memory, as randomCapitalize does.
 */
function asciiAnatomy(rounds: number) {
  const n = ascii.length;
  const end = TEXT + Math.ceil(n / 64) * 64;
  const words = ((n + 31) >>> 5) << 3;
  const u32 = new Int32Array(words);
  const orPass = () => {
    for (let w = 0; w < words; w++) u32[w] = u32[w]! | 0x20202020;
    return '';
  };
  const parts: Record<string, () => string> = {
    toUpperCase: () => ascii.toUpperCase(),
    randomCapitalize: () => randomCapitalize(ascii),
    'randomCapitalize, JS kernel only (not the shipped path)': () => jsKernel(ascii),
    'one OR per 32-bit word (cheapest possible JS kernel)': orPass,
  };
  const kernel = wasmAsciiKernel()?.kernel;
  if (kernel !== undefined) {
    // Sizes the memory for this text; the copies and kernels below then work in place on its text region.
    randomCapitalize(ascii);
    const memory = kernel.memory;
    Object.assign(parts, {
      'copy-in (write utf8 into the kernel memory)': () => {
        Buffer.from(memory.buffer).write(ascii, TEXT, 'utf8');
        return '';
      },
      'copy-out (toString latin1: a new 10 MB string)': () =>
        Buffer.from(memory.buffer).toString('latin1', TEXT, TEXT + n),
      'WebAssembly kernel alone (no random bits drawn)': () => {
        for (let p = TEXT; p < end; p += 4096) kernel.kernel(p, Math.min(p + 4096, end), POOL_BYTES);
        return '';
      },
      'WebAssembly kernel + drawing its random bits': () => {
        for (let p = TEXT; p < end; p += 65536) kernel.block(p, Math.min(p + 65536, end), 0);
        return '';
      },
    });
  }
  const samples = new Map<string, [number, number][]>(Object.keys(parts).map((k) => [k, []]));
  for (let r = 0; r < rounds + 2; r++) {
    for (const [name, fn] of Object.entries(parts)) {
      const [cpu, , faults] = timeOnce(fn);
      if (r >= 2) samples.get(name)!.push([cpu, faults]);
    }
  }
  return new Map(
    [...samples].map(([k, xs]) => [k, [median(xs.map((x) => x[0])), median(xs.map((x) => x[1]))] as const]),
  );
}
const anatomy = asciiAnatomy(ROUNDS);

const short = ascii.slice(1000, 1064);
const shortMixed = Buffer.from(mixed.slice(5000, 5100), 'utf8')
  .subarray(0, 64)
  .toString('utf8')
  .replace(/\ufffd/g, '');
const calls = 200_000;
const call = {
  ascii: perCall(() => randomCapitalize(short), calls),
  asciiSeeded: perCall(() => randomCapitalize(short, { seed: 42 }), calls),
  mixed: perCall(() => randomCapitalize(shortMixed), calls),
  upper: perCall(() => short.toUpperCase(), calls),
};

let model = cpus()[0]?.model ?? 'unknown';
try {
  const line = execFileSync('lscpu', { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.startsWith('Model name:'));
  if (line) model = line.replace('Model name:', '').trim();
} catch {
  // lscpu is optional; os.cpus() already gave a model.
}

const f = (x: number) => x.toFixed(0);
const load = loadavg()[0]!.toFixed(1);
console.log(
  `machine: ${model}, ${cpus().length} CPUs, node ${process.version}, ${ROUNDS} rounds, load average ${load}`,
);
console.log(
  'MB/s = UTF-8 MB of input per second of process CPU time (median / best); wall ratio = median wall-clock',
);
console.log('');
console.log('| input | size | randomCapitalize MB/s | toUpperCase MB/s | ratio (CPU) | ratio (wall) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const row of rows) {
  const rate = (
    samples: [number, number, number][],
    pick: (s: [number, number, number]) => number,
    best = false,
  ) => {
    const xs = samples.map(pick);
    return row.mb / ((best ? Math.min(...xs) : median(xs)) / 1000);
  };
  const cpu = (s: [number, number, number]) => s[0];
  const wall = (s: [number, number, number]) => s[1];
  const ours = rate(row.ours, cpu);
  const upper = rate(row.upper, cpu);
  console.log(
    `| ${row.input} | ${row.mb.toFixed(1)} MB | ${f(ours)} / ${f(rate(row.ours, cpu, true))} | ` +
      `${f(upper)} / ${f(rate(row.upper, cpu, true))} | ${(ours / upper).toFixed(2)}× | ` +
      `${(rate(row.ours, wall) / rate(row.upper, wall)).toFixed(2)}× |`,
  );
}
console.log('');
console.log(
  'What each side paid per call (median): minor page faults (4 KiB pages first touched), and the same ASCII text as a two-byte V8 string (not the anchor):',
);
console.log('');
console.log(
  '| input | randomCapitalize page faults | toUpperCase page faults | randomCapitalize MB/s (CPU) | toUpperCase MB/s (CPU) |',
);
console.log('|---|---:|---:|---:|---:|');
for (const row of [...rows, twoByte]) {
  const faults = (samples: [number, number, number][]) => f(median(samples.map((x) => x[2])));
  const mbps = (samples: [number, number, number][]) => f(row.mb / (median(samples.map((x) => x[0])) / 1000));
  console.log(
    `| ${row.input} | ${faults(row.ours)} | ${faults(row.upper)} | ${mbps(row.ours)} | ${mbps(row.upper)} |`,
  );
}
console.log('');
console.log(
  'ASCII rounds split by whether the 10 MB result of randomCapitalize landed in fresh pages (faulted in) or in memory glibc reused (toUpperCase faults in fresh pages every call):',
);
console.log('');
console.log('| ASCII rounds | rounds | randomCapitalize MB/s (CPU) | toUpperCase MB/s (CPU) | ratio (CPU) |');
console.log('|---|---:|---:|---:|---:|');
for (const fresh of [true, false]) {
  const row = rows[0]!;
  const picked = [...row.ours.keys()].filter((i) => row.ours[i]![2] > 1000 === fresh);
  if (picked.length === 0) continue;
  const ours = row.mb / (median(picked.map((i) => row.ours[i]![0])) / 1000);
  const upper = row.mb / (median(picked.map((i) => row.upper[i]![0])) / 1000);
  console.log(
    `| result in ${fresh ? 'fresh pages' : 'reused memory'} | ${picked.length} | ${f(ours)} | ${f(upper)} | ${(ours / upper).toFixed(2)}× |`,
  );
}
console.log('');
console.log('Anatomy of the 10 MB ASCII case, CPU ms per call (median, interleaved):');
console.log('');
console.log('| step | CPU ms | page faults |');
console.log('|---|---:|---:|');
for (const [name, [ms, faults]] of anatomy) console.log(`| ${name} | ${ms.toFixed(2)} | ${f(faults)} |`);
const ms = (name: string) => anatomy.get(name)?.[0] ?? Number.NaN;
const copies =
  ms('copy-in (write utf8 into the kernel memory)') + ms('copy-out (toString latin1: a new 10 MB string)');
// The goal is a ratio to the ASCII row of the first table; 2× means the whole call in half of that toUpperCase time.
const anchorMs = median(rows[0]!.upper.map((x) => x[0]));
console.log(
  `| copy-in + copy-out + WebAssembly kernel alone | ${(copies + ms('WebAssembly kernel alone (no random bits drawn)')).toFixed(2)} | |`,
);
console.log(
  `| copy-in + copy-out + WebAssembly kernel + random bits | ${(copies + ms('WebAssembly kernel + drawing its random bits')).toFixed(2)} | |`,
);
console.log(
  `| copy-in + copy-out + one OR per word (JS floor) | ${(copies + ms('one OR per 32-bit word (cheapest possible JS kernel)')).toFixed(2)} | |`,
);
console.log(
  `| 2× the anchor (half of toUpperCase's median in the first table) | ${(anchorMs / 2).toFixed(2)} | |`,
);
console.log('');
console.log('| one call, 64-byte string | µs of CPU per call (median / best) |');
console.log('|---|---:|');
const g = (xs: number[]) => `${median(xs).toFixed(3)} / ${Math.min(...xs).toFixed(3)}`;
console.log(`| randomCapitalize(ascii) | ${g(call.ascii)} |`);
console.log(`| randomCapitalize(ascii, { seed: 42 }) | ${g(call.asciiSeeded)} |`);
console.log(`| randomCapitalize(mixed, ${Buffer.byteLength(shortMixed)} B) | ${g(call.mixed)} |`);
console.log(`| ascii.toUpperCase() (reference) | ${g(call.upper)} |`);
if (sink === 42) console.log('');
