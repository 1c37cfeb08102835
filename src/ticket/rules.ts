import type { Decision } from '../mail/decision.js';
import type { InboundMail } from '../mail/parse.js';
import type { Priority } from '../store/tickets.js';

/**
 * Triage rules, the pure part: what an admin's rule set says about one new mail (category,
 * priority, tags, routing, escalation), and whether two subjects name the same request.
 *
 * The spec types below mirror the YAML file one to one (snake_case keys included), so a rule in a
 * test reads like a rule in config/rules.yaml. src/rules-file.ts validates the file into a
 * RuleSetSpec with line-accurate errors; compileRules turns it into matchers once; evaluateRules
 * is then a plain function of (rules, mail).
 */

export type { Priority };

/** The parts of a parsed mail the rules look at. */
export type RuleMail = Pick<InboundMail, 'subject' | 'text' | 'from' | 'recipients' | 'headers' | 'attachments'>;

export type MatchMode = 'all' | 'first';

/** Exactly one way of testing a value; every test is case-insensitive unless a /regex/ says otherwise. */
export type TextMatcher =
  /** Any keyword occurs anywhere (substring). */
  | { contains: string[] }
  /** Any word or phrase occurs as whole words; a trailing * matches any word ending ("refund*"). */
  | { words: string[] }
  /** "pattern" (case-insensitive) or "/pattern/flags" with flags from i, m, s, u. */
  | { regex: string }
  /** The whole value is one of these (trimmed). */
  | { equals: string[] };

/** For headers and attachments, presence itself can be the test. */
export type PresenceMatcher = TextMatcher | { exists: boolean };

export type HeaderTest = { name: string } & PresenceMatcher;

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { subject: TextMatcher }
  | { body: TextMatcher }
  /** The subject or the body. */
  | { text: TextMatcher }
  | { from: TextMatcher }
  | { from_domain: TextMatcher }
  /** Any recipient: To, Cc, Delivered-To, X-Original-To, Envelope-To (plus addresses, aliases). */
  | { to: TextMatcher }
  | { header: HeaderTest }
  /** Any attachment's file name or content type. */
  | { attachment: PresenceMatcher }
  /** The sender is on the vip.senders list. */
  | { vip: boolean };

export const CONDITION_KEYS = ['all', 'any', 'not', 'subject', 'body', 'text', 'from', 'from_domain', 'to', 'header', 'attachment', 'vip'] as const;
export const MATCHER_KEYS = ['contains', 'words', 'regex', 'equals'] as const;

export interface Actions {
  category?: string;
  priority?: Priority;
  tags?: string[];
  team?: string;
  assign?: string;
  skip_acknowledgment?: boolean;
  spam?: boolean;
  escalate?: boolean;
  /** A named SLA policy (e.g. "vip"), resolved by the SLA module. */
  sla?: string;
  /** File the new ticket as a bug in the default development tracker (src/workflow/bugs.ts). */
  file_bug?: boolean;
}

/** What no rule decided is taken from here (scalar fields only). */
export type Defaults = Pick<Actions, 'category' | 'priority' | 'team' | 'assign' | 'sla'>;

export interface RuleSpec {
  name: string;
  /** Omitted: the rule always matches. */
  when?: Condition;
  then?: Actions;
  /** In match: all, a matching rule with stop: true ends the evaluation. */
  stop?: boolean;
  enabled?: boolean;
}

export interface RuleSetSpec {
  match?: MatchMode;
  /** When given, every category a rule sets must be one of these (typo protection). */
  categories?: string[];
  defaults?: Defaults;
  vip?: { senders: string[] };
  duplicates?: { window_hours?: number; similarity?: number; merge?: boolean };
  rules: RuleSpec[];
}

export interface DuplicatePolicy {
  windowHours: number;
  /** 0..1, compared with subjectSimilarity. */
  similarity: number;
  /** Merge a near-duplicate into the earlier ticket instead of only linking and flagging it. */
  merge: boolean;
}

/** Seed 004: a requester who writes again about the same thing within three days (a weekend). */
export const DEFAULT_DUPLICATE_POLICY: DuplicatePolicy = { windowHours: 72, similarity: 0.8, merge: false };

/** A condition ready to run: its static description, and a test that returns why it matched. */
export interface CompiledCondition {
  describe: string;
  test(facts: MailFacts): string | undefined;
}

export interface CompiledRule {
  name: string;
  when: CompiledCondition | undefined;
  then: Actions;
  stop: boolean;
  enabled: boolean;
}

