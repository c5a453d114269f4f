/**
 * Reads CloudWatch-shaped function logs (START / output / END / REPORT, as the emulator writes them) back into
 * invocations, and picks the email bot's decision lines out of them. Pure: the dashboard's only parsing.
 */

export interface Invocation {
  readonly requestId: string;
  readonly durationMs?: number;
  readonly billedMs?: number;
  readonly memorySizeMb?: number;
  readonly maxMemoryUsedMb?: number;
  readonly initDurationMs?: number;
  readonly status?: string;
  readonly errorType?: string;
  /** The function's own output lines between START and END. */
  readonly lines: readonly string[];
  /** false while the invoke is still running (no REPORT yet). */
  readonly complete: boolean;
}

export interface MailDecision {
  readonly time?: string;
  readonly requestId?: string;
  readonly key?: string;
  /** 'reply' | 'skip' | 'ignore' | 'fail' as the bot logs it. */
  readonly decision: string;
  readonly reason?: string;
  readonly msg?: string;
}

const START = /^START RequestId: (\S+)/;
const REPORT = /^REPORT RequestId: (\S+)\t(.*)$/;

function field(report: string, name: string): number | undefined {
  const match = new RegExp(`${name}: ([\\d.]+)`).exec(report);
  return match ? Number(match[1]) : undefined;
}

function textField(report: string, name: string): string | undefined {
  return new RegExp(`${name}: ([^\\t]+)`).exec(report)?.[1];
}

/** The most recent `limit` invocations, newest first. */
export function parseInvocations(log: string, limit = 50): Invocation[] {
  const open = new Map<string, string[]>();
  const done: Invocation[] = [];
  let current: string | undefined;
  for (const line of log.split('\n')) {
    const start = START.exec(line);
    if (start?.[1]) {
      current = start[1];
      open.set(current, []);
      continue;
    }
    const report = REPORT.exec(line);
    if (report?.[1]) {
      const id = report[1];
      const rest = report[2] ?? '';
      done.push({
        requestId: id,
        durationMs: field(rest, 'Duration'),
        billedMs: field(rest, 'Billed Duration'),
        memorySizeMb: field(rest, 'Memory Size'),
        maxMemoryUsedMb: field(rest, 'Max Memory Used'),
        initDurationMs: field(rest, 'Init Duration'),
        status: textField(rest, 'Status'),
        errorType: textField(rest, 'Error Type'),
        lines: open.get(id) ?? [],
        complete: true,
      });
      open.delete(id);
      if (current === id) current = undefined;
      continue;
    }
    if (line.startsWith('END RequestId:') || line === '') continue;
    if (current) open.get(current)?.push(line);
  }
  const running = [...open].map(([requestId, lines]) => ({ requestId, lines, complete: false }));
  return [...done, ...running].reverse().slice(0, limit);
}

/** The email bot's JSON log lines that carry a `decision`, newest first. */
export function parseMailDecisions(log: string, limit = 50): MailDecision[] {
  const out: MailDecision[] = [];
  for (const line of log.split('\n')) {
    const brace = line.indexOf('{');
    if (brace < 0 || !line.includes('"decision"')) continue;
    try {
      const entry = JSON.parse(line.slice(brace)) as Record<string, unknown>;
      if (typeof entry.decision !== 'string') continue;
      out.push({
        time: typeof entry.time === 'string' ? entry.time : undefined,
        requestId: typeof entry.requestId === 'string' ? entry.requestId : undefined,
        key: typeof entry.key === 'string' ? entry.key : undefined,
        decision: entry.decision,
        reason: typeof entry.reason === 'string' ? entry.reason : undefined,
        msg: typeof entry.msg === 'string' ? entry.msg : undefined,
      });
    } catch {
      // Not JSON after all (a user's console.log that mentions "decision"): not a decision line.
    }
  }
  return out.reverse().slice(0, limit);
}
