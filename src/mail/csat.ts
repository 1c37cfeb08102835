import { timingSafeEqual } from 'node:crypto';
import { replyToken } from './auth.js';

/**
 * CSAT by mail, the pure part: the signed one-click rating addresses of the survey, and reading a
 * rating out of an address or a plain reply. No peer does this by mail (osTicket#4611, zammad#834).
 *
 * A rating link is `mailto:support+HD-7.csat4.TOKEN@domain`: the token is the same HMAC the agents'
 * signed reply addresses use (src/mail/auth.ts), over the ticket and the pseudo-identity `csat:4`
 * (no agent address can be that, it has no @), so one secret signs both and neither can be reused
 * for the other, another ticket or another rating.
 */
export type Rating = 1 | 2 | 3 | 4 | 5;

export const RATING_LABELS: Record<Rating, string> = { 5: 'Great', 4: 'Good', 3: 'OK', 2: 'Bad', 1: 'Terrible' };

/** Pre-filled in the body of a rating link; taken out again when the comment is read. */
export const COMMENT_PROMPT = 'Anything you would like to add? Write it here (optional):';

function csatToken(secret: string, ticketRef: string, rating: Rating): string {
  return replyToken(secret, ticketRef, `csat:${rating}`);
}

export function csatAddress(helpdeskAddress: string, secret: string, ticketRef: string, rating: Rating): string {
  const at = helpdeskAddress.lastIndexOf('@');
  return `${helpdeskAddress.slice(0, at)}+${ticketRef.toUpperCase()}.csat${rating}.${csatToken(secret, ticketRef, rating)}${helpdeskAddress.slice(at)}`;
}

/** The survey's links, best rating first: each opens a new mail in any client, ready to send. */
export function csatLinks(helpdeskAddress: string, secret: string, ticketRef: string): { rating: Rating; label: string; href: string; address: string }[] {
  return ([5, 4, 3, 2, 1] as Rating[]).map((rating) => {
    const address = csatAddress(helpdeskAddress, secret, ticketRef, rating);
    const subject = `Rating ${rating} (${RATING_LABELS[rating]}) [${ticketRef}]`;
    return { rating, label: RATING_LABELS[rating], address, href: `mailto:${address}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(`${COMMENT_PROMPT}\n\n`)}` };
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export type AddressClaim = { ref: string; rating: Rating; valid: boolean };

/** A rating address among the recipients, and whether its signature holds. */
export function csatAddressClaim(recipients: string[], opts: { helpdeskAddress: string; ticketPrefix: string; secret: string }): AddressClaim | undefined {
  const at = opts.helpdeskAddress.lastIndexOf('@');
  const local = escapeRegExp(opts.helpdeskAddress.slice(0, at));
  const domain = escapeRegExp(opts.helpdeskAddress.slice(at + 1));
  const pattern = new RegExp(`^${local}\\+(${escapeRegExp(opts.ticketPrefix)}-\\d+)\\.csat(\\d+)\\.([^@]*)@${domain}$`, 'i');
  for (const r of recipients) {
    const m = pattern.exec(r);
    if (!m) continue;
    const ref = m[1]!.toUpperCase();
    const n = Number(m[2]);
    if (!Number.isInteger(n) || n < 1 || n > 5) return { ref, rating: 1, valid: false };
    const rating = n as Rating;
    const expected = Buffer.from(csatToken(opts.secret, ref, rating));
    const given = Buffer.from(m[3]!.toLowerCase());
    return { ref, rating, valid: given.length === expected.length && timingSafeEqual(given, expected) };
  }
  return undefined;
}

/** Words (and short phrases) customers answer a survey with; longest match first. */
const WORDS: [string, Rating][] = (
  [
    ['very good', 5], ['very satisfied', 5], ['excellent', 5], ['great', 5], ['amazing', 5], ['awesome', 5], ['perfect', 5], ['fantastic', 5], ['superb', 5], ['outstanding', 5],
    ['good', 4], ['satisfied', 4], ['happy', 4], ['pretty good', 4], ['nice', 4],
    ['ok', 3], ['okay', 3], ['fine', 3], ['average', 3], ['neutral', 3], ['so-so', 3], ['meh', 3],
    ['very bad', 1], ['very poor', 1], ['very dissatisfied', 1], ['terrible', 1], ['awful', 1], ['horrible', 1], ['worst', 1], ['useless', 1],
    ['bad', 2], ['poor', 2], ['dissatisfied', 2], ['unsatisfied', 2], ['unhappy', 2], ['not good', 2], ['disappointing', 2], ['disappointed', 2],
  ] as [string, Rating][]
).sort((a, b) => b[0].length - a[0].length);

/** Trailing courtesy that may follow a rating on its line ("Great, thanks!"). */
const COURTESY = /^(?:[\s,.!:;-]*(?:thanks|thank you|thx|cheers)?[\s,.!:;-]*)$/i;

/**
 * A rating from the new text of a reply: the first line must be the rating alone — a digit 1–5
 * ("4", "4/5", "4 stars", "★★★★") or a word ("great", "ok", "terrible"), optionally with thanks.
 * Anything longer ("5 minutes later it broke again", "Good morning, …") is not a rating, so a
 * customer's real follow-up is never swallowed. The remaining lines are the comment.
 */
export function ratingFromText(body: string): { rating: Rating; comment: string | null } | undefined {
  const lines = body.replace(/\r\n/g, '\n').split('\n').filter((l) => l.trim() !== COMMENT_PROMPT);
  const firstIndex = lines.findIndex((l) => l.trim() !== '');
  if (firstIndex < 0) return undefined;
  const first = lines[firstIndex]!.trim();
  const rest = lines.slice(firstIndex + 1).join('\n').trim();
  const comment = rest === '' ? null : rest;
  const digit = /^([1-5])\s*(?:\/\s*5|out of 5|of 5|stars?)?(.*)$/i.exec(first);
  if (digit && COURTESY.test(digit[2]!)) return { rating: Number(digit[1]) as Rating, comment };
  const stars = /^(★{1,5})(.*)$/.exec(first);
  if (stars && COURTESY.test(stars[2]!)) return { rating: stars[1]!.length as Rating, comment };
  const lower = first.toLowerCase();
  for (const [word, rating] of WORDS) {
    if (lower.startsWith(word) && COURTESY.test(lower.slice(word.length))) return { rating, comment };
  }
  return undefined;
}

/** The comment of a one-click rating mail: its text without the pre-filled prompt. */
export function commentFromText(body: string): string | null {
  const text = body
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((l) => l.trim() !== COMMENT_PROMPT)
    .join('\n')
    .trim();
  return text === '' ? null : text;
}
