/**
 * The deployer policy in the README covers every AWS call the deploy code can make. The calls are read from the
 * source (every `new XCommand(` and SDK waiter in src/deploy and the deploy command, with the client each comes
 * from), mapped to their IAM actions, and looked up in the README's policy document — so adding a call without
 * documenting its permission fails here, not on someone's first deploy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const INFRA = path.resolve(import.meta.dirname, '..');

const SOURCES = [
  ...readdirSync(path.join(INFRA, 'src', 'deploy'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => path.join(INFRA, 'src', 'deploy', f)),
  path.join(INFRA, 'src', 'commands', 'deploy.ts'),
];

/** IAM service prefix per SDK client package; STS's GetCallerIdentity needs no permission. */
const PREFIX: Record<string, string | null> = {
  'client-lambda': 'lambda',
  'client-s3': 's3',
  'client-ses': 'ses',
  'client-apigatewayv2': 'apigateway',
  'client-sts': null,
};

/** Calls whose IAM action is not `<prefix>:<Command>`. */
const ACTION: Record<string, string> = {
  HeadBucket: 's3:ListBucket',
  HeadObject: 's3:GetObject',
  GetBucketNotificationConfiguration: 's3:GetBucketNotification',
  PutBucketNotificationConfiguration: 's3:PutBucketNotification',
  GetApis: 'apigateway:GET',
  GetIntegrations: 'apigateway:GET',
  CreateApi: 'apigateway:POST',
  UpdateApi: 'apigateway:PATCH',
};

/** What each SDK waiter polls. */
const WAITERS: Record<string, string> = {
  waitUntilFunctionActiveV2: 'lambda:GetFunction',
  waitUntilFunctionUpdatedV2: 'lambda:GetFunction',
  waitUntilPublishedVersionActive: 'lambda:GetFunctionConfiguration',
};

function neededActions(): Set<string> {
  const needed = new Set<string>();
  for (const file of SOURCES) {
    const text = readFileSync(file, 'utf8');
    const clientOf = new Map<string, string>();
    for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9]+)'/g)) {
      for (const name of (m[1] ?? '').split(',')) {
        clientOf.set(name.replace(/\btype\b/, '').trim(), m[2] ?? '');
      }
    }
    for (const m of text.matchAll(/new (\w+)Command\(/g)) {
      const command = m[1] ?? '';
      const client = clientOf.get(`${command}Command`);
      if (!client) throw new Error(`${file}: ${command}Command is not imported from an SDK client`);
      if (!(client in PREFIX)) throw new Error(`${file}: add ${client} to PREFIX`);
      const prefix = PREFIX[client];
      if (prefix === null) continue;
      needed.add(ACTION[command] ?? `${prefix}:${command}`);
    }
    for (const [waiter, action] of Object.entries(WAITERS)) {
      if (new RegExp(`\\b${waiter}\\(`).test(text)) needed.add(action);
    }
  }
  return needed;
}

function documentedActions(): Set<string> {
  const readme = readFileSync(path.join(INFRA, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## What the deployer needs on AWS'));
  const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  if (!json) throw new Error('README: no policy document under "What the deployer needs on AWS"');
  const policy = JSON.parse(json) as { Statement: { Effect: string; Action: string | string[] }[] };
  return new Set(
    policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) =>
      Array.isArray(s.Action) ? s.Action : [s.Action],
    ),
  );
}

describe('the deployer policy in the README', () => {
  it('allows every call the deploy code makes (and PassRole for the functions’ role)', () => {
    const needed = neededActions();
    // Sanity: the scan found the calls it must find.
    expect(needed).toContain('lambda:CreateFunction');
    expect(needed).toContain('s3:PutBucketNotification');
    expect(needed).toContain('ses:SetActiveReceiptRuleSet');
    expect(needed).toContain('apigateway:POST');
    needed.add('iam:PassRole');
    // CreateFunction / UpdateFunctionConfiguration with Layers read the layer version.
    needed.add('lambda:GetLayerVersion');
    const documented = documentedActions();
    expect([...needed].filter((a) => !documented.has(a)).sort()).toEqual([]);
  });
});
