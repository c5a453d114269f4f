/**
 * A minimal raw `node:net` Runtime API for benchmarks (as in shared/reference/perf.md §5): `/next` answers at once
 * with a ~100 B event and the Lambda headers, POSTs get 202. It timestamps every `/next` so the per-invoke cycle
 * time (next → handler → post → next) is measured the same way for every client.
 */
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server } from 'node:net';

const EVENT = JSON.stringify({ id: 'bench', path: '/hello', query: { a: '1' }, body: 'x'.repeat(40) });

export class FakeRuntimeApi {
  #server: Server;
  /** process.hrtime.bigint() of each /next arrival. */
  nextTimes: bigint[] = [];
  endpoint = '';
  #n = 0;
  #onNext: (() => void) | null = null;

  constructor() {
    this.#server = createServer({ noDelay: true }, (socket) => {
      let buf: Buffer = Buffer.alloc(0);
      socket.on('data', (data: Buffer) => {
        buf = buf.length === 0 ? data : Buffer.concat([buf, data]);
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end === -1) return;
          const head = buf.toString('latin1', 0, end);
          const m = /content-length: *(\d+)/i.exec(head);
          const total = end + 4 + (m ? Number(m[1]) : 0);
          if (buf.length < total) return;
          buf = buf.subarray(total);
          if (head.startsWith('GET')) {
            this.nextTimes.push(process.hrtime.bigint());
            this.#n += 1;
            const id = `req-${this.#n}`;
            socket.write(
              `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: ${id}\r\n` +
                `Lambda-Runtime-Deadline-Ms: ${Date.now() + 30000}\r\n` +
                'Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:012345678912:function:bench\r\n' +
                `Lambda-Runtime-Trace-Id: Root=1-0-0;Sampled=0\r\nContent-Length: ${EVENT.length}\r\n\r\n${EVENT}`,
            );
            this.#onNext?.();
          } else {
            socket.write(
              'HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"status":"OK"}',
            );
          }
        }
      });
      socket.on('error', () => {});
    });
  }

  async start(): Promise<this> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.endpoint = `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves once `count` /next requests have arrived in total. */
  waitForNexts(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.nextTimes.length >= count) {
          this.#onNext = null;
          resolve();
        }
      };
      this.#onNext = check;
      check();
    });
  }

  close(): void {
    this.#server.close();
  }
}
