import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { ListenError } from '../errors.js';
import { SesReceiveError } from '../ses/ses-error.js';
import { MAX_RECEIVE_SIZE, type SesService } from '../ses/ses-service.js';

export interface SmtpServerOptions {
  /** Interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** Port (default 2525; 0 picks a free one). */
  readonly port?: number;
  /** Receipt processing behind the door. */
  readonly ses: Pick<SesService, 'acceptsRecipient' | 'receive'>;
  /** Message size limit in bytes (default 40 MB, SES's receiving limit). */
  readonly maxSize?: number;
  /** Called when receipt processing throws something unexpected (answered 451 to the client). */
  readonly onError?: (error: unknown) => void;
}

export interface RunningSmtpServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * Starts SES's inbound door: an SMTP listener (no TLS, no AUTH) that accepts RCPT TO only for
 * recipients the active receipt rule set covers (550 otherwise), refuses mail over the size limit
 * (552), and hands each message to SES receipt processing, answering `250 Ok <messageId>`.
 * @example
 * const smtp = await startSmtpServer({ ses, port: 0 });
 * // nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, ignoreTLS: true })
 */
export async function startSmtpServer(options: SmtpServerOptions): Promise<RunningSmtpServer> {
  const host = options.host ?? '127.0.0.1';
  const maxSize = options.maxSize ?? MAX_RECEIVE_SIZE;
  const server = new SMTPServer({
    name: 'inbound-smtp.caprice.local',
    banner: 'Caprice SES inbound (emulated)',
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    size: maxSize,
    logger: false,
    onRcptTo(address, _session, callback) {
      if (options.ses.acceptsRecipient(address.address)) callback();
      else
        callback(
          smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: no receipt rule matches`),
        );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxSize) chunks.push(chunk);
      });
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        if (stream.sizeExceeded || size > maxSize) {
          callback(smtpError(552, '5.3.4 Error: message exceeds fixed maximum message size'));
          return;
        }
        const mailFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        options.ses
          .receive({
            mailFrom,
            recipients: session.envelope.rcptTo.map((r) => r.address),
            remoteAddress: session.remoteAddress.replace(/^::ffff:/, ''),
            helo: session.hostNameAppearsAs || 'unknown',
            raw: Buffer.concat(chunks, size),
          })
          .then(({ messageId }) => callback(null, `Ok ${messageId}`))
          .catch((err: unknown) => {
            if (err instanceof SesReceiveError) callback(smtpError(err.responseCode, err.message));
            else {
              options.onError?.(err);
              callback(smtpError(451, '4.3.0 Temporary failure while processing the message'));
            }
          });
      });
    },
  });
  const port = options.port ?? 2525;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    throw new ListenError(host, port, { cause: err });
  }
  // Keep a listener so a client error never crashes the emulator.
  server.on('error', (err) => options.onError?.(err));
  const address = server.server.address() as AddressInfo;
  return {
    host,
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
