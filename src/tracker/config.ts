import { z } from 'zod';
import { parseYaml, problemLine, readConfigSource, zodProblems } from '../config-file.js';
import { ConfigWatcher, type Parsed, type WatchTiming } from '../config-watcher.js';
import type { Logger } from '../log.js';
import { compileRegex } from '../ticket/rules.js';

/**
 * The development trackers (config/trackers.yaml, path in DESKMAIL_TRACKERS): where `#bug` files a
 * report — by mail to the tracker's mail-in address (Jira "create issue by email", Trello
 * email-to-board, Asana email-to-project) or by a signed webhook — and how the tracker's answers
 * are recognised (sender, item key, "done" phrases). Validated like the rules file: one line,
 * "file:line:col: where: what".
 */

interface TrackerCommon {
  name: string;
  /** The item key, e.g. APP-123; matched as a whole word. */
  keyPattern: RegExp;
  /** Addresses (exact) and domains (with their subdomains) the tracker's notification mail comes from. */
  senders: string[];
  /** Phrases (case-insensitive) or /regex/ that say the item is done. */
  done: string[];
  /** Signs the tracker's calls to POST /hooks/tracker/:ref; absent = that hook is refused. */
  inboundSecret: string | undefined;
}

export type Tracker =
  | (TrackerCommon & { kind: 'mail'; address: string })
  | (TrackerCommon & { kind: 'webhook'; url: string; secret: string; keyPath: string });

export interface TrackerSet {
  file: string;
  /** The tracker `#bug` and the rule action file_bug use. */
  default: Tracker;
  all: Tracker[];
}

export type TrackersLoad = { ok: true; trackers: TrackerSet } | { ok: false; error: string };

export const DEFAULT_KEY_PATTERN = '[A-Z][A-Z0-9]+-\\d+';

/** What Jira, Trello and Asana write when an item is finished. */
export const DEFAULT_DONE = [
  'status: done',
  'resolution: fixed',
  'resolution: done',
  'changed the status to done',
  'status changed to done',
  'moved this card to done',
  'marked this task complete',
  'completed this task',
];

const address = z.string().trim().toLowerCase().regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$|^[^\s@<>]+@localhost$/, 'expected an email address');
const sender = z.string().trim().toLowerCase().regex(/^(?:[^\s@<>]+@)?[a-z0-9-]+(?:\.[a-z0-9-]+)*$/, 'expected an email address or a domain');
const secret = z.string().min(16, 'a secret needs at least 16 characters');

