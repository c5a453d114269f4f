/**
 * A one-instance Runtime API on raw `node:net` for cold-start timing: hands out `event` on the first `/next` and
 * records when the first `/next` (init done) and the first `/response` or `/error` (first answer) arrive.
 * Later `/next` calls are left hanging, as Lambda does until the next invoke.
 */
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';

export class ColdStartApi {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  endpoint = '';
  /** process.hrtime.bigint() of the first /next, of the first answer; the answer's path. */
  firstNext: bigint | undefined;
  firstAnswer: bigint | undefined;
  answerPath = '';
  answerBody = '';
  #served = false;
  #waiters: (() => void)[] = [];

  constructor(event: string) {
    this.#server = createServer({ noDelay: true }, (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {});
      let buf: Buffer = Buffer.alloc(0);
      socket.on('data', (data: Buffer) => {
        buf = buf.length === 0 ? data : Buffer.concat([buf, data]);
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end === -1) return;
          const head = buf.toString('latin1', 0, end);
          const m = /content-length: *(\d+)/i.exec(head);
          const chunked = /transfer-encoding: *chunked/i.test(head);
          let total = end + 4 + (m ? Number(m[1]) : 0);
          if (chunked) {
            const last = buf.indexOf('\r\n0\r\n', end);
            if (last === -1) return;
            const trailerEnd = buf.indexOf('\r\n\r\n', last + 3);
            if (trailerEnd === -1) return;
            total = trailerEnd + 4;
          }
          if (buf.length < total) return;
          const body = buf.toString('utf8', end + 4, total);
          buf = buf.subarray(total);
          const now = process.hrtime.bigint();
          const path = head.split(' ')[1] ?? '';
          if (head.startsWith('GET') && path.endsWith('/invocation/next')) {
            this.firstNext ??= now;
            if (this.#served) continue; // hang: no second event
            this.#served = true;
            socket.write(
              'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: cold-1\r\n' +
                `Lambda-Runtime-Deadline-Ms: ${Date.now() + 30_000}\r\n` +
                'Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:000000000000:function:bench\r\n' +
                `Lambda-Runtime-Trace-Id: Root=1-0-0;Sampled=0\r\nContent-Length: ${Buffer.byteLength(event)}\r\n\r\n${event}`,
            );
          } else {
            if (
              this.firstAnswer === undefined &&
              /\/invocation\/[^/]+\/(response|error)$|\/init\/error$/.test(path)
            ) {
              this.firstAnswer = now;
              this.answerPath = path;
              this.answerBody = body;
            }
            socket.write(
              'HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"status":"OK"}',
            );
          }
          this.#wake();
        }
      });
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  async start(): Promise<this> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.endpoint = `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves once the first answer arrived, or after `timeoutMs` (then `firstAnswer` stays undefined). */
  async waitForAnswer(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.firstAnswer === undefined && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    for (const s of this.#sockets) s.destroy();
    this.#server.close();
  }
}
