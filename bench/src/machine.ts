/** The machine line of the results: CPU model (lscpu), cores, memory, Node versions, load. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

export function cpuModel(): string {
  try {
    const line = execFileSync('lscpu', { encoding: 'utf8', timeout: 5000 })
      .split('\n')
      .find((l) => l.startsWith('Model name:'));
    if (line) return line.replace('Model name:', '').trim();
  } catch {
    // lscpu is optional: os.cpus() has a model too.
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}

/** e.g. `AMD EPYC, 2 vCPU, 24 GB; host node v20.20.2; load average 3.1 / 2.9 / 2.5 at start` */
export function describeMachine(): string {
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
  return `${cpuModel()}, ${cpus().length} vCPU, ${Math.round(totalmem() / 2 ** 30)} GiB; host node ${process.version}; load average ${load} at start`;
}
