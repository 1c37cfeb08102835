import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { packageRoot } from './config.js';
import { DeskmailError } from './errors.js';
import type { Logger } from './log.js';
import { parsePriority } from './ticket/commands/fields.js';
import {
  compileRegex,
  compileRules,
  CONDITION_KEYS,
  MATCHER_KEYS,
  normaliseTag,
  type Condition,
  type PresenceMatcher,
  type RuleSet,
  type RuleSetSpec,
  type TextMatcher,
} from './ticket/rules.js';

/**
 * The admin's rules file: YAML → validated RuleSetSpec → compiled RuleSet, and a watcher that
 * reloads it when it changes. Every problem is reported as ONE line, "file:line:col: where: what",
 * pointing at the YAML node at fault; unknown keys are errors (a typo must not silently disable a
 * rule), and regexes are compiled here so a bad one never reaches a mail.
 */

export type LoadResult = { ok: true; rules: RuleSet } | { ok: false; error: string };

/** The defaults shipped with deskmail (config/rules.yaml in the package). */
export function shippedRulesPath(): string {
  return join(packageRoot(), 'config', 'rules.yaml');
}

// ---------------------------------------------------------------------------------------------
// Schema

type Path = (string | number)[];

const KNOWN_KEYS = [
  'match', 'categories', 'defaults', 'vip', 'senders', 'duplicates', 'window_hours', 'similarity', 'merge', 'rules',
  'name', 'when', 'then', 'stop', 'enabled',
  'category', 'priority', 'tags', 'team', 'assign', 'skip_acknowledgment', 'spam', 'escalate', 'sla', 'file_bug',
  ...CONDITION_KEYS, ...MATCHER_KEYS, 'exists',
];

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

function unknownKey(key: string, expected?: readonly string[]): string {
  const pool = expected ?? KNOWN_KEYS;
  const near = pool.map((k) => ({ k, d: editDistance(key.toLowerCase(), k) })).sort((x, y) => x.d - y.d)[0];
  const hint = near && near.d <= 2 ? ` (did you mean "${near.k}"?)` : expected ? ` (expected one of ${expected.join(', ')})` : '';
  return `unknown key "${key}"${hint}`;
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a map' : `${typeof v} ${JSON.stringify(v)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Ctx = z.RefinementCtx;

function issue(ctx: Ctx, path: Path, message: string): void {
  ctx.addIssue({ code: 'custom', message, path });
}

/** One keyword or a list of them; numbers are accepted as text (header values such as "1"). */
function keywordList(v: unknown, path: Path, ctx: Ctx, what: string): string[] | undefined {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) {
    issue(ctx, path, `${what} needs at least one value`);
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  list.forEach((item, i) => {
    const at = Array.isArray(v) ? [...path, i] : path;
    if (typeof item !== 'string' && typeof item !== 'number') {
      issue(ctx, at, `${what} takes text, got ${kindOf(item)}`);
      ok = false;
    } else if (String(item).replace(/\*$/, '').trim() === '') {
      issue(ctx, at, `${what} has an empty value, which would match every mail`);
      ok = false;
    } else out.push(String(item));
  });
  return ok ? out : undefined;
}

const TEST_HINT = 'contains: [...], words: [...], regex: "..." or equals: ...';

function parseMatcher(v: unknown, path: Path, ctx: Ctx, opts: { exists: boolean; name: boolean }): TextMatcher | { exists: boolean } | undefined {
  if (!isRecord(v)) {
    issue(ctx, path, `expected a test (${TEST_HINT}), got ${kindOf(v)}`);
    return undefined;
  }
  const allowed: readonly string[] = [...MATCHER_KEYS, ...(opts.exists ? ['exists'] : []), ...(opts.name ? ['name'] : [])];
  let ok = true;
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) {
      issue(ctx, [...path, key], unknownKey(key, allowed));
      ok = false;
    }
  }
  const tests = Object.keys(v).filter((k) => allowed.includes(k) && k !== 'name');
  if (tests.length !== 1) {
    if (ok) issue(ctx, path, tests.length === 0 ? `needs one test: ${TEST_HINT}${opts.exists ? ' or exists: true|false' : ''}` : `takes one test, found ${tests.join(' and ')}; combine tests with all: [...]`);
    return undefined;
  }
  if (!ok) return undefined;
  const key = tests[0]!;
  const value = v[key];
  const at = [...path, key];
  switch (key) {
    case 'exists':
      if (typeof value !== 'boolean') {
        issue(ctx, at, `exists takes true or false, got ${kindOf(value)}`);
        return undefined;
      }
      return { exists: value };
    case 'regex': {
      if (typeof value !== 'string' || value === '') {
        issue(ctx, at, `regex takes a non-empty pattern, got ${kindOf(value)}`);
        return undefined;
      }
      try {
        compileRegex(value);
      } catch (err) {
        issue(ctx, at, `invalid regex ${JSON.stringify(value)}: ${(err as Error).message}`);
        return undefined;
      }
      return { regex: value };
    }
    case 'contains':
    case 'words':
    case 'equals': {
      const list = keywordList(value, at, ctx, key);
      if (!list) return undefined;
      return key === 'contains' ? { contains: list } : key === 'words' ? { words: list } : { equals: list };
    }
  }
  return undefined;
}

