import iconv from 'iconv-lite';

/**
 * Repairs for mail the world really sends, applied around mailparser. Each is cheap to test for
 * and only rewrites what is visibly broken.
 */

/** Classic-Mac mail with bare CR line ends reads as one long header line: turn CRs into CRLF. */
export function normalizeBareCr(raw: Buffer): Buffer {
  const head = raw.subarray(0, 8192);
  if (!head.includes(0x0d) || head.includes(0x0a)) return raw;
  return Buffer.from(raw.toString('latin1').replace(/\r/g, '\r\n'), 'latin1');
}

/** PostgreSQL text cannot hold NUL; no person ever meant one. */
export function stripNul(text: string): string {
  return text.includes('\u0000') ? text.split('\u0000').join('') : text;
}

/**
 * Raw 8-bit header bytes that are not UTF-8 (Latin-1 / windows-1252 from old clients): mailparser
 * shows them as U+FFFD. `rawLatin1` is the header value as mailparser's header lines keep it (one
 * char per byte); decode those bytes as UTF-8 when valid, else as windows-1252.
 */
export function repairHeaderText(decoded: string, rawLatin1: string | undefined): string {
  if (!decoded.includes('\uFFFD') || rawLatin1 === undefined || /=\?[^?]+\?[bq]\?/i.test(rawLatin1)) return decoded;
  const bytes = Buffer.from(rawLatin1, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return iconv.decode(bytes, 'windows-1252');
  }
}

const MOJIBAKE = /[ÂÃ][\u0080-\u00BF\u0152\u0153\u0160\u0161\u0178\u017D\u017E\u0192\u02C6\u02DC\u2013-\u2122]/;

/** UTF-8 declared as Latin-1 ("GrÃ¼ÃŸe"): re-encode as windows-1252 and read as UTF-8, when that is valid. */
export function fixMojibake(text: string): string {
  if (!MOJIBAKE.test(text)) return text;
  try {
    const repaired = new TextDecoder('utf-8', { fatal: true }).decode(iconv.encode(text, 'windows-1252'));
    return MOJIBAKE.test(repaired) ? text : repaired;
  } catch {
    return text;
  }
}

const ADDRESS = /^[^\s@"<>()[\],;:\\]+@[^\s@"<>()[\],;:\\]+$/;

export function isValidAddress(address: string): boolean {
  return ADDRESS.test(address) && address.length <= 320;
}

/** The last <addr> or bare addr in a raw header value, when the structured parse failed. */
export function addressFromRawHeader(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const bracketed = [...value.matchAll(/<([^<>\s]+@[^<>\s]+)>/g)].map((m) => m[1]!);
  const bare = value.match(/[^\s<>"(),;:]+@[^\s<>"(),;:]+/g) ?? [];
  const found = (bracketed.at(-1) ?? bare.at(-1))?.toLowerCase();
  return found && isValidAddress(found) ? found : undefined;
}

/** The body as text when MIME structure gave none (a multipart without its boundary, say). */
export function rawBodyText(raw: Buffer, limit = 1024 * 1024): string {
  const s = raw.subarray(0, limit + 65536).toString('utf8');
  const at = s.search(/\r?\n\r?\n/);
  return at < 0 ? '' : s.slice(at).trim().slice(0, limit);
}

/** Years a mail can plausibly carry; outside them the Date is unknown (a typo like 22025 would break storage). */
export function plausibleDate(d: Date | undefined): Date | undefined {
  if (!d) return undefined;
  const y = d.getUTCFullYear();
  return y >= 1970 && y <= 2200 ? d : undefined;
}
