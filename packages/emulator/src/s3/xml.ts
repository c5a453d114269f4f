import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

/** Namespace S3 puts on its response documents. */
export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: false,
  suppressBooleanAttributes: false,
});

/**
 * Serialises a document as AWS writes it: an XML declaration, then one root element. Arrays become
 * repeated elements (S3's "flattened" lists); `undefined` members are left out.
 */
export function toXml(root: string, body: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [root]: body })}`;
}

/** Thrown when a request body is not well-formed XML; callers turn it into `MalformedXML`. */
export class XmlSyntaxError extends Error {
  constructor(detail: string) {
    super(`The XML you provided was not well-formed: ${detail}; send a well-formed document`);
    this.name = 'XmlSyntaxError';
  }
}

/**
 * Parses a request body. Every element listed in `arrays` always becomes an array (S3 and SES send
 * single-element lists without a wrapper count), every text stays a string (no number coercion:
 * "007" must stay "007").
 */
export function parseXml(
  text: string,
  arrays: readonly string[],
  options: { trim?: boolean } = {},
): Record<string, unknown> {
  // The validator and the parser throw on some hostile documents themselves (external entities, nesting deeper
  // than the stack): those are malformed requests too, never a 500.
  let valid: ReturnType<typeof XMLValidator.validate>;
  try {
    valid = XMLValidator.validate(text);
  } catch (err) {
    throw new XmlSyntaxError((err as Error).message);
  }
  if (valid !== true) throw new XmlSyntaxError(valid.err.msg);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    // Keys may start or end with spaces: callers reading keys turn trimming off.
    trimValues: options.trim ?? true,
    processEntities: true,
    isArray: (name) => arrays.includes(name),
  });
  let parsed: unknown;
  try {
    parsed = parser.parse(text);
  } catch (err) {
    throw new XmlSyntaxError((err as Error).message);
  }
  if (parsed === null || typeof parsed !== 'object') throw new XmlSyntaxError('no root element');
  return parsed as Record<string, unknown>;
}
