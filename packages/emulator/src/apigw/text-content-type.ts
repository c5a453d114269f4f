/**
 * Content types API Gateway HTTP APIs and function URLs pass as text; other bodies (and bodies that are not
 * valid UTF-8) arrive base64-encoded with `isBase64Encoded: true`. A request without Content-Type is binary.
 */
const TEXT_TYPE =
  /^\s*(?:text\/[\w.+-]+|application\/(?:[\w.+-]+\+)?(?:json|xml)|application\/javascript)\s*(?:;|$)/i;

/** True when a body of this content type is sent to the function as text. */
export function isTextContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && TEXT_TYPE.test(contentType);
}

/** True when the bytes decode as UTF-8 without replacement characters. */
export function isValidUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a media type matches one of a REST API's `binaryMediaTypes` (`image/png`, `image/*`, `*\/*`).
 * @see {@link https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html}
 */
export function matchesMediaType(contentType: string | undefined, patterns: readonly string[]): boolean {
  if (!contentType) return false;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const [major] = type.split('/');
  return patterns.some((p) => {
    const pattern = p.trim().toLowerCase();
    return pattern === '*/*' || pattern === type || pattern === `${major}/*`;
  });
}
