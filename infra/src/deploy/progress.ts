/**
 * Progress for long steps: a spinner for waits and a bar for uploads, drawn only when the output is a TTY
 * (CI logs and `--json` get plain lines, or nothing).
 */

export interface UploadProgress {
  advance(bytes: number): void;
  done(): void;
}

export interface Progress {
  /** Shows a spinner with `label` until `work` settles. */
  wait<T>(label: string, work: Promise<T>): Promise<T>;
  /** A progress bar for `total` bytes. */
  upload(label: string, total: number): UploadProgress;
}

/** No drawing at all: for non-TTY output, JSON mode and tests. */
export const silentProgress: Progress = {
  wait: (_label, work) => work,
  upload: () => ({ advance() {}, done() {} }),
};

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The bar text for `done` of `total` bytes, e.g. `[#####-----]  50% 25.0/50.0 MB`. */
export function renderBar(done: number, total: number, width = 24): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * width);
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% ${mb(done)}/${mb(total)} MB`;
}

/** Progress drawn on `stream` when it is a TTY; otherwise {@link silentProgress}. */
export function createProgress(stream: NodeJS.WriteStream | undefined = process.stdout): Progress {
  if (!stream?.isTTY) return silentProgress;
  const draw = (text: string) => stream.write(`\r\x1b[2K${text}`);
  const clear = () => stream.write('\r\x1b[2K');
  return {
    async wait(label, work) {
      let frame = 0;
      draw(`${FRAMES[0]} ${label}`);
      const timer = setInterval(() => draw(`${FRAMES[++frame % FRAMES.length]} ${label}`), 100);
      try {
        return await work;
      } finally {
        clearInterval(timer);
        clear();
      }
    },
    upload(label, total) {
      let sent = 0;
      draw(`${label} ${renderBar(0, total)}`);
      return {
        advance(bytes) {
          sent += bytes;
          draw(`${label} ${renderBar(sent, total)}`);
        },
        done: clear,
      };
    },
  };
}
