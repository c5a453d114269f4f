// The raw floor: a hand-written HTTP/1.1 client on one kept-alive socket doing GET /next, JSON.parse, a trivial
// handler, JSON.stringify and POST /response, in a closed loop (shared/reference/perf.md §5).
import { connect } from 'node:net';

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const socket = connect({ host, port: Number(port), noDelay: true });
const NEXT = `GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
let buf = Buffer.alloc(0);
let waiting = null;
socket.on('data', (d) => {
  buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return;
  const head = buf.toString('latin1', 0, end);
  const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
  if (buf.length < end + 4 + len) return;
  const body = buf.subarray(end + 4, end + 4 + len);
  buf = buf.subarray(end + 4 + len);
  const w = waiting;
  waiting = null;
  w({ head, body });
});
const request = (data) =>
  new Promise((resolve) => {
    waiting = resolve;
    socket.write(data);
  });
for (;;) {
  const { head, body } = await request(NEXT);
  const id = /lambda-runtime-aws-request-id: *([^\r\n]+)/i.exec(head)[1];
  const event = JSON.parse(body.toString());
  const out = JSON.stringify({ ok: true, id: event.id });
  await request(
    `POST /2018-06-01/runtime/invocation/${id}/response HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${Buffer.byteLength(out)}\r\n\r\n${out}`,
  );
}
