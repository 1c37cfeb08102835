import { parseMail, type InboundMail } from '../../src/mail/parse.js';

/**
 * A small RFC 5322 message for tests: header lines as written, then the body, CRLF line ends.
 * Folded header lines are written as "Name: first\n second".
 */
export function rawMessage(headerLines: string[], body = 'Hello,\n\nmy printer is on fire.\n'): Buffer {
  return Buffer.from(`${headerLines.join('\n')}\n\n${body}`.replace(/\r?\n/g, '\r\n'));
}

/** Parses a small message with the project's own parser, so tests see what the pipeline sees. */
export function parsedMessage(headerLines: string[], body?: string): Promise<InboundMail> {
  return parseMail(rawMessage(headerLines, body));
}
