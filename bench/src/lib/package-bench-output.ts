/** Parsers for the output of @caprice/capitalize's and @caprice/mime's own benches (aggregated, not duplicated). */

export interface CapitalizeRow {
  readonly input: string;
  /** MB/s of CPU time, median of that bench's rounds. */
  readonly ours: number;
  readonly upper: number;
  readonly ratioCpu: number;
  readonly ratioWall: number;
}

/** Rows of `| input | size | ours med / best | upper med / best | 0.28× | 0.25× |` from capitalize.bench.ts. */
export function parseCapitalizeOutput(text: string): CapitalizeRow[] {
  const rows: CapitalizeRow[] = [];
  for (const line of text.split('\n')) {
    const m = /^\| ([^|]+?) \| [\d.]+ MB \| (\d+) \/ \d+ \| (\d+) \/ \d+ \| ([\d.]+)× \| ([\d.]+)× \|$/.exec(
      line.trim(),
    );
    if (m)
      rows.push({
        input: m[1]!,
        ours: Number(m[2]),
        upper: Number(m[3]),
        ratioCpu: Number(m[4]),
        ratioWall: Number(m[5]),
      });
  }
  return rows;
}

export interface MimeRow {
  readonly body: string;
  readonly oursMs: number;
  readonly directMs: number;
  readonly ratio: number;
}

/** Rows of the `console.table` of reply.bench.ts: body, buildReply ms, MailComposer ms, ratio, … */
export function parseMimeOutput(text: string): MimeRow[] {
  const rows: MimeRow[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split('│').map((c) => c.trim().replace(/^'|'$/g, ''));
    // ['', index, body, ours, direct, ratio, …]
    if (cells.length >= 7 && /^\d+$/.test(cells[1] ?? '') && /^[\d.]+$/.test(cells[3] ?? '')) {
      rows.push({
        body: cells[2]!,
        oursMs: Number(cells[3]),
        directMs: Number(cells[4]),
        ratio: Number(cells[5]),
      });
    }
  }
  return rows;
}
