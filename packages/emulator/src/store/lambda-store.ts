import path from 'node:path';
import { readJsonDir, removeFile, writeJsonFile } from './json-file.js';

/** One function version's configuration as stored ($LATEST or a published number). */
export interface FunctionVersionRecord {
  version: string;
  description: string;
  runtime: string;
  handler: string;
  role: string;
  memorySize: number;
  timeout: number;
  architectures: ('x86_64' | 'arm64')[];
  environment: Record<string, string>;
  /** The function's layers in order, as they were when referenced (a later DeleteLayerVersion keeps them). */
  layers: FunctionLayerRecord[];
  ephemeralStorageSize: number;
  tracingMode: string;
  codeSha256: string;
  codeHex: string;
  codeSize: number;
  /** ISO-8601 with milliseconds. */
  lastModified: string;
  revisionId: string;
  state: 'Pending' | 'Active' | 'Inactive' | 'Failed';
  stateReason?: string;
  stateReasonCode?: string;
  lastUpdateStatus?: 'InProgress' | 'Successful' | 'Failed';
  lastUpdateStatusReason?: string;
  lastUpdateStatusReasonCode?: string;
}

export interface FunctionLayerRecord {
  arn: string;
  codeHex: string;
  codeSize: number;
  unzippedSize: number;
}

export interface AliasRecord {
  name: string;
  functionVersion: string;
  description: string;
  revisionId: string;
  routingConfig?: { AdditionalVersionWeights?: Record<string, number> };
}

/** One statement of a function's resource-based policy, in IAM's JSON shape. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: string | Record<string, string>;
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

export interface FunctionRecord {
  name: string;
  region: string;
  latest: FunctionVersionRecord;
  /** While $LATEST is being updated, invokes of $LATEST keep running this previous configuration. */
  live?: FunctionVersionRecord;
  versions: Record<string, FunctionVersionRecord>;
  /** Version numbers are never reused, even after a version is deleted. */
  lastVersion: number;
  aliases: Record<string, AliasRecord>;
  /** Policy statements by qualifier ('' = unqualified). */
  policies: Record<string, PolicyStatement[]>;
  policyRevisions: Record<string, string>;
  reservedConcurrency?: number;
  tags: Record<string, string>;
  /**
   * Asynchronous invocation settings (PutFunctionEventInvokeConfig) by qualifier: '$LATEST' (also the unqualified
   * function), a version number or an alias name. Absent in state written before they existed.
   */
  eventInvokeConfigs?: Record<string, EventInvokeConfigRecord>;
}

/** One function/version/alias's asynchronous invocation settings, as PutFunctionEventInvokeConfig set them. */
export interface EventInvokeConfigRecord {
  /** 0–2; absent = Lambda's default (2). */
  maximumRetryAttempts?: number;
  /** 60–21600; absent = Lambda's default (21600, 6 hours). */
  maximumEventAgeInSeconds?: number;
  /** Destination ARN for successful invocations. */
  onSuccess?: string;
  /** Destination ARN for events that used up their retries or their age. */
  onFailure?: string;
  /** Epoch milliseconds. */
  lastModified: number;
}

export interface LayerVersionRecord {
  version: number;
  description: string;
  licenseInfo?: string;
  compatibleRuntimes?: string[];
  compatibleArchitectures?: string[];
  createdDate: string;
  codeSha256: string;
  codeHex: string;
  codeSize: number;
}

export interface LayerRecord {
  name: string;
  region: string;
  lastVersion: number;
  versions: Record<string, LayerVersionRecord>;
}

/**
 * Lambda's resources on disk: `<root>/functions/<name>.json` (the function with its versions, aliases, policy and
 * concurrency) and `<root>/layers/<name>.json`. Everything is loaded at start and written through on change.
 */
export class LambdaStore {
  readonly #root: string;
  readonly #functions = new Map<string, FunctionRecord>();
  readonly #layers = new Map<string, LayerRecord>();

  constructor(root: string) {
    this.#root = root;
    for (const f of readJsonDir<FunctionRecord>(path.join(root, 'functions'))) this.#functions.set(f.name, f);
    for (const l of readJsonDir<LayerRecord>(path.join(root, 'layers'))) this.#layers.set(l.name, l);
  }

  getFunction(name: string): FunctionRecord | undefined {
    return this.#functions.get(name);
  }

  /** Functions sorted by name. */
  listFunctions(): FunctionRecord[] {
    return [...this.#functions.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  saveFunction(record: FunctionRecord): void {
    writeJsonFile(path.join(this.#root, 'functions', `${record.name}.json`), record);
    this.#functions.set(record.name, record);
  }

  deleteFunction(name: string): void {
    removeFile(path.join(this.#root, 'functions', `${name}.json`));
    this.#functions.delete(name);
  }

  getLayer(name: string): LayerRecord | undefined {
    return this.#layers.get(name);
  }

  listLayers(): LayerRecord[] {
    return [...this.#layers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  saveLayer(record: LayerRecord): void {
    writeJsonFile(path.join(this.#root, 'layers', `${record.name}.json`), record);
    this.#layers.set(record.name, record);
  }
}
