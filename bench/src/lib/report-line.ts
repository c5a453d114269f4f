/** Figures from the emulator's CloudWatch-style REPORT line. */

/** `Init Duration`, `Duration` and `Max Memory Used` of the last REPORT line in `log` (NaN when absent). */
export function parseReport(log: string): { initMs: number; durationMs: number; maxMemoryMb: number } {
  const report =
    log
      .split('\n')
      .filter((l) => l.startsWith('REPORT'))
      .pop() ?? '';
  const num = (re: RegExp) => Number(re.exec(report)?.[1] ?? Number.NaN);
  return {
    initMs: num(/Init Duration: ([\d.]+) ms/),
    durationMs: num(/\tDuration: ([\d.]+) ms/),
    maxMemoryMb: num(/Max Memory Used: (\d+) MB/),
  };
}
