import { join } from 'node:path';
import { z } from 'zod';
import { packageRoot } from './config.js';
import { parseYaml, problemLine, readConfigSource, zodProblems, type YamlPath } from './config-file.js';
import { ConfigWatcher, type Parsed, type WatchTiming } from './config-watcher.js';
import type { Logger } from './log.js';
import { nearest } from './nearest.js';
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

type Path = YamlPath;

const KNOWN_KEYS = [
  'match', 'categories', 'defaults', 'vip', 'senders', 'duplicates', 'window_hours', 'similarity', 'merge', 'rules',
  'name', 'when', 'then', 'stop', 'enabled',
  'category', 'priority', 'tags', 'team', 'assign', 'skip_acknowledgment', 'spam', 'escalate', 'sla', 'file_bug',
  ...CONDITION_KEYS, ...MATCHER_KEYS, 'exists',
];

function unknownKey(key: string, expected?: readonly string[]): string {
  const pool = expected ?? KNOWN_KEYS;
  const near = nearest(key.toLowerCase(), pool);
  const hint = near && near.distance <= 2 ? ` (did you mean "${near.word}"?)` : expected ? ` (expected one of ${expected.join(', ')})` : '';
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
// Loading

/** Parses and validates rules from text; `file` names the source in the error line. */
export function parseRules(source: string, file: string): LoadResult {
  const parsedYaml = parseYaml(source, file);
  if (!parsedYaml.ok) return parsedYaml;
  const { yaml } = parsedYaml;
  if (yaml.data === null || yaml.data === undefined) return { ok: false, error: `${file}:1:1: the rules file is empty (expected match:, rules: ...)` };
  const parsed = ruleFile.safeParse(yaml.data);
  if (!parsed.success) {
    const unknownKeys = (_path: YamlPath, keys: readonly string[]): string =>
      `${unknownKey(keys[0]!)}${keys.length > 1 ? ` (and ${keys.slice(1).map((k) => `"${k}"`).join(', ')})` : ''}`;
    return { ok: false, error: problemLine(yaml, zodProblems(parsed.error.issues, unknownKeys)) };
  }
  const spec: RuleSetSpec = { ...parsed.data, vip: parsed.data.vip ?? undefined };
  return { ok: true, rules: compileRules(spec) };
}

/** Reads, validates and compiles a rules file. Never throws: a problem is one line, "file:line:col: ...". */
export function loadRules(path: string): LoadResult {
  const read = readConfigSource(path, 'rules file');
  return read.ok ? parseRules(read.source, path) : read;
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

/** Watches the rules file for the gateway: a valid edit applies to the next mail (see ConfigWatcher: a broken edit keeps the last good rules). */
export function watchRules(file: string, log: Logger, opts: WatchTiming & { onReload?: (r: Parsed<RuleSet>) => void } = {}): ConfigWatcher<RuleSet> {
  return ConfigWatcher.start(file, {
    log,
    noun: 'rules',
    fileNoun: 'rules file',
    hint: 'run: deskmail rules check',
    parse: (source, path) => {
      const r = parseRules(source, path);
      return r.ok ? { ok: true, value: r.rules } : r;
    },
    summarise: summariseRules,
    ...opts,
  });
}
