/**
 * Cold start: spawn → first `/next` (init done) and spawn → first answer, against a one-shot raw Runtime API, for a
 * trivial handler, the http-api bundle and the email-bot bundle (answering for real through the local S3/SES),
 * under @caprice/runtime and under aws-lambda-ric, next to `node -e 0` on the same binary and to loading a plain
 * esbuild bundle of the email bot. The email bot also runs as each bundle option alone (apps/email-bot/scripts/
 * bundle-options.ts), so the table shows what each one buys. All contenders run once per round, rounds interleaved.
 */

/** The bundle options measured one at a time (the shipped zip is all of them together). */
const EMAIL_VARIANTS: readonly { variant: BundleVariant; label: string }[] = [
  { variant: 'baseline', label: 'baseline: @caprice/lambda-bundle defaults, no option' },
  { variant: 'icuCharsets', label: '(a) ICU charset shims only' },
  { variant: 'lazyPaths', label: '(b) lazy html-to-text / he / linkify only' },
  { variant: 'httpViaRequire', label: '(e) node:http through require() only' },
  { variant: 'esmDependencies', label: '(f) ESM builds of the SDK core (module condition) only' },
];

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type BundleVariant, buildEmailBot } from '@caprice/email-bot/scripts/bundle-options.js';
import { extractZip } from '@caprice/emulator';
import { fmt, ratio } from '../format.js';
import { startDevStack } from '../lib/dev-stack.js';
import { ColdStartApi } from '../lib/fake-runtime-api.js';
import { rawMail } from '../lib/mail.js';
import { buildPlainEmailBundle } from '../lib/plain-bundle.js';
import { paths, requireArtifact, ricAvailable, ricEntry, stageLayer } from '../lib/workspace.js';
import type { Bench, Goal } from '../section.js';
import { median, pairedRatios, summarize } from '../stats.js';

type App = 'trivial' | 'http-api' | 'email-bot';

interface Sample {
  next: number;
  answer: number;
}

const HTTP_EVENT = JSON.stringify({
  version: '2.0',
  routeKey: '$default',
  rawPath: '/',
  rawQueryString: 'text=hello%20cold%20start',
  headers: { host: '127.0.0.1', 'user-agent': 'caprice-bench' },
  queryStringParameters: { text: 'hello cold start' },
  requestContext: {
    accountId: '000000000000',
    apiId: 'bench',
    domainName: '127.0.0.1',
    domainPrefix: 'bench',
    http: {
      method: 'GET',
      path: '/',
      protocol: 'HTTP/1.1',
      sourceIp: '127.0.0.1',
      userAgent: 'caprice-bench',
    },
    requestId: 'cold',
    routeKey: '$default',
    stage: '$default',
    time: '25/Nov/2026:10:00:00 +0000',
    timeEpoch: 1795600000000,
  },
  isBase64Encoded: false,
});

const s3Event = (bucket: string, key: string) =>
  JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: { s3SchemaVersion: '1.0', bucket: { name: bucket }, object: { key, size: 1 } },
      },
    ],
  });

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

