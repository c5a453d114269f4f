/** Shared test helpers: fixtures, wire-format checks and the independent (Python) parser. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** Reads `test/fixtures/<name>.eml` as bytes (tests only read fixtures, never write them). */
export function loadFixture(name: string): Buffer {
  return readFileSync(here(`./fixtures/${name}.eml`));
}

/** Reads a fixture as text (for `.expected.eml` golden files). */
export function loadFixtureText(file: string): string {
  return readFileSync(here(`./fixtures/${file}`), 'latin1');
}

/** A fixed clock and a counting ID generator, for byte-identical output. */
export function deterministic(): { now: () => Date; generateId: () => string } {
  let n = 0;
  return { now: () => new Date(Date.UTC(2026, 10, 25, 12, 0, 0)), generateId: () => `test-id-${++n}` };
}

export interface WireReport {
  /** Top-level header lines, unfolded. */
  readonly headers: { name: string; value: string }[];
  /** Physical header lines, as sent. */
  readonly headerLines: string[];
}

/**
 * Asserts the RFC 5322 wire rules on a built message and returns its top-level headers:
 * only CRLF line breaks, 7-bit bytes, no NUL, no line over 998 octets, and a header block made only
 * of `Name: value` lines and folded continuations. Throws a descriptive Error on any violation.
 */
export function checkWireFormat(raw: Buffer): WireReport {
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === 0x0a && raw[i - 1] !== 0x0d) throw new Error(`bare LF at offset ${i}`);
    if (byte === 0x0d && raw[i + 1] !== 0x0a) throw new Error(`bare CR at offset ${i}`);
    if (byte === 0) throw new Error(`NUL byte at offset ${i}`);
    if (byte > 0x7f) throw new Error(`8-bit byte 0x${byte.toString(16)} at offset ${i}`);
  }
  const text = raw.toString('latin1');
  const lines = text.split('\r\n');
  lines.forEach((line, i) => {
    if (line.length > 998) throw new Error(`line ${i + 1} is ${line.length} octets long (max 998)`);
  });
  const end = lines.indexOf('');
  if (end <= 0) throw new Error('no header/body separator');
  const headerLines = lines.slice(0, end);
  const headers: { name: string; value: string }[] = [];
  for (const line of headerLines) {
    if (/^[ \t]/.test(line)) {
      const last = headers.at(-1);
      if (!last) throw new Error(`continuation line before any header: ${JSON.stringify(line)}`);
      last.value += line;
      continue;
    }
    const match = /^([\x21-\x39\x3b-\x7e]+):[ \t]?(.*)$/.exec(line);
    if (!match) throw new Error(`malformed header line: ${JSON.stringify(line)}`);
    headers.push({ name: match[1]!, value: match[2]! });
  }
  return { headers, headerLines };
}

/**
 * Header lines over 78 octets are allowed only when they cannot be folded: after the field name the
 * line holds one single word (a long msg-id or address). RFC 5322 §2.1.1 "SHOULD be no more than 78".
 */
export function unfoldableLongLines(headerLines: readonly string[]): string[] {
  return headerLines.filter((line) => {
    if (line.length <= 78) return false;
    const rest = line.replace(/^[\x21-\x39\x3b-\x7e]+:/, '').trim();
    return /\s/.test(rest);
  });
}

/** What Python's `email` package (policy.default) parses a message to. */
export interface PythonParsed {
  to: { name: string; address: string }[];
  subject: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string | null;
  autoSubmitted: string | null;
  contentType: string;
  text: string | null;
  html: string | null;
  headerNames: string[];
  defects: string[];
}

/** Parses many messages with one `python3` process (startup costs ~50 ms, so batch). */
export function parseWithPython(raws: readonly Buffer[]): PythonParsed[] {
  const result = spawnSync('python3', [here('./parse_email.py')], {
    input: JSON.stringify(raws.map((raw) => raw.toString('base64'))),
    encoding: 'utf8',
    timeout: 30_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`python3 parse_email.py failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as PythonParsed[];
}

/** Text as a parser gives it back: LF line breaks, no trailing line breaks. */
export function comparableText(text: string | false | null | undefined): string {
  return (typeof text === 'string' ? text : '').replace(/\r\n?/g, '\n').replace(/\n+$/, '');
}