export interface RuleSet {
  match: MatchMode;
  categories: string[] | undefined;
  defaults: Defaults;
  vipSenders: string[];
  duplicates: DuplicatePolicy;
  rules: CompiledRule[];
}

export interface RuleMatch {
  rule: string;
  /** Which condition matched, with the keyword or value: goes into the decision record. */
  reason: string;
  /** What the rule set, e.g. "category Billing/Payment, priority P2". */
  effect: string;
}

/** The verdict of the rules on one mail. */
export interface Triage {
  category: string | undefined;
  priority: Priority | undefined;
  tags: string[];
  team: string | undefined;
  assign: string | undefined;
  sla: string | undefined;
  skipAcknowledgment: boolean;
  spam: boolean;
  escalate: boolean;
  fileBug: boolean;
  /** The vip.senders entry the sender matched (a fact; what it changes is up to the rules). */
  vip: string | undefined;
  matched: RuleMatch[];
  /** Fields no rule set, filled from defaults. */
  defaulted: (keyof Defaults)[];
}

/** Bodies are tested up to here: an admin's regex must not meet a 20 MB log pasted into a mail. */
export const MAX_BODY_CHARS = 100_000;

// ---------------------------------------------------------------------------------------------
// Text folding and matchers

/** How text and keywords are compared: NFKC, typographic apostrophes, whitespace runs, case. */
export function foldText(s: string): string {
  return s.normalize('NFKC').replace(/[\u2018\u2019\u02bc\u2032]/g, "'").replace(/\s+/g, ' ').toLowerCase();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const ALLOWED_FLAGS = 'imsu';

/**
 * An admin's regex: "pattern" is case-insensitive; "/pattern/flags" sets the flags (i, m, s, u),
 * so "/^URGENT/" is case-sensitive. g and y are refused: they make a RegExp stateful.
 * Throws SyntaxError with the engine's message.
 */
export function compileRegex(source: string): RegExp {
  const literal = /^\/(.+)\/([a-z]*)$/s.exec(source);
  if (!literal) return new RegExp(source, 'i');
  const flags = literal[2]!;
  for (const flag of flags) {
    if (!ALLOWED_FLAGS.includes(flag)) throw new SyntaxError(`unsupported regex flag "${flag}" (use i, m, s or u)`);
  }
  return new RegExp(literal[1]!, flags);
}

/** What a field offers to a matcher: the raw values and their folded forms, index for index. */
export interface FieldValues {
  raw: readonly string[];
  folded: readonly string[];
}

interface Hit {
  detail: string;
  /** Index into the field's values. */
  index: number;
}

interface CompiledMatcher {
  describe: string;
  test(values: FieldValues): Hit | undefined;
}

function quoteList(items: readonly string[], joiner: 'or' | 'and' = 'or'): string {
  const shown = items.slice(0, 5).map((s) => `"${s}"`);
  if (items.length > 5) return `${shown.join(', ')} ${joiner} ${items.length - 5} more`;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} ${joiner} ${shown.at(-1)!}`;
}

function excerpt(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}

const WORD_CHAR = '[\\p{L}\\p{M}\\p{N}_]';

/** One capture group per word, so the hit says which keyword it was. */
function wordPattern(word: string): string {
  const folded = foldText(word).trim();
  const prefix = folded.endsWith('*') && folded.length > 1;
  const core = prefix ? folded.slice(0, -1) : folded;
  const body = core.split(' ').map(escapeRegExp).join('\\s+');
  return `(?<!${WORD_CHAR})(${body}${prefix ? `${WORD_CHAR}*` : ''})(?!${WORD_CHAR})`;
}

function compileMatcher(m: TextMatcher): CompiledMatcher {
  if ('contains' in m) {
    const keywords = m.contains.map((k) => ({ shown: k, folded: foldText(k) }));
    return {
      describe: `contains ${quoteList(m.contains)}`,
      test(values) {
        for (const [index, value] of values.folded.entries()) {
          const kw = keywords.find((k) => value.includes(k.folded));
          if (kw) return { detail: `contains "${kw.shown}"`, index };
        }
        return undefined;
      },
    };
  }
  if ('words' in m) {
    const pattern = new RegExp(m.words.map(wordPattern).join('|'), 'iu');
    return {
      describe: `has the word ${quoteList(m.words)}`,
      test(values) {
        for (const [index, value] of values.folded.entries()) {
          const found = pattern.exec(value);
          if (!found) continue;
          const which = found.slice(1).findIndex((g) => g !== undefined);
          const word = m.words[which] ?? found[0];
          const seen = found[0];
          return { detail: `has the word "${word}"${foldText(word) === seen ? '' : ` ("${excerpt(seen)}")`}`, index };
        }
        return undefined;
      },
    };
  }
  if ('regex' in m) {
    const re = compileRegex(m.regex);
    return {
      describe: `matches ${String(re)}`,
      test(values) {
        for (const [index, value] of values.raw.entries()) {
          const found = re.exec(value);
          if (found) return { detail: `matches ${String(re)} ("${excerpt(found[0])}")`, index };
        }
        return undefined;
      },
    };
  }
  const wanted = m.equals.map((e) => ({ shown: e, folded: foldText(e).trim() }));
  return {
    describe: `equals ${quoteList(m.equals)}`,
    test(values) {
      for (const [index, value] of values.folded.entries()) {
        const eq = wanted.find((w) => value.trim() === w.folded);
        if (eq) return { detail: `equals "${eq.shown}"`, index };
      }
      return undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The facts of one mail, folded lazily and once

type ValueField = 'subject' | 'body' | 'text' | 'from' | 'from_domain' | 'to' | 'attachment';

function values(raw: string[]): FieldValues {
  return { raw, folded: raw.map(foldText) };
}

/** The domain of an address, lower-cased. */
function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * The vip.senders entry a sender matches: an address (a +tag in the sender's local part is
 * ignored), or "@domain", which also covers its subdomains.
 */
export function vipEntryFor(address: string | undefined, senders: readonly string[]): string | undefined {
  if (!address) return undefined;
  const addr = address.trim().toLowerCase();
  const at = addr.lastIndexOf('@');
  const untagged = at > 0 ? addr.slice(0, at).replace(/\+.*$/, '') + addr.slice(at) : addr;
  const domain = domainOf(addr);
  return senders.find((entry) => {
    const e = entry.trim().toLowerCase();
    if (e.startsWith('@')) return domain === e.slice(1) || domain.endsWith(`.${e.slice(1)}`);
    return e === addr || e === untagged;
  });
}

export class MailFacts {
  readonly vip: string | undefined;
  readonly #mail: RuleMail;
  readonly #cache = new Map<ValueField, FieldValues>();

  constructor(mail: RuleMail, vipSenders: readonly string[]) {
    this.#mail = mail;
    this.vip = vipEntryFor(mail.from?.address, vipSenders);
  }

  field(name: ValueField): FieldValues {
    const cached = this.#cache.get(name);
    if (cached) return cached;
    const mail = this.#mail;
    const body = mail.text.length > MAX_BODY_CHARS ? mail.text.slice(0, MAX_BODY_CHARS) : mail.text;
    const from = mail.from?.address;
    let v: FieldValues;
    switch (name) {
      case 'subject': v = values([mail.subject]); break;
      case 'body': v = values([body]); break;
      // Two values, so a reason can say which part matched.
      case 'text': v = values([mail.subject, body]); break;
      case 'from': v = values(from ? [from] : []); break;
      case 'from_domain': v = values(from ? [domainOf(from)] : []); break;
      case 'to': v = values([...mail.recipients]); break;
      case 'attachment': v = values(mail.attachments.flatMap((a) => (a.filename ? [a.filename, a.contentType] : [a.contentType]))); break;
    }
    this.#cache.set(name, v);
    return v;
  }

  header(name: string): FieldValues {
    return values(this.#mail.headers.get(name.toLowerCase()) ?? []);
  }

  get attachmentCount(): number {
    return this.#mail.attachments.length;
  }
}

// ---------------------------------------------------------------------------------------------
// Conditions

const LABELS: Record<ValueField, string> = {
  subject: 'subject',
  body: 'body',
  text: 'subject or body',
  from: 'sender',
  from_domain: 'sender domain',
  to: 'recipient',
  attachment: 'attachment',
};

/** Fields with several or short values show the value that matched; subject and body do not. */
const SHOWS_VALUE: Record<ValueField, boolean> = { subject: false, body: false, text: false, from: true, from_domain: true, to: true, attachment: true };

function fieldCondition(field: ValueField, m: TextMatcher): CompiledCondition {
  const matcher = compileMatcher(m);
  const label = LABELS[field];
  return {
    describe: `${label} ${matcher.describe}`,
    test(facts) {
      const vals = facts.field(field);
      const hit = matcher.test(vals);
      if (!hit) return undefined;
      if (field === 'text') return `${hit.index === 0 ? 'subject' : 'body'} ${hit.detail}`;
      return SHOWS_VALUE[field] ? `${label} "${vals.raw[hit.index]!}" ${hit.detail}` : `${label} ${hit.detail}`;
    },
  };
}

function headerCondition(h: HeaderTest): CompiledCondition {
  const label = `header ${h.name}`;
  if ('exists' in h) {
    const wanted = h.exists;
    return {
      describe: `${label} ${wanted ? 'is present' : 'is absent'}`,
      test: (facts) => ((facts.header(h.name).raw.length > 0) === wanted ? `${label} ${wanted ? 'is present' : 'is absent'}` : undefined),
    };
  }
  const matcher = compileMatcher(h);
  return {
    describe: `${label} ${matcher.describe}`,
    test(facts) {
      const vals = facts.header(h.name);
      const hit = matcher.test(vals);
      return hit ? `${label} "${excerpt(vals.raw[hit.index]!)}" ${hit.detail}` : undefined;
    },
  };
}

function attachmentCondition(a: PresenceMatcher): CompiledCondition {
  if ('exists' in a) {
    const wanted = a.exists;
    return {
      describe: wanted ? 'has an attachment' : 'has no attachment',
      test: (facts) => ((facts.attachmentCount > 0) === wanted ? (wanted ? 'has an attachment' : 'has no attachment') : undefined),
    };
  }
  return fieldCondition('attachment', a);
}

export function compileCondition(c: Condition): CompiledCondition {
  if ('all' in c) {
    const parts = c.all.map(compileCondition);
    return {
      describe: parts.map((p) => p.describe).join(' and '),
      test(facts) {
        const reasons: string[] = [];
        for (const p of parts) {
          const r = p.test(facts);
          if (r === undefined) return undefined;
          reasons.push(r);
        }
        return reasons.join(' and ');
      },
    };
  }
  if ('any' in c) {
    const parts = c.any.map(compileCondition);
    return {
      describe: parts.length === 1 ? parts[0]!.describe : `(${parts.map((p) => p.describe).join(') or (')})`,
      test(facts) {
        for (const p of parts) {
          const r = p.test(facts);
          if (r !== undefined) return r;
        }
        return undefined;
      },
    };
  }
  if ('not' in c) {
    const inner = compileCondition(c.not);
    const describe = `not (${inner.describe})`;
    return { describe, test: (facts) => (inner.test(facts) === undefined ? describe : undefined) };
  }
  if ('header' in c) return headerCondition(c.header);
  if ('attachment' in c) return attachmentCondition(c.attachment);
  if ('vip' in c) {
    const wanted = c.vip;
    return {
      describe: wanted ? 'the sender is a VIP' : 'the sender is not a VIP',
      test: (facts) => ((facts.vip !== undefined) === wanted ? (facts.vip ? `the sender is a VIP (${facts.vip})` : 'the sender is not a VIP') : undefined),
    };
  }
  if ('subject' in c) return fieldCondition('subject', c.subject);
  if ('body' in c) return fieldCondition('body', c.body);
  if ('text' in c) return fieldCondition('text', c.text);
  if ('from' in c) return fieldCondition('from', c.from);
  if ('from_domain' in c) return fieldCondition('from_domain', c.from_domain);
  return fieldCondition('to', c.to);
}

// ---------------------------------------------------------------------------------------------
// Rule sets

/** Tags as #tag writes them: lower case, no leading "#". */
export function normaliseTag(tag: string): string {
  return tag.trim().toLowerCase().replace(/^#/, '');
}

function normaliseActions(a: Actions): Actions {
  const out: Actions = { ...a };
  if (a.tags) out.tags = [...new Set(a.tags.map(normaliseTag).filter(Boolean))];
  if (a.assign) out.assign = a.assign.trim().toLowerCase();
  return out;
}

/** Compiles every matcher once. Throws on an invalid regex (the loader has reported those with a line). */
export function compileRules(spec: RuleSetSpec): RuleSet {
  const d = spec.duplicates ?? {};
  return {
    match: spec.match ?? 'all',
    categories: spec.categories,
    defaults: { ...spec.defaults },
    vipSenders: (spec.vip?.senders ?? []).map((s) => s.trim().toLowerCase()),
    duplicates: {
      windowHours: d.window_hours ?? DEFAULT_DUPLICATE_POLICY.windowHours,
      similarity: d.similarity ?? DEFAULT_DUPLICATE_POLICY.similarity,
      merge: d.merge ?? DEFAULT_DUPLICATE_POLICY.merge,
    },
    rules: spec.rules.map((r) => ({
      name: r.name,
      when: r.when ? compileCondition(r.when) : undefined,
      then: normaliseActions(r.then ?? {}),
      stop: r.stop ?? false,
      enabled: r.enabled ?? true,
    })),
  };
}

/** "category Billing/Payment, priority P2, tags vip, escalate": what a rule or a triage sets. */
export function describeActions(a: Actions): string {
  const parts: string[] = [];
  if (a.category !== undefined) parts.push(`category ${a.category}`);
  if (a.priority !== undefined) parts.push(`priority ${a.priority}`);
  if (a.tags?.length) parts.push(`tags ${a.tags.join(', ')}`);
  if (a.team !== undefined) parts.push(`team ${a.team}`);
  if (a.assign !== undefined) parts.push(`assign ${a.assign}`);
  if (a.sla !== undefined) parts.push(`sla ${a.sla}`);
  const flag = (value: boolean | undefined, on: string, off: string): void => {
    if (value !== undefined) parts.push(value ? on : off);
  };
  flag(a.skip_acknowledgment, 'skip acknowledgment', 'acknowledge');
  flag(a.spam, 'spam', 'not spam');
  flag(a.escalate, 'escalate', 'no escalation');
  flag(a.file_bug, 'file bug', 'no bug report');
  return parts.length ? parts.join(', ') : 'nothing (stop)';
}

function apply(t: Triage, a: Actions): void {
  if (a.category !== undefined) t.category = a.category;
  if (a.priority !== undefined) t.priority = a.priority;
  if (a.team !== undefined) t.team = a.team;
  if (a.assign !== undefined) t.assign = a.assign;
  if (a.sla !== undefined) t.sla = a.sla;
  for (const tag of a.tags ?? []) if (!t.tags.includes(tag)) t.tags.push(tag);
  if (a.skip_acknowledgment !== undefined) t.skipAcknowledgment = a.skip_acknowledgment;
  if (a.spam !== undefined) t.spam = a.spam;
  if (a.escalate !== undefined) t.escalate = a.escalate;
  if (a.file_bug !== undefined) t.fileBug = a.file_bug;
}

/**
 * Runs the rules in file order. match: all applies every matching rule (a later rule overrides
 * scalar fields, tags accumulate) until one says stop: true; match: first applies only the first
 * matching rule. Whatever no rule set is then taken from defaults.
 */
export function evaluateRules(rules: RuleSet, mail: RuleMail): Triage {
  const facts = new MailFacts(mail, rules.vipSenders);
  const t: Triage = {
    category: undefined,
    priority: undefined,
    tags: [],
    team: undefined,
    assign: undefined,
    sla: undefined,
    skipAcknowledgment: false,
    spam: false,
    escalate: false,
    fileBug: false,
    vip: facts.vip,
    matched: [],
    defaulted: [],
  };
  for (const rule of rules.rules) {
    if (!rule.enabled) continue;
    const reason = rule.when ? rule.when.test(facts) : 'always';
    if (reason === undefined) continue;
    apply(t, rule.then);
    t.matched.push({ rule: rule.name, reason, effect: describeActions(rule.then) });
    if (rules.match === 'first' || rule.stop) break;
  }
  const d = rules.defaults;
  t.defaulted = (['category', 'priority', 'team', 'assign', 'sla'] as const).filter((k) => t[k] === undefined && d[k] !== undefined);
  t.category ??= d.category;
  t.priority ??= d.priority;
  t.team ??= d.team;
  t.assign ??= d.assign;
  t.sla ??= d.sla;
  return t;
}

/** The triage for the decision record: one entry per matched rule, then the verdict. */
export function triageDecisions(t: Triage): Decision[] {
  const out: Decision[] = t.matched.map((m) => ({ stage: 'rules', verdict: m.rule, reason: `${m.reason} → ${m.effect}` }));
  const verdict = describeActions({
    category: t.category,
    priority: t.priority,
    tags: t.tags,
    team: t.team,
    assign: t.assign,
    sla: t.sla,
    ...(t.skipAcknowledgment ? { skip_acknowledgment: true } : {}),
    ...(t.spam ? { spam: true } : {}),
    ...(t.escalate ? { escalate: true } : {}),
    ...(t.fileBug ? { file_bug: true } : {}),
  });
  const because = t.matched.length ? `${t.matched.length} rule${t.matched.length === 1 ? '' : 's'} matched` : 'no rule matched';
  const defaulted = t.defaulted.length ? `; ${t.defaulted.join(', ')} from defaults` : '';
  out.push({ stage: 'triage', verdict, reason: `${because}${defaulted}` });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Near-duplicate subjects (seed 004: same requester, near-identical subject within a window)

const REPLY_PREFIX = /^\s*(?:re|fwd?|aw|wg|sv|vs|antw|antwort|r|tr|rif|odp|res|enc)\s*(?:\[\d+\]|\^\d+)?\s*[:：]\s*/i;

/**
 * A subject reduced to what the requester wrote: [tags] anywhere (ours, "[EXTERNAL]", "[URGENT]")
 * and reply/forward prefixes dropped, punctuation to spaces, lower case.
 */
export function duplicateSubjectKey(subject: string): string {
  let s = subject.normalize('NFKC').replace(/\[[^\]]*\]/g, ' ');
  for (;;) {
    const next = s.replace(REPLY_PREFIX, '');
    if (next === s) break;
    s = next;
  }
  return s.replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ').trim().toLowerCase();
}

function bigrams(s: string): Map<string, number> {
  const out = new Map<string, number>();
  const chars = [...s];
  for (let i = 0; i + 1 < chars.length; i++) {
    const g = chars[i]! + chars[i + 1]!;
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

/** Tokens carrying digits: invoice, order and error numbers. */
function numberTokens(key: string): Set<string> {
  return new Set(key.split(' ').filter((t) => /\p{N}/u.test(t)));
}

const UNCOMPARABLE = new Set(['', 'no subject', 'none', 'untitled']);

/**
 * How alike two subjects are, 0..1: the Sørensen–Dice coefficient over character bigrams of the
 * duplicate keys. Character bigrams (rather than whole tokens) keep "log in" ≈ "login" and
 * "Printer broken" ≈ "Printer broken again" close; because they would also make "Invoice 123" ≈
 * "Invoice 124", subjects whose numbers conflict (neither set contains the other) score 0. Empty
 * and "(no subject)" subjects say nothing about the request and score 0.
 */
export function subjectSimilarity(a: string, b: string): number {
  const ka = duplicateSubjectKey(a);
  const kb = duplicateSubjectKey(b);
  if (UNCOMPARABLE.has(ka) || UNCOMPARABLE.has(kb)) return 0;
  if (ka === kb) return 1;
  const na = numberTokens(ka);
  const nb = numberTokens(kb);
  const subset = (x: Set<string>, y: Set<string>): boolean => [...x].every((v) => y.has(v));
  if (!subset(na, nb) && !subset(nb, na)) return 0;
  const ga = bigrams(ka);
  const gb = bigrams(kb);
  let total = 0;
  let shared = 0;
  for (const n of ga.values()) total += n;
  for (const [g, n] of gb) {
    total += n;
    shared += Math.min(n, ga.get(g) ?? 0);
  }
  return total === 0 ? 0 : (2 * shared) / total;
}

/** Near-identical subjects: similarity at or above the threshold (default 0.8, see DEFAULT_DUPLICATE_POLICY). */
export function isNearDuplicate(subjectA: string, subjectB: string, similarity = DEFAULT_DUPLICATE_POLICY.similarity): boolean {
  return subjectSimilarity(subjectA, subjectB) >= similarity;
}

export interface DuplicateCandidate {
  ref: string;
  subject: string;
  createdAt: Date;
}

/**
 * The earlier ticket a new request duplicates, if any: among the same requester's tickets (the
 * caller selects those), the most similar one opened within the window before `at`.
 */
export function findNearDuplicate(
  subject: string,
  at: Date,
  candidates: readonly DuplicateCandidate[],
  policy: DuplicatePolicy,
): { ref: string; similarity: number } | undefined {
  const earliest = at.getTime() - policy.windowHours * 3_600_000;
  let best: { ref: string; similarity: number } | undefined;
  for (const c of candidates) {
    const t = c.createdAt.getTime();
    if (t < earliest || t > at.getTime()) continue;
    const similarity = subjectSimilarity(subject, c.subject);
    if (similarity >= policy.similarity && (!best || similarity > best.similarity)) best = { ref: c.ref, similarity };
  }
  return best;
}
