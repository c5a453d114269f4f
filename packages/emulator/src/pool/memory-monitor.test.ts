import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';
import { ProcessMemoryProbe, readGroupRss, readPeakRss, readTreeRss } from './memory-monitor.js';

test('the tree RSS of a process includes its children; the group scan agrees it is non-zero', async () => {
  const child = spawn('sh', ['-c', 'sleep 5 & sleep 5 & wait'], { detached: true, stdio: 'ignore' });
  try {
    const pid = child.pid ?? 0;
    // Let the shell fork its two children.
    await new Promise((r) => setTimeout(r, 200));
    const own = readTreeRss(process.pid);
    const tree = readTreeRss(pid);
    expect(own).toBeGreaterThan(10 * 1024 * 1024);
    expect(tree).toBeGreaterThan(0);
    expect(readGroupRss(new Set([pid])).get(pid)).toBeGreaterThan(0);
    expect(readPeakRss(process.pid)).toBeGreaterThan(0);
    expect(readTreeRss(2 ** 22 + 12345)).toBe(0);
  } finally {
    process.kill(-(child.pid ?? 0), 'SIGKILL');
  }
});

test('the probe re-reads RSS, peak and children through kept-open /proc files; null once the process is gone', async () => {
  const child = spawn('sh', ['-c', 'read line; sleep 5 & wait'], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const probe = new ProcessMemoryProbe(child.pid ?? 0);
  try {
    const first = probe.read();
    expect(first?.rss).toBeGreaterThan(0);
    expect(first?.peak).toBeGreaterThanOrEqual(first?.rss ?? 0);
    expect(first?.hasChildren).toBe(false);
    child.stdin?.end('go\n');
    // Poll (no fixed sleep): the shell forks its child once it has read the line.
    for (let i = 0; i < 500 && probe.read()?.hasChildren !== true; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(probe.read()?.hasChildren).toBe(true);
  } finally {
    process.kill(-(child.pid ?? 0), 'SIGKILL');
  }
  await new Promise((r) => child.once('exit', r));
  expect(probe.read()).toBeNull();
  probe.close();
  probe.close();
  expect(probe.read()).toBeNull();
});
