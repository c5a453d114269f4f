import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';

const PAGE_SIZE = 4096;

/** Resident set size in bytes of every process in each process group, read from /proc (Linux). */
export function readGroupRss(pgids: ReadonlySet<number>): Map<number, number> {
  const totals = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return totals;
  }
  for (const entry of entries) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name (which may contain spaces and parentheses): state ppid pgrp … rss(24th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(fields[2]);
    if (!pgids.has(pgrp)) continue;
    const rss = Number(fields[21]) * PAGE_SIZE;
    totals.set(pgrp, (totals.get(pgrp) ?? 0) + rss);
  }
  return totals;
}

/**
 * Resident set size in bytes of a process and all its descendants, found through
 * `/proc/<pid>/task/<tid>/children` (a handful of small reads, unlike a scan of all of /proc).
 * Returns null when the kernel does not expose `children` (then callers fall back to a group scan).
 */
export function readTreeRss(rootPid: number): number | null {
  let total = 0;
  const queue = [rootPid];
  const seen = new Set<number>();
  let sawChildrenFile = false;
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    try {
      // statm: size resident shared … (in pages)
      total += Number(readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ')[1]) * PAGE_SIZE;
    } catch {
      continue; // exited meanwhile
    }
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
        sawChildrenFile = true;
        for (const c of children.split(' ')) if (c !== '') queue.push(Number(c));
      } catch {
        // thread gone, or no children file on this kernel
      }
    }
  }
  // A live process without any children file means the kernel lacks CONFIG_PROC_CHILDREN.
  return !sawChildrenFile && total > 0 ? null : total;
}

/** A process and all its live descendants (via `/proc/<pid>/task/<tid>/children`), root first. */
export function listProcessTree(rootPid: number): number[] {
  const out: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (out.includes(pid)) continue;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone
    }
    out.push(pid);
    for (const tid of tasks) {
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').split(' ')) {
          if (c !== '') queue.push(Number(c));
        }
      } catch {
        // thread gone
      }
    }
  }
  return out;
}

/** Peak resident set size (VmHWM) of one process in bytes, 0 when unknown. */
export function readPeakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

/** What {@link ProcessMemoryProbe.read} found. */
export interface ProcessMemory {
  /** Resident set size of the process (VmRSS), bytes. */
  readonly rss: number;
  /** Its peak resident set size so far (VmHWM), bytes. */
  readonly peak: number;
  /** Whether its main thread has live child processes (then only a tree scan gives the whole RSS). */
  readonly hasChildren: boolean;
}

/**
 * Reads one process's memory at the end of every invoke for the price of two `pread`s: `/proc/<pid>/status` and
 * `/proc/<pid>/task/<pid>/children` are opened once and re-read at offset 0 (procfs regenerates them), instead of
 * an open/read/close of several files per invoke. Children are spawned from the main thread by Node (libuv), so
 * the main thread's `children` file tells whether a full tree scan is needed.
 */
export class ProcessMemoryProbe {
  readonly #pid: number;
  readonly #buf = Buffer.allocUnsafe(4096);
  #statusFd = -1;
  #childrenFd = -1;
  #closed = false;

  constructor(pid: number) {
    this.#pid = pid;
  }

  /** The process's memory now; null when it is gone (or /proc is not there). */
  read(): ProcessMemory | null {
    if (this.#closed) return null;
    try {
      if (this.#statusFd === -1) this.#statusFd = openSync(`/proc/${this.#pid}/status`, 'r');
      const n = readSync(this.#statusFd, this.#buf, 0, this.#buf.length, 0);
      const text = this.#buf.toString('latin1', 0, n);
      const rss = kbField(text, 'VmRSS:');
      const peak = kbField(text, 'VmHWM:');
      let hasChildren = false;
      try {
        if (this.#childrenFd === -1)
          this.#childrenFd = openSync(`/proc/${this.#pid}/task/${this.#pid}/children`, 'r');
        hasChildren = readSync(this.#childrenFd, this.#buf, 0, 64, 0) > 0;
      } catch {
        // No `children` file on this kernel: assume there may be children (callers then scan the tree).
        hasChildren = true;
      }
      return { rss, peak, hasChildren };
    } catch {
      return null;
    }
  }

  /** Closes the files (idempotent). */
  close(): void {
    this.#closed = true;
    for (const fd of [this.#statusFd, this.#childrenFd]) {
      if (fd === -1) continue;
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    this.#statusFd = -1;
    this.#childrenFd = -1;
  }
}

/** A `Name:   1234 kB` field of /proc/<pid>/status in bytes (0 when absent). */
function kbField(status: string, name: string): number {
  const at = status.indexOf(name);
  if (at === -1) return 0;
  const end = status.indexOf('\n', at);
  return Number.parseInt(status.slice(at + name.length, end === -1 ? undefined : end), 10) * 1024 || 0;
}

/** Something whose process group is watched while it runs. */
export interface MemoryWatched {
  readonly pgid: number;
  onRss(bytes: number): void;
}

/**
 * Polls the process-tree RSS of the instances that are initialising or running an invoke (idle instances
 * are frozen on AWS, so they are not watched). One /proc scan per tick serves every instance.
 */
export class MemoryMonitor {
  readonly #watched = new Set<MemoryWatched>();
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  watch(w: MemoryWatched): void {
    this.#watched.add(w);
    if (this.#timer === null) {
      this.#timer = setInterval(() => this.sample(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  unwatch(w: MemoryWatched): void {
    // The timer stops at its next tick if nothing is watched then: back-to-back invokes (unwatch, watch) would
    // otherwise create and clear an interval per invoke.
    this.#watched.delete(w);
  }

  /** Samples every watched instance now. */
  sample(): void {
    if (this.#watched.size === 0) {
      if (this.#timer !== null) clearInterval(this.#timer);
      this.#timer = null;
      return;
    }
    const fallback: MemoryWatched[] = [];
    for (const w of [...this.#watched]) {
      if (w.pgid === 0) continue;
      const rss = readTreeRss(w.pgid);
      if (rss === null) fallback.push(w);
      else w.onRss(rss);
    }
    if (fallback.length === 0) return;
    const totals = readGroupRss(new Set(fallback.map((w) => w.pgid)));
    for (const w of fallback) {
      const rss = totals.get(w.pgid);
      if (rss !== undefined) w.onRss(rss);
    }
  }

  /** Samples one watched instance now (the end of an invoke). */
  sampleOne(w: MemoryWatched): void {
    if (w.pgid === 0) return;
    const rss = readTreeRss(w.pgid) ?? readGroupRss(new Set([w.pgid])).get(w.pgid);
    if (rss !== undefined) w.onRss(rss);
  }

  close(): void {
    this.#watched.clear();
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