function textMatcher(v: unknown, path: Path, ctx: Ctx): TextMatcher | undefined {
  const m = parseMatcher(v, path, ctx, { exists: false, name: false });
  return m && !('exists' in m) ? m : undefined;
}

/**
 * Conditions are checked by hand rather than as a zod union: a union can only say "invalid
 * input", and the admin needs to hear which test is unknown or which matcher is missing.
 */
function parseCondition(v: unknown, path: Path, ctx: Ctx): Condition | undefined {
  if (!isRecord(v)) {
    issue(ctx, path, `expected a condition such as subject: { ${TEST_HINT.split(',')[0]} }, got ${kindOf(v)}`);
    return undefined;
  }
  const keys = Object.keys(v);
  const unknown = keys.filter((k) => !(CONDITION_KEYS as readonly string[]).includes(k));
  for (const k of unknown) issue(ctx, [...path, k], unknownKey(k, CONDITION_KEYS));
  if (unknown.length) return undefined;
  if (keys.length !== 1) {
    issue(ctx, path, keys.length === 0 ? 'empty condition' : `a condition holds one test, found ${keys.join(', ')}; combine them with all: [...] or any: [...]`);
    return undefined;
  }
  const key = keys[0]!;
  const value = v[key];
  const at = [...path, key];
  switch (key) {
    case 'all':
    case 'any': {
      if (!Array.isArray(value) || value.length === 0) {
        issue(ctx, at, `${key} takes a list of conditions, got ${kindOf(value)}`);
        return undefined;
      }
      const parts = value.map((c, i) => parseCondition(c, [...at, i], ctx));
      if (parts.some((p) => p === undefined)) return undefined;
      const list = parts as Condition[];
      return key === 'all' ? { all: list } : { any: list };
    }
    case 'not': {
      const inner = parseCondition(value, at, ctx);
      return inner && { not: inner };
    }
    case 'vip':
      if (typeof value !== 'boolean') {
        issue(ctx, at, `vip takes true or false, got ${kindOf(value)}`);
        return undefined;
      }
      return { vip: value };
    case 'header': {
      const m = parseMatcher(value, at, ctx, { exists: true, name: true });
      if (!m || !isRecord(value)) return undefined;
      const name = value['name'];
      if (typeof name !== 'string' || !/^[\x21-\x39\x3b-\x7e]+$/.test(name)) {
        issue(ctx, [...at, ...(name === undefined ? [] : ['name'])], name === undefined ? 'header needs name: (the header field, e.g. X-Priority)' : `header name must be a header field name, got ${kindOf(name)}`);
        return undefined;
      }
      return { header: { name, ...m } };
    }
    case 'attachment': {
      const m: PresenceMatcher | undefined = parseMatcher(value, at, ctx, { exists: true, name: false });
      return m && { attachment: m };
    }
    default: {
      const m = textMatcher(value, at, ctx);
      if (!m) return undefined;
      switch (key) {
        case 'subject': return { subject: m };
        case 'body': return { body: m };
        case 'text': return { text: m };
        case 'from': return { from: m };
        case 'from_domain': return { from_domain: m };
        default: return { to: m };
      }
    }
  }
}

const condition = z.unknown().transform((v, ctx) => parseCondition(v, [], ctx) ?? z.NEVER);

