import { describe, expect, it } from 'vitest';
import { defineStack } from '../../stack.js';
import {
  desiredRule,
  mergeBucketPolicy,
  mergeNotifications,
  notificationEntry,
  s3StatementId,
  sameRule,
  sesBucketStatement,
  sesStatementId,
} from './email-trigger.js';

const trigger = defineStack({}).triggers.email!;
const arn = 'arn:aws:lambda:us-east-1:000000000000:function:caprice-email-bot';

describe('mergeNotifications', () => {
  it('adds our entry and keeps the bucket owner’s other notifications', () => {
    const other = { Id: 'theirs', LambdaFunctionArn: 'arn:other', Events: ['s3:ObjectRemoved:*' as const] };
    const { merged, changed } = mergeNotifications([other], notificationEntry(trigger, arn));
    expect(changed).toBe(true);
    expect(merged.map((c) => c.Id)).toEqual(['theirs', 'caprice-caprice-email-bot']);
  });

  it('reports no change when the same entry is already there, whatever the case of filter names', () => {
    const ours = notificationEntry(trigger, arn);
    const asStored = {
      ...ours,
      Filter: { Key: { FilterRules: [{ Name: 'Prefix' as 'prefix', Value: 'inbound/' }] } },
    };
    expect(mergeNotifications([asStored], ours).changed).toBe(false);
  });

  it('replaces our entry when the function or prefix moved', () => {
    const old = { ...notificationEntry(trigger, 'arn:old'), Id: 'caprice-caprice-email-bot' };
    const { merged, changed } = mergeNotifications([old], notificationEntry(trigger, arn));
    expect(changed).toBe(true);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.LambdaFunctionArn).toBe(arn);
  });
});

describe('s3StatementId', () => {
  it('is deterministic and limited to the characters Lambda accepts', () => {
    expect(s3StatementId('my.bucket')).toBe('caprice-s3-my-bucket');
  });
});

describe('SES bucket policy', () => {
  const stack = defineStack({});
  const ours = sesBucketStatement(stack, trigger);

  it('lets only this account’s receipt rule write under the prefix', () => {
    expect(ours).toMatchObject({
      Principal: { Service: 'ses.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::caprice-inbound-mail/inbound/*',
      Condition: {
        StringEquals: { 'AWS:SourceAccount': '000000000000' },
        ArnLike: {
          'AWS:SourceArn':
            'arn:aws:ses:us-east-1:000000000000:receipt-rule-set/caprice:receipt-rule/caprice-inbound',
        },
      },
    });
  });

  it('writes a new policy when the bucket has none', () => {
    const { policy, changed } = mergeBucketPolicy(undefined, ours);
    expect(changed).toBe(true);
    expect(JSON.parse(policy)).toEqual({ Version: '2012-10-17', Statement: [ours] });
  });

  it('keeps the owner’s statements and makes no call when ours is there, even reformatted', () => {
    const theirs = {
      Sid: 'Theirs',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:DeleteObject',
      Resource: '*',
    };
    const first = mergeBucketPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [theirs] }), ours);
    expect(first.changed).toBe(true);
    expect(JSON.parse(first.policy).Statement).toEqual([theirs, ours]);
    // S3 may give back arrays for single values and another key order.
    const reformatted = { ...ours, Action: ['s3:PutObject'], Resource: [ours.Resource] };
    const stored = JSON.stringify({ Statement: [reformatted, theirs], Version: '2012-10-17' });
    expect(mergeBucketPolicy(stored, ours).changed).toBe(false);
  });

  it('replaces our statement when the rule or prefix moved', () => {
    const old = { ...ours, Resource: 'arn:aws:s3:::caprice-inbound-mail/old/*' };
    const { policy, changed } = mergeBucketPolicy(JSON.stringify({ Statement: old }), ours);
    expect(changed).toBe(true);
    expect(JSON.parse(policy).Statement).toEqual([ours]);
  });
});

describe('receipt rule', () => {
  it('has only the S3 action by default and adds the Lambda action after it when configured', () => {
    expect(desiredRule(trigger, arn).Actions).toEqual([
      { S3Action: { BucketName: 'caprice-inbound-mail', ObjectKeyPrefix: 'inbound/' } },
    ]);
    const withLambda = { ...trigger, lambdaAction: 'Event' as const };
    expect(desiredRule(withLambda, arn).Actions?.[1]).toEqual({
      LambdaAction: { FunctionArn: arn, InvocationType: 'Event' },
    });
    expect(sesStatementId(withLambda)).toBe('caprice-ses-caprice-caprice-inbound');
  });

  it('sees a missing or different Lambda action as a change', () => {
    const withLambda = { ...trigger, lambdaAction: 'Event' as const };
    expect(sameRule(desiredRule(trigger, arn), desiredRule(withLambda, arn))).toBe(false);
    expect(sameRule(desiredRule(withLambda, arn), desiredRule(withLambda, arn))).toBe(true);
    expect(sameRule(desiredRule(withLambda, 'arn:other'), desiredRule(withLambda, arn))).toBe(false);
  });

  it('scans for spam and viruses, and sees a rule with scanning turned off as a change', () => {
    const wanted = desiredRule(trigger, arn);
    expect(wanted).toMatchObject({ Enabled: true, ScanEnabled: true, Recipients: ['bot@caprice.localhost'] });
    expect(sameRule({ ...wanted, ScanEnabled: false }, wanted)).toBe(false);
  });
});