export const coldBench: Bench = {
  name: 'cold',
  title: '2. Cold start (spawn → first /next, spawn → first response)',
  budgetSeconds: 150,
  async run({ tmp, log, quick }) {
    const rounds = quick ? 3 : 16;
    requireArtifact(paths.httpApiZip, 'pnpm --filter @caprice/http-api zip');
    requireArtifact(paths.emailBotZip, 'pnpm --filter @caprice/email-bot zip');
    const layer = await stageLayer(join(tmp, 'layer'));
    const roots: Record<App, string> = {
      trivial: join(tmp, 'task-trivial'),
      'http-api': join(tmp, 'task-http-api'),
      'email-bot': join(tmp, 'task-email-bot'),
    };
    await mkdir(roots.trivial, { recursive: true });
    await writeFile(
      join(roots.trivial, 'index.mjs'),
      'export const handler = async (event) => ({ ok: true, id: event.id });\n',
    );
    await extractZip(await readFile(paths.httpApiZip), roots['http-api'], { maxUnzippedBytes: 262_144_000 });
    await extractZip(await readFile(paths.emailBotZip), roots['email-bot'], {
      maxUnzippedBytes: 262_144_000,
    });
    const ricBootstrap = join(tmp, 'ric-bootstrap');
    await writeFile(
      ricBootstrap,
      `#!/bin/sh\nexec "${layer.nodeBinary}" "${ricAvailable() ? ricEntry() : '/aws-lambda-ric-is-not-installed'}" "$_HANDLER"\n`,
      {
        mode: 0o755,
      },
    );
    const plain = await buildPlainEmailBundle(join(tmp, 'plain'));
    const variantRoots = new Map<BundleVariant, string>();
    const variantBytes = new Map<BundleVariant, number>();
    for (const { variant } of EMAIL_VARIANTS) {
      const dir = join(tmp, `task-email-bot-${variant}`);
      const built = await buildEmailBot(join(dir, 'index.mjs'), variant);
      variantRoots.set(variant, dir);
      variantBytes.set(variant, built.bytes);
    }
    const compileCache = join(tmp, 'compile-cache');

    log('starting the local stack for the email bot (S3 + SES)');
    const dev = await startDevStack(tmp, log);
    const s3 = new S3Client({
      endpoint: dev.endpoints.emulator,
      region: dev.stack.region,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      forcePathStyle: true,
    });
    try {
      const emailFn = dev.stack.functions.find((f) => f.app === 'email-bot');
      const bucket = emailFn?.environment.EMAIL_BOT_BUCKET ?? 'caprice-inbound-mail';
      const memory: Record<App, string> = { trivial: '1024', 'http-api': '256', 'email-bot': '512' };
      const appEnv: Record<App, Record<string, string>> = {
        trivial: {},
        'http-api': {},
        'email-bot': {
          ...emailFn?.environment,
          // Outside the deployed function's notification prefix, so only the spawned bot handles these objects.
          EMAIL_BOT_KEY_PREFIX: 'cold/',
          AWS_ENDPOINT_URL: dev.endpoints.emulator,
          AWS_ACCESS_KEY_ID: 'caprice-local',
          AWS_SECRET_ACCESS_KEY: 'caprice-local',
        },
      };
      const lambdaEnv = (
        app: App,
        endpoint: string,
        extra: Record<string, string> = {},
        root = roots[app],
      ): NodeJS.ProcessEnv => ({
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        AWS_LAMBDA_RUNTIME_API: endpoint,
        _HANDLER: 'index.handler',
        LAMBDA_TASK_ROOT: root,
        AWS_LAMBDA_FUNCTION_NAME: `cold-${app}`,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory[app],
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/cold-${app}`,
        AWS_LAMBDA_LOG_STREAM_NAME: 'cold',
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        TZ: ':UTC',
        ...appEnv[app],
        ...extra,
      });
      let mailNo = 0;
      const eventFor = async (app: App): Promise<string> => {
        if (app === 'trivial') return JSON.stringify({ id: 'cold' });
        if (app === 'http-api') return HTTP_EVENT;
        mailNo += 1;
        const key = `cold/mail-${mailNo}`;
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: rawMail({
              // A sender per mail: past the bot's per-correspondent reply limit it would measure the skip path.
              from: `alice${mailNo}@example.org`,
              to: emailFn?.environment.EMAIL_BOT_ADDRESS ?? 'bot@caprice.localhost',
              subject: `cold ${mailNo}`,
              messageId: `<cold-${mailNo}@example.org>`,
              bytes: 1024,
            }),
          }),
        );
        return s3Event(bucket, key);
      };

      /** One runtime cold start; NaN figures when it did not answer in time or answered with an error. */
      const runtimeStart = async (
        runtime: 'caprice' | 'ric',
        app: App,
        extra: Record<string, string> = {},
        root = roots[app],
        stop: 'kill' | 'term' = 'kill',
      ): Promise<Sample> => {
        const api = await new ColdStartApi(await eventFor(app)).start();
        const bootstrap = runtime === 'caprice' ? join(layer.dir, 'bootstrap') : ricBootstrap;
        const t0 = process.hrtime.bigint();
        const child = spawn(bootstrap, [], {
          env: lambdaEnv(app, api.endpoint, extra, root),
          cwd: root,
          stdio: 'ignore',
          detached: true,
        });
        try {
          await api.waitForAnswer(20_000);
          const ms = (t?: bigint) => (t === undefined ? Number.NaN : Number(t - t0) / 1e6);
          if (api.firstAnswer !== undefined && !api.answerPath.endsWith('/response')) {
            log(`${runtime} ${app}: answered ${api.answerPath}: ${api.answerBody.slice(0, 300)}`);
            return { next: ms(api.firstNext), answer: Number.NaN };
          }
          return { next: ms(api.firstNext), answer: ms(api.firstAnswer) };
        } finally {
          if (stop === 'term' && child.pid && child.exitCode === null) {
            // A normal exit (the runtime exits on SIGTERM) lets Node write NODE_COMPILE_CACHE; SIGKILL would not.
            try {
              process.kill(-child.pid, 'SIGTERM');
            } catch {
              child.kill('SIGTERM');
            }
            await Promise.race([waitExit(child), new Promise((resolve) => setTimeout(resolve, 5_000))]);
          }
          killGroup(child);
          api.close();
          await waitExit(child);
        }
      };
      const processWall = async (
        args: string[],
        env: NodeJS.ProcessEnv = { PATH: process.env.PATH },
      ): Promise<Sample & { out: string }> => {
        const t0 = process.hrtime.bigint();
        const child = spawn(layer.nodeBinary, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
        let out = '';
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
        });
        await waitExit(child);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        return { next: ms, answer: ms, out };
      };
      const plainImport: number[] = [];
      const plainUrl = pathToFileURL(plain.file).href;
      const allContenders: { id: string; label: string; run: () => Promise<Sample> }[] = [
        {
          id: 'node0',
          label: '`node -e 0` (layer binary, spawn → exit)',
          run: () => processWall(['-e', '0']),
        },
        {
          id: 'caprice-trivial',
          label: '@caprice/runtime, trivial',
          run: () => runtimeStart('caprice', 'trivial'),
        },
        { id: 'ric-trivial', label: 'aws-lambda-ric, trivial', run: () => runtimeStart('ric', 'trivial') },
        {
          id: 'caprice-http-api',
          label: '@caprice/runtime, http-api',
          run: () => runtimeStart('caprice', 'http-api'),
        },
        { id: 'ric-http-api', label: 'aws-lambda-ric, http-api', run: () => runtimeStart('ric', 'http-api') },
        {
          id: 'caprice-email-bot',
          label: '@caprice/runtime, email-bot',
          run: () => runtimeStart('caprice', 'email-bot'),
        },
        {
          id: 'caprice-email-bot-cc',
          label: '@caprice/runtime, email-bot + NODE_COMPILE_CACHE (pre-populated)',
          run: () => runtimeStart('caprice', 'email-bot', { NODE_COMPILE_CACHE: compileCache }),
        },
        {
          id: 'ric-email-bot',
          label: 'aws-lambda-ric, email-bot',
          run: () => runtimeStart('ric', 'email-bot'),
        },
        ...EMAIL_VARIANTS.map(({ variant, label }) => ({
          id: `email-bot@${variant}`,
          label: `@caprice/runtime, email-bot bundled with ${label}`,
          run: () => runtimeStart('caprice', 'email-bot', {}, variantRoots.get(variant)),
        })),
        {
          id: 'plain-email-bot',
          label: 'plain esbuild bundle of email-bot: `node` + `await import()` (spawn → exit)',
          run: async () => {
            const s = await processWall(
              [
                '--input-type=module',
                '-e',
                `const t=performance.now();await import(${JSON.stringify(plainUrl)});console.log(performance.now()-t)`,
              ],
              lambdaEnv('email-bot', '127.0.0.1:9'),
            );
            plainImport.push(Number(s.out.trim()));
            return s;
          },
        },
      ];
      // aws-lambda-ric only when its native addon is built (tests/ric-peer).
      const contenders = allContenders.filter((c) => !c.id.startsWith('ric-') || ricAvailable());
      // Populate the compile cache and warm the page cache once (not measured).
      await runtimeStart(
        'caprice',
        'email-bot',
        { NODE_COMPILE_CACHE: compileCache },
        roots['email-bot'],
        'term',
      );
      const cacheFiles = await readdir(compileCache, { recursive: true }).catch(() => [] as string[]);
      const cachePopulated = cacheFiles.length > 0;
      if (!cachePopulated)
        log('NODE_COMPILE_CACHE stayed empty: the compile-cache row measures a cache miss');
      for (const c of contenders) await c.run();
      plainImport.length = 0;

      const samples = new Map<string, Sample[]>(contenders.map((c) => [c.id, []]));
      for (let r = 0; r < rounds; r++) {
        const order = contenders.map((_, i) => contenders[(i + r * 2) % contenders.length]!);
        for (const c of order) samples.get(c.id)!.push(await c.run());
        log(
          `cold round ${r + 1}/${rounds}: ${contenders.map((c) => `${c.id} ${fmt(samples.get(c.id)!.at(-1)!.next)}/${fmt(samples.get(c.id)!.at(-1)!.answer)}`).join(', ')}`,
        );
      }
      const get = (id: string, k: keyof Sample) => (samples.get(id) ?? []).map((s) => s[k]);
      const span = (xs: number[]) => {
        const s = summarize(xs.filter(Number.isFinite));
        return s.n ? `${fmt(s.median, 1)} (${fmt(s.min, 1)}–${fmt(s.max, 1)})` : '–';
      };
      const rmed = (a: number[], b: number[]) => median(pairedRatios(a, b));
      const node0 = get('node0', 'next');
      const rows = contenders.map((c) => {
        const next = get(c.id, 'next');
        const answer = get(c.id, 'answer');
        const app = c.id.replace(/^(caprice|ric)-/, '').replace(/-cc$/, '');
        const ricId = `ric-${app}`;
        const isRuntime =
          c.id.startsWith('caprice') || c.id.startsWith('ric') || c.id.startsWith('email-bot@');
        return [
          c.label,
          span(next),
          isRuntime ? span(answer) : '–',
          ratio(rmed(next, node0)),
          c.id.startsWith('caprice') && samples.has(ricId) ? ratio(rmed(next, get(ricId, 'next'))) : '–',
          c.id.startsWith('caprice') && samples.has(ricId) ? ratio(rmed(answer, get(ricId, 'answer'))) : '–',
        ];
      });
      // Init cost above bare node: (first /next − node -e 0) per round, and the plain bundle's (exit − node -e 0).
      const above = (id: string) => get(id, 'next').map((x, i) => x - (node0[i] ?? Number.NaN));
      const emailInit = above('caprice-email-bot');
      const emailBundleBytes = (await readFile(join(roots['email-bot'], 'index.mjs'))).byteLength;
      const emailInitCc = above('caprice-email-bot-cc');
      const plainLoad = above('plain-email-bot');
      const emailVsPlain = median(pairedRatios(emailInit, plainLoad));
      const emailCcVsPlain = median(pairedRatios(emailInitCc, plainLoad));
      const trivialVsNode = rmed(get('caprice-trivial', 'next'), node0);
      // What each bundle option buys: init and first response above bare Node, per round, against the plain bundle's
      // load and against the baseline variant (the same runtime and app without any option).
      const answerAbove = (id: string) => get(id, 'answer').map((x, i) => x - (node0[i] ?? Number.NaN));
      const baseInit = above('email-bot@baseline');
      const baseAnswer = answerAbove('email-bot@baseline');
      const delta = (a: number[], b: number[]) => {
        const d = a.map((x, i) => x - (b[i] ?? Number.NaN)).filter(Number.isFinite);
        return d.length ? `${median(d) > 0 ? '+' : ''}${fmt(median(d), 1)}` : '–';
      };
      const optionRow = (label: string, id: string, bundleBytes: number | undefined) => [
        label,
        bundleBytes === undefined ? '–' : `${fmt(bundleBytes / 1000)} KB`,
        span(above(id)),
        ratio(median(pairedRatios(above(id), plainLoad))),
        delta(above(id), baseInit),
        span(answerAbove(id)),
        delta(answerAbove(id), baseAnswer),
      ];
      const optionRows = [
        ...EMAIL_VARIANTS.map(({ variant, label }) =>
          optionRow(label, `email-bot@${variant}`, variantBytes.get(variant)),
        ),
        optionRow('shipped zip: (a) + (b) + (c) + (e) + (f)', 'caprice-email-bot', emailBundleBytes),
        optionRow(
          '(d) shipped + NODE_COMPILE_CACHE (pre-populated)',
          'caprice-email-bot-cc',
          emailBundleBytes,
        ),
      ];
      const goals: Goal[] = [
        {
          what: 'trivial: spawn → first /next vs `node -e 0`',
          target: '≤ 1.25×',
          actual: ratio(trivialVsNode),
          met: Number.isFinite(trivialVsNode) ? trivialVsNode <= 1.25 : null,
        },
        {
          what: 'email-bot init (first /next − node -e 0) vs plain esbuild bundle load (exit − node -e 0)',
          target: '≤ 0.60×',
          actual: ratio(emailVsPlain),
          met: Number.isFinite(emailVsPlain) ? emailVsPlain <= 0.6 : null,
        },
      ];
      const ricTrivial = rmed(get('ric-trivial', 'next'), node0);
      const http = rmed(get('caprice-http-api', 'next'), node0);
      const ricHttp = rmed(get('ric-http-api', 'next'), node0);
      const email = rmed(get('caprice-email-bot', 'next'), node0);
      const ricEmail = rmed(get('ric-email-bot', 'next'), node0);
      const plainR = rmed(get('plain-email-bot', 'next'), node0);
      const tone = (v: number, goal: number) => (v <= goal ? 'good' : 'bad') as 'good' | 'bad';
      return {
        tables: [
          {
            caption: `ms, ${rounds} interleaved rounds; median (min–max). Ratios per round, then median. Node ${layer.nodeVersion} (the layer's binary) for every row; page cache warm. The email-bot answers for real: it reads a 1 KB mail from the emulator's S3 and sends the reply through its SES.`,
            header: [
              'contender',
              'spawn → first /next ms',
              'spawn → first response ms',
              '× node -e 0 (/next)',
              '× ric (/next)',
              '× ric (response)',
            ],
            rows,
          },
          {
            caption:
              'Email-bot init above bare Node (per round: first /next − `node -e 0`), ms, vs the plain esbuild bundle (spawn → exit − `node -e 0`); the plain bundle\'s in-process `await import()` time is perf.md\'s "≈ 280 ms here" anchor.',
            header: ['what', 'ms', '× plain bundle load'],
            rows: [
              ['@caprice/runtime email-bot init', span(emailInit), ratio(emailVsPlain)],
              ['… + NODE_COMPILE_CACHE', span(emailInitCc), ratio(emailCcVsPlain)],
              ['plain esbuild bundle load (process)', span(plainLoad), '1.00×'],
              ['plain esbuild bundle, in-process `await import()`', span(plainImport), '–'],
            ],
          },
          {
            caption:
              'What each bundle option buys (apps/email-bot/scripts/bundle-options.ts), each alone and all together as shipped; same runtime, same 1 KB text mail answered for real. Init = first /next − `node -e 0`; first response = answer − `node -e 0` (ms, median (min–max) of rounds); Δ = per-round difference to the baseline row (negative is faster). A cost moved from init to the first invoke shows up as a smaller init Δ than first-response Δ.',
            header: [
              'bundle',
              'bundle size',
              'init ms',
              'init × plain bundle load',
              'init Δ ms',
              'first response ms',
              'first response Δ ms',
            ],
            rows: optionRows,
          },
        ],
        goals,
        charts: [
          {
            file: 'cold-start.svg',
            title: 'Cold start: spawn → first /next, × `node -e 0` (lower is better)',
            unit: '× node -e 0 (same binary)',
            marks: [
              { value: 1, label: 'node -e 0' },
              { value: 1.25, label: 'goal 1.25×' },
            ],
            bars: [
              {
                label: '@caprice/runtime trivial',
                value: trivialVsNode,
                tone: tone(trivialVsNode, 1.25),
                text: ratio(trivialVsNode),
              },
              { label: 'aws-lambda-ric trivial', value: ricTrivial, text: ratio(ricTrivial) },
              { label: '@caprice/runtime http-api', value: http, text: ratio(http) },
              { label: 'aws-lambda-ric http-api', value: ricHttp, text: ratio(ricHttp) },
              { label: '@caprice/runtime email-bot', value: email, text: ratio(email) },
              { label: 'aws-lambda-ric email-bot', value: ricEmail, text: ratio(ricEmail) },
              { label: 'plain bundle import (email)', value: plainR, text: ratio(plainR) },
            ],
          },
        ],
        notes: [
          `Plain esbuild bundle of apps/email-bot/src/main.ts (perf.md §4 flags, no source map): ${fmt(plain.bytes / 1000)} KB.`,
          cachePopulated
            ? `NODE_COMPILE_CACHE: populated once by a runtime start that exited on SIGTERM (${cacheFiles.length} files; a SIGKILLed process never writes it), then read by every compile-cache start.`
            : 'NODE_COMPILE_CACHE: the populating start wrote nothing, so the compile-cache row is a cache miss.',
          `Trivial handler: @caprice/runtime ${ratio(trivialVsNode)} and aws-lambda-ric ${ratio(ricTrivial)} of \`node -e 0\` (median +${fmt(median(above('caprice-trivial')))} ms vs +${fmt(median(above('ric-trivial')))} ms above bare Node): the runtime's own module load and first connection. Email bot: a pre-populated \`NODE_COMPILE_CACHE\` took its init from ${ratio(emailVsPlain)} to ${ratio(emailCcVsPlain)} of the plain bundle's load in this run.`,
          "Options (bench/README.md has the details): (a) iconv-lite's double-byte tables generated from Node's ICU on first use and encoding-japanese over ICU's EUC-JP, (b) html-to-text, he and mailparser's linkify instance built on first use (only HTML-only mails and the HTML renderings the bot switches off need them), (c) license comments and source map outside the zip (size only), (d) a pre-populated compile cache, (e) `node:http` taken through require(): its ESM import makes Node 24 read the lazy WebSocket/CloseEvent/MessageEvent exports, which load Node's bundled undici, (f) the `module` export condition, so the SDK's core packages come as their ESM builds (dist-es) instead of CommonJS. Not measured: startup snapshots (perf.md §2: they fail with the AWS SDK).",
        ],
      };
    } finally {
      s3.destroy();
      await dev.close();
    }
  },
};