const text = z.string().trim().min(1, 'must not be empty');

const priority = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const p = parsePriority(String(v));
  if (!p) {
    issue(ctx, [], `priority must be P1..P4 or critical, high, medium, low (got ${JSON.stringify(v)})`);
    return z.NEVER;
  }
  return p;
});

const tag = z.string().transform((v, ctx) => {
  const t = normaliseTag(v);
  if (!/^[^\s,#]+$/.test(t)) {
    issue(ctx, [], `a tag is one word without spaces or commas (got ${JSON.stringify(v)})`);
    return z.NEVER;
  }
  return t;
});

const address = z.string().trim().toLowerCase().regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, 'expected an email address');

const vipSender = z.string().trim().toLowerCase().regex(/^(?:[^\s@<>]+)?@[^\s@<>]+\.[^\s@<>]+$/, 'expected an address (ceo@example.com) or a domain (@example.com)');

const scalarActions = {
  category: text.optional(),
  priority: priority.optional(),
  team: text.optional(),
  assign: address.optional(),
  sla: text.optional(),
};

const actions = z.strictObject({
  ...scalarActions,
  tags: z.array(tag).optional(),
  skip_acknowledgment: z.boolean().optional(),
  spam: z.boolean().optional(),
  escalate: z.boolean().optional(),
  file_bug: z.boolean().optional(),
});

const rule = z
  .strictObject({
    name: z.union([z.string(), z.number()]).transform((v) => String(v).trim()).pipe(text),
    when: condition.optional(),
    then: actions.optional(),
    stop: z.boolean().optional(),
    enabled: z.boolean().optional(),
  })
  .superRefine((r, ctx) => {
    if (!r.then && !r.stop) issue(ctx, [], `rule "${r.name}" does nothing: give it then: (actions) or stop: true`);
  });

const ruleFile = z
  .strictObject({
    match: z.enum(['all', 'first']).optional(),
    categories: z.array(text).optional(),
    defaults: z.strictObject(scalarActions).optional(),
    vip: z.strictObject({ senders: z.array(vipSender).nullable().transform((s) => s ?? []) }).nullable().optional(),
    duplicates: z
      .strictObject({
        window_hours: z.number().positive().optional(),
        similarity: z.number().min(0).max(1).optional(),
        merge: z.boolean().optional(),
      })
      .optional(),
    rules: z.array(rule).nullable().transform((r) => r ?? []),
  })
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.rules.forEach((r, i) => {
      const key = r.name.toLowerCase();
      if (seen.has(key)) issue(ctx, ['rules', i, 'name'], `rule name "${r.name}" is used twice (also rules[${seen.get(key)!}]); names appear in the decision record`);
      else seen.set(key, i);
    });
    if (!file.categories) return;
    const known = new Set(file.categories.map((c) => c.toLowerCase()));
    const check = (category: string | undefined, path: Path): void => {
      if (category !== undefined && !known.has(category.toLowerCase())) {
        issue(ctx, path, `category "${category}" is not in categories: (${file.categories!.join(', ')})`);
      }
    };
    check(file.defaults?.category, ['defaults', 'category']);
    file.rules.forEach((r, i) => check(r.then?.category, ['rules', i, 'then', 'category']));
  });

// ---------------------------------------------------------------------------------------------
// Positions

/** Where a path points in the YAML text: the key of a map entry, the item of a list (also used by the trackers file). */
export function locate(doc: Document, path: readonly (string | number)[]): { offset: number; found: boolean } {
  let node: unknown = doc.contents;
  let offset = isNode(node) ? (node.range?.[0] ?? 0) : 0;
  for (const seg of path) {
    if (isAlias(node)) return { offset, found: true };
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return { offset, found: false };
      if (isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg];
      if (isNode(node) && node.range) offset = node.range[0];
    } else {
      return { offset, found: false };
    }
  }
  return { offset, found: true };
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || 'top level';
}

interface Problem {
  offset: number;
  message: string;
  /** A missing key has no line of its own (it points at its parent): other problems go first. */
  missing: boolean;
}

