import type { QueryParams } from './query.js';
import { invalidParameter } from './ses-error.js';

export type ReceiptAction =
  | {
      readonly type: 'S3';
      readonly bucketName: string;
      readonly objectKeyPrefix?: string;
      readonly topicArn?: string;
      readonly kmsKeyArn?: string;
      readonly iamRoleArn?: string;
    }
  | {
      readonly type: 'Lambda';
      readonly functionArn: string;
      readonly invocationType: 'Event' | 'RequestResponse';
      readonly topicArn?: string;
    }
  | { readonly type: 'Stop'; readonly scope: 'RuleSet'; readonly topicArn?: string }
  | { readonly type: 'AddHeader'; readonly headerName: string; readonly headerValue: string };

export interface ReceiptRule {
  readonly name: string;
  readonly enabled: boolean;
  readonly tlsPolicy: 'Optional' | 'Require';
  readonly scanEnabled: boolean;
  readonly recipients: readonly string[];
  readonly actions: readonly ReceiptAction[];
}

export interface ReceiptRuleSet {
  readonly name: string;
  readonly createdTimestamp: string;
  rules: ReceiptRule[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Checks a rule or rule-set name against SES's rules (letters, digits, `.`, `_`, `-`, ≤ 64, alnum first). */
export function assertName(kind: string, name: string | undefined): string {
  if (name === undefined || !NAME.test(name)) {
    throw invalidParameter(
      `${kind} name "${name ?? ''}" is invalid: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return name;
}

/**
 * Whether a recipient matches a rule the way SES documents it: an address matches itself, `example.com`
 * matches every address at that domain, `.example.com` every address at its subdomains; an empty
 * list matches everything. Comparisons ignore case.
 */
export function ruleMatchesRecipient(rule: ReceiptRule, recipient: string): boolean {
  if (!rule.enabled) return false;
  if (rule.recipients.length === 0) return true;
  const address = recipient.toLowerCase();
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return rule.recipients.some((r) => {
    const want = r.toLowerCase();
    if (want.includes('@')) return want === address;
    if (want.startsWith('.')) return domain.endsWith(want);
    return domain === want;
  });
}

/** Reads `Rule.*` parameters of CreateReceiptRule / UpdateReceiptRule. */
export function parseRule(q: QueryParams, prefix: string): ReceiptRule {
  const name = assertName('Rule', q.get(`${prefix}.Name`));
  const tls = q.get(`${prefix}.TlsPolicy`) ?? 'Optional';
  if (tls !== 'Optional' && tls !== 'Require')
    throw invalidParameter(`Invalid TlsPolicy "${tls}": use Optional or Require`);
  const recipients = q.list(`${prefix}.Recipients`);
  if (recipients.length > 100) throw invalidParameter('A receipt rule can have at most 100 recipients');
  const actions = q.members(`${prefix}.Actions`).map((m): ReceiptAction => {
    if (q.has(`${m}.S3Action`)) {
      const bucketName = q.get(`${m}.S3Action.BucketName`);
      if (bucketName === undefined) throw invalidParameter('S3Action requires BucketName');
      return {
        type: 'S3',
        bucketName,
        ...optional('objectKeyPrefix', q.get(`${m}.S3Action.ObjectKeyPrefix`)),
        ...optional('topicArn', q.get(`${m}.S3Action.TopicArn`)),
        ...optional('kmsKeyArn', q.get(`${m}.S3Action.KmsKeyArn`)),
        ...optional('iamRoleArn', q.get(`${m}.S3Action.IamRoleArn`)),
      };
    }
    if (q.has(`${m}.LambdaAction`)) {
      const functionArn = q.get(`${m}.LambdaAction.FunctionArn`);
      if (functionArn === undefined) throw invalidParameter('LambdaAction requires FunctionArn');
      const invocationType = q.get(`${m}.LambdaAction.InvocationType`) ?? 'Event';
      if (invocationType !== 'Event' && invocationType !== 'RequestResponse') {
        throw invalidParameter(`Invalid InvocationType "${invocationType}": use Event or RequestResponse`);
      }
      return {
        type: 'Lambda',
        functionArn,
        invocationType,
        ...optional('topicArn', q.get(`${m}.LambdaAction.TopicArn`)),
      };
    }
    if (q.has(`${m}.StopAction`)) {
      const scope = q.get(`${m}.StopAction.Scope`);
      if (scope !== 'RuleSet')
        throw invalidParameter(`Invalid StopAction scope "${scope ?? ''}": use RuleSet`);
      return { type: 'Stop', scope, ...optional('topicArn', q.get(`${m}.StopAction.TopicArn`)) };
    }
    if (q.has(`${m}.AddHeaderAction`)) {
      const headerName = q.get(`${m}.AddHeaderAction.HeaderName`) ?? '';
      const headerValue = q.get(`${m}.AddHeaderAction.HeaderValue`) ?? '';
      if (!/^[A-Za-z0-9-]{1,50}$/.test(headerName) || /[\r\n]/.test(headerValue)) {
        throw invalidParameter(`Invalid AddHeaderAction header "${headerName}"`);
      }
      return { type: 'AddHeader', headerName, headerValue };
    }
    for (const unsupported of ['BounceAction', 'SNSAction', 'WorkmailAction', 'ConnectAction']) {
      if (q.has(`${m}.${unsupported}`)) {
        throw invalidParameter(
          `${unsupported} is not supported by the Caprice emulator; use S3, Lambda, Stop or AddHeader`,
        );
      }
    }
    throw invalidParameter('Each receipt rule action must set exactly one action type');
  });
  return {
    name,
    enabled: q.get(`${prefix}.Enabled`) === 'true',
    tlsPolicy: tls,
    scanEnabled: q.get(`${prefix}.ScanEnabled`) === 'true',
    recipients,
    actions,
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** A rule as the Query API returns it (XML members). */
export function ruleXml(rule: ReceiptRule): Record<string, unknown> {
  return {
    Name: rule.name,
    Enabled: rule.enabled,
    TlsPolicy: rule.tlsPolicy,
    ...(rule.recipients.length > 0 ? { Recipients: { member: [...rule.recipients] } } : {}),
    Actions: {
      member: rule.actions.map((a) => {
        switch (a.type) {
          case 'S3':
            return {
              S3Action: {
                ...(a.topicArn ? { TopicArn: a.topicArn } : {}),
                BucketName: a.bucketName,
                ...(a.objectKeyPrefix !== undefined ? { ObjectKeyPrefix: a.objectKeyPrefix } : {}),
                ...(a.kmsKeyArn ? { KmsKeyArn: a.kmsKeyArn } : {}),
                ...(a.iamRoleArn ? { IamRoleArn: a.iamRoleArn } : {}),
              },
            };
          case 'Lambda':
            return {
              LambdaAction: {
                ...(a.topicArn ? { TopicArn: a.topicArn } : {}),
                FunctionArn: a.functionArn,
                InvocationType: a.invocationType,
              },
            };
          case 'Stop':
            return { StopAction: { Scope: a.scope, ...(a.topicArn ? { TopicArn: a.topicArn } : {}) } };
          default:
            return { AddHeaderAction: { HeaderName: a.headerName, HeaderValue: a.headerValue } };
        }
      }),
    },
    ScanEnabled: rule.scanEnabled,
  };
}
