/**
 * Which mails of one IMAP window may be stored at the same time (issue #8). Pure: raw header bytes
 * in, an order out.
 *
 * The rule: two mails that could belong to one conversation are stored one after the other, in UID
 * order, so a reply never runs before the ticket it threads onto exists and two mails never both
 * open a ticket for one conversation. "Could belong" is read from the headers before parsing, and
 * errs towards serial: mails sharing any of these keys are in one partition —
 *   - a Message-ID named in Message-ID, In-Reply-To or References,
 *   - a reference like [HD-42] (any WORD-digits) in the subject, or a +HD-42 in a recipient,
 *   - the sender's address (From, Sender, Reply-To): one customer's mails keep their order, and
 *     the per-recipient caps of the outgoing brakes count that customer's acknowledgments exactly.
 * Partitions run concurrently. A mail whose head cannot be read (or that is streamed from disk
 * because it is large) is a barrier: it runs alone, after everything before it and before
 * everything after it.
 */

import { decodeWords, splitHeaders } from '../mail/screen/mime.js';

/** One mail of the window: its UID and its raw source, or undefined when it is not in memory. */
export interface WindowMail {
  uid: number;
  source: Buffer | undefined;
}

/** Stages run one after another; the partitions of a stage run concurrently, each serially in UID order. */
export type Stages = number[][][];

/** The head is at most this long for our purposes: the keys are in the first headers of any real mail. */
const HEAD_LIMIT = 64 * 1024;

export function windowStages(mails: WindowMail[]): Stages {
  const stages: Stages = [];
  let run: { uid: number; keys: string[] }[] = [];
  const flush = (): void => {
    if (run.length > 0) stages.push(partition(run));
    run = [];
  };
  for (const mail of mails) {
    const keys = mail.source ? threadHints(mail.source) : undefined;
    if (keys === undefined || keys.length === 0) {
      flush();
      stages.push([[mail.uid]]);
    } else run.push({ uid: mail.uid, keys });
  }
  flush();
  return stages;
}

/** Union of mails sharing a key; partitions ordered by their first UID, UIDs ascending within. */
function partition(mails: { uid: number; keys: string[] }[]): number[][] {
  const parent = mails.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const owner = new Map<string, number>();
  mails.forEach((m, i) => {
    for (const key of m.keys) {
      const j = owner.get(key);
      if (j === undefined) owner.set(key, i);
      else parent[root(i)] = root(j);
    }
  });
  const groups = new Map<number, number[]>();
  mails.forEach((m, i) => {
    const r = root(i);
    const group = groups.get(r) ?? [];
    group.push(m.uid);
    groups.set(r, group);
  });
  return [...groups.values()].map((g) => g.sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);
}

/** The keys a mail could thread by, from its head; undefined when there is no readable head. */
export function threadHints(source: Buffer): string[] | undefined {
  const head = headOf(source);
  if (head === undefined) return undefined;
  const keys = new Set<string>();
  for (const [name, values] of head) {
    const value = values.join(' ');
    if (name === 'message-id' || name === 'in-reply-to' || name === 'references') {
      for (const m of value.matchAll(/<([^<>\s]+)>/g)) keys.add(`id:${m[1]!.toLowerCase()}`);
    } else if (name === 'subject') {
      for (const m of decodeWords(value).matchAll(/\b([A-Za-z][A-Za-z0-9]*-\d+)\b/g)) keys.add(`ref:${m[1]!.toUpperCase()}`);
    } else if (name === 'from' || name === 'sender' || name === 'reply-to') {
      for (const m of value.matchAll(/[^\s<>,;:"()]+@[^\s<>,;:"()]+/g)) keys.add(`addr:${m[0].toLowerCase()}`);
    } else if (name === 'to' || name === 'cc' || name === 'delivered-to' || name === 'x-original-to') {
      for (const m of value.matchAll(/\+([A-Za-z][A-Za-z0-9]*-\d+)[^@\s]*@/g)) keys.add(`ref:${m[1]!.toUpperCase()}`);
    }
  }
  return [...keys];
}

/** The header fields, names lower-cased; undefined when the source has no header/body break. */
function headOf(source: Buffer): Map<string, string[]> | undefined {
  // latin1 maps every byte to one character: the ASCII keys survive any ASCII-compatible charset.
  const text = source.subarray(0, HEAD_LIMIT).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  if (end <= 0) return undefined;
  const { headers } = splitHeaders(text.slice(0, end));
  return headers.size > 0 ? headers : undefined;
}
