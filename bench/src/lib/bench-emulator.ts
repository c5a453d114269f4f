/** An emulator on loopback with the bench's layers and functions, created through the real Lambda API. */
import { join } from 'node:path';
import {
  CreateFunctionCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  PutFunctionConcurrencyCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { type DataPlane, type Emulator, type EmulatorOptions, startEmulator } from '@caprice/emulator';
import { paths, ricAvailable, ricEntry, type StagedLayer } from './workspace.js';
import { buildZip } from './zip-build.js';

export const TRIVIAL_HANDLER = 'export const handler = async (event) => ({ ok: true, id: event.id });\n';
/** The event of @caprice/runtime's fake API (perf.md §5): about 100 B of JSON. */
export const SMALL_EVENT = JSON.stringify({
  id: 'bench',
  path: '/hello',
  query: { a: '1' },
  body: 'x'.repeat(40),
});

export interface BenchEmulator {
  readonly emulator: Emulator;
  readonly dataPlane: DataPlane;
  readonly lambda: LambdaClient;
  /** Layer ARNs by contender: `caprice` (our layer zip), `ric` (aws-lambda-ric), `floor` (raw client). */
  readonly layers: Readonly<Record<Contender, string>>;
  createFunction(spec: FunctionSpec): Promise<void>;
  close(): Promise<void>;
}

export type Contender = 'caprice' | 'ric' | 'floor';

export interface FunctionSpec {
  readonly name: string;
  readonly code: Buffer;
  readonly layer: Contender;
  readonly handler?: string;
  readonly memorySize?: number;
  readonly timeout?: number;
  readonly environment?: Record<string, string>;
  readonly reservedConcurrency?: number;
}

/** Bootstrap layers for AWS's RIC and for the raw floor, both on the layer's own Node binary. */
export async function contenderLayers(layer: StagedLayer): Promise<Record<'ric' | 'floor', Buffer>> {
  const ric = ricAvailable() ? ricEntry() : '/aws-lambda-ric-is-not-installed';
  return {
    ric: await buildZip({
      bootstrap: { text: `#!/bin/sh\nexec "${layer.nodeBinary}" "${ric}" "$_HANDLER"\n`, mode: 0o755 },
    }),
    floor: await buildZip({
      bootstrap: { text: `#!/bin/sh\nexec "${layer.nodeBinary}" "${paths.floorClient}"\n`, mode: 0o755 },
    }),
  };
}

export async function startBenchEmulator(
  tmp: string,
  layer: StagedLayer,
  options: Partial<EmulatorOptions> = {},
): Promise<BenchEmulator> {
  const emulator = await startEmulator({
    port: 0,
    stateDir: join(tmp, 'state'),
    createDelayMs: 10,
    updateDelayMs: 10,
    ...options,
    dataPlane: { idleTimeoutMs: 900_000, ...options.dataPlane },
  });
  const lambda = new LambdaClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 1,
  });
  try {
    const bootstraps = await contenderLayers(layer);
    const publish = async (name: string, zip: Buffer) =>
      (await lambda.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } })))
        .LayerVersionArn ?? '';
    const layers = {
      caprice: await publish('caprice-node', layer.zip),
      ric: await publish('aws-lambda-ric', bootstraps.ric),
      floor: await publish('raw-floor', bootstraps.floor),
    };
    return {
      emulator,
      dataPlane: emulator.dataPlane as DataPlane,
      lambda,
      layers,
      async createFunction(spec) {
        await lambda.send(
          new CreateFunctionCommand({
            FunctionName: spec.name,
            Runtime: 'provided.al2023',
            Role: 'arn:aws:iam::000000000000:role/bench',
            Handler: spec.handler ?? 'index.handler',
            Code: { ZipFile: spec.code },
            MemorySize: spec.memorySize ?? 1024,
            Timeout: spec.timeout ?? 30,
            Layers: [layers[spec.layer]],
            Environment: { Variables: spec.environment ?? {} },
          }),
        );
        await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: spec.name });
        if (spec.reservedConcurrency !== undefined) {
          await lambda.send(
            new PutFunctionConcurrencyCommand({
              FunctionName: spec.name,
              ReservedConcurrentExecutions: spec.reservedConcurrency,
            }),
          );
        }
      },
      async close() {
        lambda.destroy();
        await emulator.close();
      },
    };
  } catch (error) {
    lambda.destroy();
    await emulator.close();
    throw error;
  }
}