const pattern = z.string().min(1).superRefine((p, ctx) => {
  try {
    compileRegex(p);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a valid regex: ${(err as Error).message}` });
  }
});

const common = {
  key_pattern: pattern.optional(),
  senders: z.array(sender).optional(),
  done: z.array(z.string().min(1)).optional(),
  inbound_secret: secret.optional(),
};

const trackerSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('mail'), address, ...common }),
  z.strictObject({
    kind: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
    secret,
    key_path: z.string().regex(/^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$/, 'expected a dotted JSON path such as issue.key').default('key'),
    ...common,
  }),
], { error: 'kind must be mail or webhook' });

const fileSpec = z
  .strictObject({
    default: z.string().optional(),
    trackers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'tracker names are lower-case letters, digits, - and _'), trackerSpec),
  })
  .superRefine((f, ctx) => {
    const names = Object.keys(f.trackers);
    if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one tracker', path: ['trackers'] });
    else if (f.default === undefined && names.length > 1) ctx.addIssue({ code: 'custom', message: `several trackers: say which is the default (one of ${names.join(', ')})`, path: ['trackers'] });
    if (f.default !== undefined && !names.includes(f.default)) ctx.addIssue({ code: 'custom', message: `no tracker named "${f.default}" (one of ${names.join(', ')})`, path: ['default'] });
  });

function keyRegex(source: string): RegExp {
  // Keys are case-sensitive (APP-12, not "app-12" in prose) unless a /regex/flags says otherwise.
  const inner = /^\/.+\/[a-z]*$/s.test(source) ? compileRegex(source) : new RegExp(source);
  // Whole words only, and global so every key in a mail is found.
  return new RegExp(`(?<![A-Za-z0-9])(?:${inner.source})(?![A-Za-z0-9])`, inner.flags.replace('g', '') + 'g');
}

/** Parses and validates a trackers file; never throws. */
export function parseTrackers(source: string, file: string): TrackersLoad {
  const parsedYaml = parseYaml(source, file);
  if (!parsedYaml.ok) return parsedYaml;
  const { yaml } = parsedYaml;
  if (yaml.data === null || yaml.data === undefined) return { ok: false, error: `${file}:1:1: the trackers file is empty (expected trackers: ...)` };
  const parsed = fileSpec.safeParse(yaml.data);
  if (!parsed.success) return { ok: false, error: problemLine(yaml, zodProblems(parsed.error.issues, (_path, keys) => `unknown key "${keys[0]!}"`)) };
  const all: Tracker[] = Object.entries(parsed.data.trackers).map(([name, t]) => {
    const shared: TrackerCommon = {
      name,
      keyPattern: keyRegex(t.key_pattern ?? DEFAULT_KEY_PATTERN),
      senders: t.senders ?? (t.kind === 'mail' ? [t.address] : []),
      done: t.done ?? DEFAULT_DONE,
      inboundSecret: t.inbound_secret,
    };
    return t.kind === 'mail' ? { ...shared, kind: 'mail', address: t.address } : { ...shared, kind: 'webhook', url: t.url, secret: t.secret, keyPath: t.key_path };
  });
  const def = all.find((t) => t.name === (parsed.data.default ?? all[0]!.name))!;
  return { ok: true, trackers: { file, default: def, all } };
}

/** Reads a trackers file; never throws. */
export function loadTrackers(path: string): TrackersLoad {
  const read = readConfigSource(path, 'trackers file');
  return read.ok ? parseTrackers(read.source, path) : read;
}

/** "2 trackers (jira default, api)": for the log lines. */
export function summariseTrackers(set: TrackerSet): string {
  return `${set.all.length} tracker${set.all.length === 1 ? '' : 's'} (${set.all.map((t) => (t === set.default ? `${t.name} default` : t.name)).join(', ')})`;
}

/** Watches the trackers file for the gateway: a valid edit applies to the next #bug, tracker mail and webhook. */
export function watchTrackers(file: string, log: Logger, opts: WatchTiming & { onReload?: (r: Parsed<TrackerSet>) => void } = {}): ConfigWatcher<TrackerSet> {
  return ConfigWatcher.start(file, {
    log,
    noun: 'trackers',
    fileNoun: 'trackers file',
    hint: 'run: deskmail doctor',
    parse: (source, path) => {
      const r = parseTrackers(source, path);
      return r.ok ? { ok: true, value: r.trackers } : r;
    },
    summarise: summariseTrackers,
    ...opts,
  });
}

export function findTracker(set: TrackerSet | undefined, name: string): Tracker | undefined {
  return set?.all.find((t) => t.name === name);
}

/** For `deskmail doctor`: one line per finding, secrets never shown. */
export function checkTrackers(config: { trackersFile: string | undefined; helpdeskAddress: string }): { ok: boolean; line: string }[] {
  if (!config.trackersFile) return [{ ok: true, line: 'trackers: none configured (DESKMAIL_TRACKERS unset); #bug is refused' }];
  const loaded = loadTrackers(config.trackersFile);
  if (!loaded.ok) return [{ ok: false, line: `trackers: ${loaded.error}` }];
  const out: { ok: boolean; line: string }[] = [];
  for (const t of loaded.trackers.all) {
    const where = t.kind === 'mail' ? `mail to ${t.address}` : `webhook ${new URL(t.url).origin}${new URL(t.url).pathname}`;
    const isDefault = t === loaded.trackers.default ? ' (default)' : '';
    out.push({ ok: true, line: `tracker ${t.name}${isDefault}: ${where}; answers from ${t.senders.join(', ') || 'nobody (no senders:)'}; hook ${t.inboundSecret ? 'signed' : 'off (no inbound_secret)'}` });
    if (t.kind === 'mail' && t.address === config.helpdeskAddress) out.push({ ok: false, line: `tracker ${t.name}: its address is the helpdesk address itself: bug reports would loop` });
    if (t.senders.includes(config.helpdeskAddress)) out.push({ ok: false, line: `tracker ${t.name}: senders lists the helpdesk address; our own mail would be taken for the tracker's` });
    if (t.kind === 'webhook' && new URL(t.url).protocol === 'http:' && !/^(127\.|localhost$|\[::1\]$)/.test(new URL(t.url).hostname)) {
      out.push({ ok: false, line: `tracker ${t.name}: the webhook URL is plain http:// to another host; bug reports (customer text) travel unencrypted` });
    }
  }
  return out;
}
