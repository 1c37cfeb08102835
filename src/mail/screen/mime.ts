/**
 * A small, forgiving MIME walker for the parts of a bounce that mailparser hands over only as
 * attachments (message/delivery-status, message/rfc822, text/rfc822-headers). Pure and total:
 * it never throws, whatever the input; malformed structure degrades to "one text part".
 *
 * Bytes are carried as latin1 strings (one char per byte) until a part is decoded, so that a
 * body's bytes survive untouched whatever its charset.
 */

export interface MimePart {
  /** Lower-cased header name → unfolded values, in order. */
  headers: Map<string, string[]>;
  /** Lower-cased type/subtype; text/plain when absent (message/rfc822 inside multipart/digest). */
  type: string;
  /** Content-Type parameters, names lower-cased, quotes removed. */
  params: Record<string, string>;
  /** The body with its Content-Transfer-Encoding removed. */
  body: Buffer;
  /** Children of a multipart. */
  parts: MimePart[];
  /** The enclosed message of a message/rfc822 (or message/global) part. */
  message: MimePart | undefined;
}

const MAX_DEPTH = 8;
const MAX_PARTS = 400;

const HEADER_LINE = /^[!-9;-~]+[ \t]*:/;

/**
 * Splits a latin1 block into its header fields and the rest. Stops at a blank line, or at a first
 * line that cannot be a header (a part without one); later unindented non-header lines are
 * taken as continuations that lost their indentation.
 */
export function splitHeaders(text: string): { headers: Map<string, string[]>; rest: string } {
  const headers = new Map<string, string[]>();
  let pos = 0;
  let current: { name: string; value: string } | undefined;
  const flush = (): void => {
    if (!current) return;
    const list = headers.get(current.name) ?? [];
    list.push(current.value.replace(/\s+/g, ' ').trim());
    headers.set(current.name, list);
    current = undefined;
  };
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(pos, end).replace(/\r$/, '');
    if (line === '') {
      pos = nl === -1 ? text.length : nl + 1;
      break;
    }
    if (/^[ \t]/.test(line) && current) {
      current.value += ` ${line.trim()}`;
    } else if (HEADER_LINE.test(line)) {
      flush();
      const colon = line.indexOf(':');
      current = { name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1) };
    } else if (headers.size === 0 && !current && pos === 0 && line.startsWith('From ')) {
      // An mbox "From " envelope line in front of the header.
    } else if (current) {
      // A continuation line that lost its indentation (seen in returned messages): keep it.
      current.value += ` ${line.trim()}`;
    } else {
      break;
    }
    pos = nl === -1 ? text.length : nl + 1;
  }
  flush();
  return { headers, rest: text.slice(pos) };
}

/** "type/subtype; a=b; c="d"" → its parts; tolerant of missing semicolons and stray quotes. */
export function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  if (value === undefined) return { type: '', params };
  const typeMatch = /^\s*([^;\s]+)/.exec(value);
  const type = (typeMatch?.[1] ?? '').toLowerCase();
  const re = /;?\s*([A-Za-z0-9_.*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^;\s]+))/g;
  const tail = value.slice(typeMatch ? typeMatch[0].length : 0);
  for (let m = re.exec(tail); m !== null; m = re.exec(tail)) {
    const name = m[1]!.toLowerCase().replace(/\*\d*\*?$/, '');
    const v = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? m[4] ?? '');
    if (!(name in params)) params[name] = v;
  }
  return { type, params };
}

function decodeTransfer(encoding: string | undefined, latin1: string): Buffer {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === 'base64') return Buffer.from(latin1.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (enc === 'quoted-printable') {
    const text = latin1.replace(/[ \t]+(\r?\n)/g, '$1').replace(/=\r?\n/g, '');
    return Buffer.from(text.replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  }
  return Buffer.from(latin1, 'latin1');
}

/** Body lines between the boundaries of a multipart; undefined when the boundary never occurs. */
function splitMultipart(body: string, boundary: string): string[] | undefined {
  const parts: string[] = [];
  const open = `--${boundary}`;
  let start: number | undefined;
  let pos = 0;
  let seen = false;
  while (pos <= body.length) {
    const nl = body.indexOf('\n', pos);
    const end = nl === -1 ? body.length : nl;
    const line = body.slice(pos, end).replace(/\r$/, '');
    if (line.startsWith(open)) {
      const after = line.slice(open.length).trimEnd();
      if (after === '' || after === '--') {
        if (start !== undefined) parts.push(body.slice(start, Math.max(start, pos - (body[pos - 2] === '\r' ? 2 : 1))));
        seen = true;
        if (after === '--') return parts;
        start = nl === -1 ? body.length : nl + 1;
      }
    }
    if (nl === -1) break;
    pos = nl + 1;
  }
  if (!seen) return undefined;
  if (start !== undefined && start < body.length) parts.push(body.slice(start));
  return parts;
}

interface Budget {
  parts: number;
}

function parseEntity(latin1: string, depth: number, budget: Budget, defaultType: string): MimePart {
  budget.parts++;
  const { headers, rest } = splitHeaders(latin1);
  const ct = parseContentType(headers.get('content-type')?.[0]);
  const type = ct.type.includes('/') ? ct.type : defaultType;
  const part: MimePart = { headers, type, params: ct.params, body: Buffer.alloc(0), parts: [], message: undefined };
  const encoding = headers.get('content-transfer-encoding')?.[0];
  if (type.startsWith('multipart/') && ct.params['boundary'] && depth < MAX_DEPTH) {
    const children = splitMultipart(rest, ct.params['boundary']);
    if (children) {
      const childDefault = type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
      for (const child of children) {
        if (budget.parts >= MAX_PARTS) break;
        part.parts.push(parseEntity(child, depth + 1, budget, childDefault));
      }
      return part;
    }
  }
  part.body = decodeTransfer(encoding, rest);
  if ((type === 'message/rfc822' || type === 'message/global') && depth < MAX_DEPTH && budget.parts < MAX_PARTS) {
    // Some MTAs put a blank line between the part header and the enclosed message.
    part.message = parseEntity(part.body.toString('latin1').replace(/^(?:[ \t]*\r?\n)+/, ''), depth + 1, budget, 'text/plain');
  }
  return part;
}

/** The MIME tree of a raw message. */
export function parseMime(raw: Buffer): MimePart {
  return parseEntity(raw.toString('latin1'), 0, { parts: 0 }, 'text/plain');
}

/** Every part of the tree, depth first, including enclosed messages and their parts. */
export function* walkParts(part: MimePart): Generator<MimePart> {
  yield part;
  for (const child of part.parts) yield* walkParts(child);
  if (part.message) yield* walkParts(part.message);
}

/** A part's body as text in its declared charset (UTF-8, then latin1 when the label is unknown). */
export function partText(part: MimePart): string {
  const charset = (part.params['charset'] ?? 'utf-8').trim().toLowerCase();
  try {
    return new TextDecoder(charset).decode(part.body);
  } catch {
    return part.body.toString('utf8');
  }
}

/** Decodes RFC 2047 encoded words (=?charset?B|Q?…?=) in a header value; leaves what it cannot read. */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g, (whole, charset: string, enc: string, text: string) => {
      try {
        const bytes =
          enc.toUpperCase() === 'B'
            ? Buffer.from(text, 'base64')
            : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
        return new TextDecoder(charset.replace(/\*.*$/, '')).decode(bytes);
      } catch {
        return whole;
      }
    });
}
