import type { IncomingMessage, ServerResponse } from 'node:http';
import { createS3Service, type S3Service } from '../s3/s3-service.js';
import type { EmulatorExtension, EmulatorParts } from '../server.js';
import { createSesService, type SesService } from '../ses/ses-service.js';
import { type RunningSmtpServer, startSmtpServer } from '../smtp/smtp-server.js';

export interface EmailExtensionOptions {
  /** SMTP door interface (default 127.0.0.1). */
  readonly smtpHost?: string;
  /** SMTP door port (default 2525; 0 picks a free one, read it from `onReady`). */
  readonly smtpPort?: number;
  /** SES sandbox mode (default false). */
  readonly sandbox?: boolean;
  /** Receives the running pieces once started (tests, the CLI banner, the dashboard). */
  readonly onReady?: (pieces: { s3: S3Service; ses: SesService; smtp: RunningSmtpServer }) => void;
  /** Where failures after a request was answered go (notification queueing, Lambda actions, SMTP). */
  readonly onError?: (error: unknown, where: string) => void;
}

/**
 * Plugs S3, SES and the SMTP door into `startEmulator({ extensions: [emailExtension()] })`: services `s3` and
 * `ses` on the emulator's port, `/_caprice/ses/…` (outbox) as an admin route, notifications and receipt
 * Lambda actions through the data plane, destination checks through the functions' resource policies.
 * @example
 * const emulator = await startEmulator({ extensions: [emailExtension({ smtpPort: 2525 })] });
 */
export function emailExtension(
  options: EmailExtensionOptions = {},
): (parts: EmulatorParts) => Promise<EmulatorExtension> {
  return async (parts) => {
    const report =
      options.onError ?? ((err: unknown, where: string) => console.error(`[caprice ${where}]`, err));
    const s3 = createS3Service({
      stateDir: parts.stateDir,
      lambda: parts.dataPlane,
      permissions: parts.lambda,
      region: parts.region,
      accountId: parts.accountId,
      onNotificationError: (err, arn) => report(err, `s3 notification ${arn}`),
    });
    const ses = createSesService({
      stateDir: parts.stateDir,
      s3,
      lambda: {
        invokeAsync: (name, payload, qualifier) => parts.dataPlane.invokeAsync(name, payload, qualifier),
        invokeSync: async (name, payload, qualifier) =>
          (await parts.dataPlane.invoke(name, payload, qualifier === undefined ? {} : { qualifier })).payload,
      },
      permissions: parts.lambda,
      region: parts.region,
      accountId: parts.accountId,
      sandbox: options.sandbox ?? false,
      onActionError: (err, action) => report(err, `ses ${action}`),
    });
    const smtp = await startSmtpServer({
      host: options.smtpHost ?? parts.host,
      port: options.smtpPort ?? 2525,
      ses,
      onError: (err) => report(err, 'smtp'),
    });
    options.onReady?.({ s3, ses, smtp });
    return {
      services: {
        s3: (req: IncomingMessage, res: ServerResponse) => s3.handle(req, res),
        ses: (req: IncomingMessage, res: ServerResponse) => ses.handle(req, res),
      },
      adminRoutes: [{ pathPrefix: '/_caprice/ses/', handler: (req, res) => ses.handleAdmin(req, res) }],
      readS3Object: (bucket, key) => s3.readObject(bucket, key),
      health: () => ({ s3: s3.health(), ses: ses.health(), smtp: { host: smtp.host, port: smtp.port } }),
      close: () => smtp.close(),
    };
  };
}
