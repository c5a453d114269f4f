import { describe, expect, it } from 'vitest';
import { createProgress, renderBar, silentProgress } from './progress.js';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  return {
    stream: { isTTY, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream,
    written,
  };
}

describe('renderBar', () => {
  it('fills in proportion and shows percent and megabytes', () => {
    expect(renderBar(0, 2 * 1024 * 1024, 10)).toBe('[----------]   0% 0.0/2.0 MB');
    expect(renderBar(1024 * 1024, 2 * 1024 * 1024, 10)).toBe('[#####-----]  50% 1.0/2.0 MB');
    expect(renderBar(5, 4, 4)).toBe('[####] 100% 0.0/0.0 MB');
  });
});

describe('createProgress', () => {
  it('draws nothing when the output is not a TTY', async () => {
    const { stream, written } = fakeStream(false);
    const progress = createProgress(stream);
    expect(progress).toBe(silentProgress);
    expect(await progress.wait('x', Promise.resolve(7))).toBe(7);
    expect(written).toEqual([]);
  });

  it('on a TTY, draws a spinner line while waiting and an upload bar, then clears them', async () => {
    const { stream, written } = fakeStream(true);
    const progress = createProgress(stream);
    await expect(progress.wait('waiting for f', Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(written[0]).toContain('waiting for f');
    expect(written.at(-1)).toBe('\r\x1b[2K');
    written.length = 0;
    const bar = progress.upload('layer', 2 * 1024 * 1024);
    bar.advance(1024 * 1024);
    bar.done();
    expect(written[1]).toContain(' 50% 1.0/2.0 MB');
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });
});
