/** `caprice invoke <function> [--payload JSON|@file] [--event kind]`: one synchronous invoke, with its log tail. */
import { readFile } from 'node:fs/promises';
import { InvokeCommand, LogType } from '@aws-sdk/client-lambda';
import { defineStack } from '../../stack.js';
import { InvalidOptionError } from '../cli-errors.js';
import { SAMPLE_EVENT_KINDS, type SampleEventKind, sampleEvent } from '../events/sample-events.js';
import { createClients, explainAwsError } from './aws-clients.js';

export interface InvokeCommandOptions {
  readonly functionName: string;
  readonly payload?: string;
  readonly event?: string;
  readonly target?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly print?: (line: string) => void;
}

export interface InvokeCommandResult {
  readonly statusCode?: number;
  readonly functionError?: string;
  readonly payload: string;
  readonly logTail: string;
}

async function payloadOf(options: InvokeCommandOptions): Promise<string> {
  if (options.payload !== undefined && options.event !== undefined) {
    throw new InvalidOptionError('Give either --payload or --event, not both');
  }
  if (options.event !== undefined) {
    if (!(SAMPLE_EVENT_KINDS as readonly string[]).includes(options.event)) {
      throw new InvalidOptionError(
        `Invalid --event "${options.event}": expected one of ${SAMPLE_EVENT_KINDS.join(', ')}`,
      );
    }
    const stack = defineStack(options.env ?? process.env);
    return JSON.stringify(sampleEvent(options.event as SampleEventKind, { stack }));
  }
  let text = options.payload ?? '{}';
  if (text.startsWith('@')) {
    try {
      text = await readFile(text.slice(1), 'utf8');
    } catch (error) {
      throw new InvalidOptionError(
        `Cannot read --payload file ${text.slice(1)}: ${(error as Error).message}`,
      );
    }
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new InvalidOptionError(
      `--payload is not JSON (${(error as Error).message}); pass JSON or @file.json`,
    );
  }
  return text;
}

/** Invokes the function (RequestResponse, log tail requested) and prints the result and its logs. */
export async function invokeCommand(options: InvokeCommandOptions): Promise<InvokeCommandResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const payload = await payloadOf(options);
  const region = options.region ?? defineStack(options.env ?? process.env).region;
  const clients = createClients({ target: options.target ?? 'local', endpoint: options.endpoint, region });
  try {
    const out = await clients.lambda.send(
      new InvokeCommand({
        FunctionName: options.functionName,
        Payload: Buffer.from(payload),
        LogType: LogType.Tail,
      }),
    );
    const result: InvokeCommandResult = {
      statusCode: out.StatusCode,
      payload: Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8'),
      logTail: out.LogResult ? Buffer.from(out.LogResult, 'base64').toString('utf8') : '',
      ...(out.FunctionError ? { functionError: out.FunctionError } : {}),
    };
    if (result.logTail) for (const line of result.logTail.trimEnd().split('\n')) print(`log  ${line}`);
    print(`${result.functionError ? `error (${result.functionError})` : 'result'}  ${result.payload}`);
    return result;
  } catch (error) {
    throw explainAwsError(error, clients.endpoint);
  } finally {
    clients.destroy();
  }
}
