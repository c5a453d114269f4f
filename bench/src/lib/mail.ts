/** Test mails of a given size (RFC 5322, plain text, CRLF lines under 78 octets). */

/** A raw message of about `bytes` octets from `from` to `to`. */
export function rawMail(options: {
  from: string;
  to: string;
  subject: string;
  messageId: string;
  bytes: number;
}): Buffer {
  const head =
    `From: Alice Example <${options.from}>\r\nTo: ${options.to}\r\nSubject: ${options.subject}\r\n` +
    `Message-ID: ${options.messageId}\r\nDate: ${new Date().toUTCString()}\r\nMIME-Version: 1.0\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n';
  const line = 'The quick brown fox jumps over the lazy dog, please answer in random capitals.\r\n';
  const bodyBytes = Math.max(line.length, options.bytes - head.length);
  return Buffer.from(head + line.repeat(Math.ceil(bodyBytes / line.length)));
}
