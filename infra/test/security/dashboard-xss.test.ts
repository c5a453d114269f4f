/**
 * The dashboard in a real headless browser, showing hostile mail: `<script>`, event-handler attributes and
 * `javascript:` links in subjects, display names, text and HTML bodies — sent straight to the SES outbox and as a
 * reply of the real bot to a hostile inbound mail over SMTP. Nothing may run in the page, and mail HTML must sit
 * in an iframe sandboxed without scripts. Needs the zips and Debian's chromium (as the dev e2e test).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SESClient, SendRawEmailCommand, VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { createTransport } from 'nodemailer';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevStack } from '../../src/commands/dev.js';
import { startTestDev } from '../helpers/dev-process.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `NOTICE: ${CHROMIUM} is missing: the dashboard XSS test is not run (apt-get install chromium)`,
  );
  if (process.env.CI) throw new Error(`${CHROMIUM} is required in CI for the dashboard XSS test`);
}

const XSS = `<script>window.top.pwned='script'</script><img src=x onerror="window.top.pwned='img'"><svg onload="window.top.pwned='svg'">`;

describe.runIf(hasChromium)('dashboard shows hostile mail without running it', () => {
  let stateDir: string;
  let dev: DevStack;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-xss-'));
    dev = await startTestDev(stateDir);
  }, 180_000);

  afterAll(async () => {
    await dev?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('escapes subjects, names and text, sandboxes HTML, and runs no script', {
    timeout: 120_000,
  }, async () => {
    // 1. Straight into the outbox (what any function could send).
    const ses = new SESClient({
      endpoint: dev.endpoints.emulator,
      region: dev.stack.region,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: 'evil@example.org' }));
    const boundary = 'b0undary';
    const raw = [
      `From: "${XSS.replace(/"/g, "'")}" <evil@example.org>`,
      'To: <victim@example.org>',
      `Subject: ${XSS}`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/alternative; boundary=${boundary}`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      `${XSS} <a href="javascript:window.top.pwned='link'">x</a>`,
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      '',
      `<p>hi</p>${XSS}<a id=js href="javascript:window.top.pwned='link'">click</a><form action="javascript:window.top.pwned='form'"><button>go</button></form>`,
      `--${boundary}--`,
      '',
    ].join('\r\n');
    await ses.send(
      new SendRawEmailCommand({
        Source: 'evil@example.org',
        Destinations: ['victim@example.org'],
        RawMessage: { Data: Buffer.from(raw) },
      }),
    );
    ses.destroy();

    // 2. Through the real bot: a hostile inbound mail over SMTP; the bot's reply quotes it.
    const [host = '127.0.0.1', port = '0'] = dev.endpoints.smtp.split(':');
    const transport = createTransport({ host, port: Number(port), secure: false, ignoreTLS: true });
    await transport.sendMail({
      from: 'Alice <alice@example.org>',
      to: dev.endpoints.bot,
      subject: `hostile ${XSS}`,
      text: `text ${XSS}`,
      html: `<p>html</p>${XSS}`,
    });
    transport.close();

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    try {
      const page = await browser.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.goto(dev.endpoints.dashboard);
      const outbox = page.locator('#outbox details');
      // Both messages: the direct one and the bot's reply to the hostile mail.
      await page.locator('#outbox summary', { hasText: 'Re: hostile' }).waitFor({ timeout: 60_000 });
      await page.locator('#outbox summary', { hasText: '<script>' }).first().waitFor({ timeout: 30_000 });
      // Open everything, click the javascript: link inside the iframe, give handlers a moment.
      for (const d of await outbox.all()) await d.evaluate((el) => el.setAttribute('open', ''));
      await page.locator('#inbound').scrollIntoViewIfNeeded();
      const frames = page.frames().filter((f) => f !== page.mainFrame());
      expect(frames.length).toBeGreaterThanOrEqual(2);
      for (const frame of frames) {
        await frame
          .locator('#js')
          .click({ timeout: 2000 })
          .catch(() => undefined);
        await frame
          .locator('button')
          .click({ timeout: 2000 })
          .catch(() => undefined);
      }
      await page.waitForTimeout(500);

      // Subjects and names show as text.
      expect(await page.locator('#outbox summary', { hasText: '<script>' }).count()).toBeGreaterThanOrEqual(
        1,
      );
      // Nothing ran: no flag on the page, no dialog, no injected element in the page's own document.
      expect(await page.evaluate(() => (globalThis as { pwned?: string }).pwned)).toBeUndefined();
      expect(dialogs).toEqual([]);
      expect(await page.locator('body script').count()).toBe(1); // the dashboard's own module script
      expect(await page.locator('#outbox img, #outbox svg, #inbound img, #invocations img').count()).toBe(0);
      // Every mail HTML part is in an iframe with an empty sandbox (no scripts, no same origin, no forms).
      const iframes = page.locator('#outbox iframe');
      expect(await iframes.count()).toBeGreaterThanOrEqual(2);
      for (const f of await iframes.all()) expect(await f.getAttribute('sandbox')).toBe('');
      for (const frame of frames) {
        const ran = await frame
          .evaluate(() => (globalThis as { pwned?: string }).pwned)
          .catch(() => undefined);
        expect(ran).toBeUndefined();
      }
      // Control: the same payload put into the page as HTML does run, so the probe above would have seen it.
      await page.locator('body').evaluate((body, html) => body.insertAdjacentHTML('beforeend', html), XSS);
      await page.waitForFunction(() => (globalThis as { pwned?: string }).pwned !== undefined, undefined, {
        timeout: 5000,
      });
    } finally {
      await browser.close();
    }
  });
});
