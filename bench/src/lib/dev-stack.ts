/** The whole local stack (emulator + S3/SES/SMTP + both functions deployed from their zips) via infra's `startDev`. */
import { join } from 'node:path';
import { type DevStack, startDev } from '@caprice/infra/src/commands/dev.js';
import { paths, ROOT, requireArtifact } from './workspace.js';

export type { DevStack };

/** Starts `caprice dev` on free ports without building, watching or the demo. */
export async function startDevStack(tmp: string, log: (line: string) => void): Promise<DevStack> {
  requireArtifact(paths.layerZip, 'pnpm --filter @caprice/runtime zip');
  requireArtifact(paths.httpApiZip, 'pnpm --filter @caprice/http-api zip');
  requireArtifact(paths.emailBotZip, 'pnpm --filter @caprice/email-bot zip');
  return startDev({
    root: ROOT,
    port: 0,
    apiPort: 0,
    smtpPort: 0,
    dashboardPort: 0,
    stateDir: join(tmp, 'dev-state'),
    build: false,
    watch: false,
    env: {},
    log: (line) => {
      if (/error|fail/i.test(line)) log(`dev: ${line}`);
    },
  });
}