function describeIssue(doc: Document, i: z.core.$ZodIssue): Problem {
  const path = i.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (i.code === 'unrecognized_keys') {
    const key = i.keys[0]!;
    const where = locate(doc, [...path, key]);
    const more = i.keys.length > 1 ? ` (and ${i.keys.slice(1).map((k) => `"${k}"`).join(', ')})` : '';
    return { offset: where.offset, message: `${formatPath(path)}: ${unknownKey(key)}${more}`, missing: false };
  }
  const where = locate(doc, path);
  if (!where.found) {
    return { offset: where.offset, message: `${formatPath(path.slice(0, -1))}: missing "${String(path.at(-1))}:"`, missing: true };
  }
  const message = i.message.replace(/^Invalid input: /, '');
  return { offset: where.offset, message: `${formatPath(path)}: ${message}`, missing: false };
}

// ---------------------------------------------------------------------------------------------
// Loading

/** Parses and validates rules from text; `file` names the source in the error line. */
export function parseRules(source: string, file: string): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): string => {
    const pos = lines.linePos(offset);
    return `${file}:${pos.line}:${pos.col}`;
  };
  const firstError = doc.errors[0];
  if (firstError) {
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more YAML error${doc.errors.length > 2 ? 's' : ''})` : '';
    return { ok: false, error: `${at(firstError.pos[0])}: invalid YAML: ${firstError.message.split('\n')[0]!}${more}` };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, error: `${at(0)}: invalid YAML: ${(err as Error).message.split('\n')[0]!}` };
  }
  if (data === null || data === undefined) return { ok: false, error: `${file}:1:1: the rules file is empty (expected match:, rules: ...)` };
  const parsed = ruleFile.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => describeIssue(doc, i)).sort((a, b) => Number(a.missing) - Number(b.missing) || a.offset - b.offset);
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    return { ok: false, error: `${at(first.offset)}: ${first.message}${more}` };
  }
  const spec: RuleSetSpec = { ...parsed.data, vip: parsed.data.vip ?? undefined };
  return { ok: true, rules: compileRules(spec) };
}

function readError(file: string, err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
  return `${file}: cannot read the rules file: ${why}`;
}

/** Reads, validates and compiles a rules file. Never throws: a problem is one line, "file:line:col: ...". */
export function loadRules(path: string): LoadResult {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, error: readError(path, err) };
  }
  return parseRules(source, path);
}

/** "14 rules (match: all), 2 VIP senders, duplicates within 72 h at similarity 0.8 (linked)": for `rules check`. */
export function summariseRules(rules: RuleSet): string {
  const enabled = rules.rules.filter((r) => r.enabled).length;
  const disabled = rules.rules.length - enabled;
  const d = rules.duplicates;
  return (
    `${enabled} rule${enabled === 1 ? '' : 's'}${disabled ? ` (+${disabled} disabled)` : ''} (match: ${rules.match}), ` +
    `${rules.vipSenders.length} VIP sender${rules.vipSenders.length === 1 ? '' : 's'}, ` +
    `duplicates within ${d.windowHours} h at similarity ${d.similarity} (${d.merge ? 'merged' : 'linked'})`
  );
}

// ---------------------------------------------------------------------------------------------
// Watching

export interface RulesWatcherOptions {
  log: Logger;
  /** The poll that catches what fs.watch misses (network filesystems, replaced symlinks). */
  pollMs?: number;
  /** Editors write in several steps; wait this long after a change event before reading. */
  settleMs?: number;
  /** Told of every reload attempt after a change (the new rules, or the error line). */
  onReload?: (result: LoadResult) => void;
}

/**
 * Keeps the rules of one file current without a restart. A change (seen by fs.watch on the
 * directory, so editors that save by rename are caught, or by the poll) is read, validated and
 * swapped in; a broken file leaves the last good rules in force and logs one line with the file
 * and line. Broken content is only reported if a second look (settleMs later) still finds it, so
 * an editor caught halfway through a save does not raise a false alarm; unchanged content is
 * never re-reported, so a broken file is logged once per edit.
 */
export class RulesWatcher {
  readonly path: string;
  #rules: RuleSet;
  /** The text last looked at, or a marker for a read error: what "changed" is measured against. */
  #seen: string;
  readonly #opts: RulesWatcherOptions;
  #dirWatcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #settle: NodeJS.Timeout | undefined;
  #confirm: NodeJS.Timeout | undefined;
  /** Broken content, and since when: reported once it has stayed for settleMs. */
  #unconfirmed: { source: string; since: number } | undefined;

  private constructor(path: string, rules: RuleSet, seen: string, opts: RulesWatcherOptions) {
    this.path = path;
    this.#rules = rules;
    this.#seen = seen;
    this.#opts = opts;
  }

  /** Loads the file and starts watching it. A broken file at start is a configuration error (no last good rules). */
  static start(path: string, opts: RulesWatcherOptions): RulesWatcher {
    let source: string;
    try {
      source = readFileSync(path, 'utf8');
    } catch (err) {
      throw new DeskmailError('CONFIG', readError(path, err), 'run: deskmail rules check');
    }
    const result = parseRules(source, path);
    if (!result.ok) throw new DeskmailError('CONFIG', result.error, 'run: deskmail rules check');
    const watcher = new RulesWatcher(path, result.rules, source, opts);
    watcher.#watch();
    opts.log.info({ file: path }, `rules loaded: ${summariseRules(result.rules)}`);
    return watcher;
  }

  /** The rules in force: the last file that loaded cleanly. */
  get rules(): RuleSet {
    return this.#rules;
  }

  /**
   * Reads the file now and swaps in the rules if it changed and is valid. Returns undefined when
   * the content is unchanged. For an explicit reload (SIGHUP, tests); the watch and the poll go
   * through #noticed, which lets a half-saved file settle before calling it broken.
   */
  check(): LoadResult | undefined {
    const seen = this.#read();
    if (seen.source === this.#seen) return undefined;
    return this.#adopt(seen.source, seen.result ?? parseRules(seen.source, this.path));
  }

  /** Changed content that is valid is taken at once; broken content only if it is still there a moment later. */
  #noticed(): void {
    const seen = this.#read();
    if (seen.source === this.#seen) return;
    const result = seen.result ?? parseRules(seen.source, this.path);
    if (!result.ok) {
      const now = Date.now();
      if (this.#unconfirmed?.source !== seen.source) this.#unconfirmed = { source: seen.source, since: now };
      const wait = this.#unconfirmed.since + (this.#opts.settleMs ?? 100) - now;
      if (wait > 0) {
        this.#confirm ??= setTimeout(() => {
          this.#confirm = undefined;
          this.#noticed();
        }, wait).unref();
        return;
      }
    }
    this.#adopt(seen.source, result);
  }

  #read(): { source: string; result?: LoadResult } {
    try {
      return { source: readFileSync(this.path, 'utf8') };
    } catch (err) {
      const error = readError(this.path, err);
      // A marker that cannot be file content, so the same read error is reported once.
      return { source: `\u0000${error}`, result: { ok: false, error } };
    }
  }

  #adopt(source: string, result: LoadResult): LoadResult {
    this.#seen = source;
    this.#unconfirmed = undefined;
    if (result.ok) {
      this.#rules = result.rules;
      this.#opts.log.info({ file: this.path }, `rules reloaded: ${summariseRules(result.rules)}`);
    } else {
      this.#opts.log.error({ file: this.path }, `${result.error} (keeping the previous rules)`);
    }
    this.#opts.onReload?.(result);
    return result;
  }

  close(): void {
    this.#dirWatcher?.close();
    this.#dirWatcher = undefined;
    if (this.#poll) clearInterval(this.#poll);
    if (this.#settle) clearTimeout(this.#settle);
    if (this.#confirm) clearTimeout(this.#confirm);
    this.#poll = this.#settle = this.#confirm = undefined;
  }

  #watch(): void {
    const settleMs = this.#opts.settleMs ?? 100;
    try {
      this.#dirWatcher = watch(dirname(this.path), { persistent: false }, () => {
        if (this.#settle) clearTimeout(this.#settle);
        this.#settle = setTimeout(() => {
          this.#settle = undefined;
          this.#noticed();
        }, settleMs);
        this.#settle.unref();
      });
      // Watching can fail later (directory removed, inotify limits): the poll carries on alone.
      this.#dirWatcher.on('error', () => {
        this.#dirWatcher?.close();
        this.#dirWatcher = undefined;
      });
    } catch {
      this.#dirWatcher = undefined;
    }
    this.#poll = setInterval(() => this.#noticed(), this.#opts.pollMs ?? 5_000);
    this.#poll.unref();
  }
}
