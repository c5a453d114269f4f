import type { IncomingMessage } from 'node:http';
import type { PolicyStatement } from '../store/lambda-store.js';

/** A function URL's `AuthType`. */
export type FunctionUrlAuthType = 'NONE' | 'AWS_IAM';

/** The condition keys Lambda sets when a request arrives through a public (`NONE`) function URL. */
const PUBLIC_URL_CONTEXT: Readonly<Record<string, string>> = {
  'lambda:FunctionUrlAuthType': 'NONE',
  'lambda:InvokedViaFunctionUrl': 'true',
};

const URL_ACTIONS = ['lambda:InvokeFunctionUrl', 'lambda:*', '*'];
const INVOKE_ACTIONS = ['lambda:InvokeFunction', 'lambda:*', '*'];

/**
 * Whether a function's resource policy makes its `NONE` function URL public. As on AWS since October 2025, it
 * takes two statements for principal `*`: `lambda:InvokeFunctionUrl` (usually with the condition
 * `lambda:FunctionUrlAuthType = NONE`) and `lambda:InvokeFunction` (usually with `lambda:InvokedViaFunctionUrl =
 * true`). Conditions on keys a URL request does not carry make a statement not apply.
 */
export function publicUrlAllowed(statements: readonly PolicyStatement[]): boolean {
  return (
    statements.some((s) => statementApplies(s, URL_ACTIONS)) &&
    statements.some((s) => statementApplies(s, INVOKE_ACTIONS))
  );
}

/**
 * Whether a request to an `AWS_IAM` function URL is signed (SigV4 header or presigned query). The signature
 * itself is not verified, as nowhere in the emulator; an unsigned request gets AWS's 403.
 */
export function isSigned(req: IncomingMessage): boolean {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('AWS4-HMAC-SHA256 ')) return true;
  return new URL(req.url ?? '/', 'http://x').searchParams.has('X-Amz-Signature');
}

function statementApplies(s: PolicyStatement, actions: readonly string[]): boolean {
  if (s.Effect !== 'Allow') return false;
  const stated: readonly string[] = Array.isArray(s.Action) ? s.Action : [s.Action];
  if (!stated.some((a) => actions.includes(a))) return false;
  const anyone =
    s.Principal === '*' || (typeof s.Principal === 'object' && (s.Principal as { AWS?: string }).AWS === '*');
  if (!anyone) return false;
  for (const [op, entries] of Object.entries(s.Condition ?? {})) {
    for (const [key, expected] of Object.entries(entries)) {
      const actual = PUBLIC_URL_CONTEXT[key];
      if (actual === undefined) return false;
      if (op === 'Bool' && expected.toLowerCase() !== actual) return false;
      if (op === 'StringEquals' && expected !== actual) return false;
      if (op !== 'Bool' && op !== 'StringEquals') return false; // an operator we do not evaluate: not granted
    }
  }
  return true;
}
