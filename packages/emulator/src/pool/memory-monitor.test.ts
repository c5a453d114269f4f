import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';
import { readGroupRss, readPeakRss, readTreeRss } from './memory-monitor.js';

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
