import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { templateVars } from '../../src/outbox/context.js';
import { TemplateRenderer } from '../../src/outbox/render.js';
import { checkTrackers, parseTrackers, watchTrackers, type Tracker, type TrackerSet } from '../../src/tracker/config.js';
import { silentLogger } from '../../src/log.js';
import { bugSteps } from '../../src/ticket/commands/bug.js';
import { extractCommands, runCommands, type AgentInfo, type CommandEnv, type TicketDraft } from '../../src/ticket/commands/index.js';
import type { TicketStatus } from '../../src/store/tickets.js';
import { donePhrase, itemKeys, readTrackerMail, trackerForSender, trackerMail } from '../../src/workflow/tracker-mail.js';

const JIRA = `
default: jira
trackers:
  jira:
    kind: mail
    address: jira@acme.atlassian.net
    key_pattern: 'APP-\\d+'
    senders: [jira@acme.atlassian.net, trello.com]
  api:
    kind: webhook
    url: https://tracker.internal/api/bugs?token=abc
    secret: 0123456789abcdef-secret
    key_path: issue.key
    inbound_secret: fedcba9876543210-inbound
`;

function load(source: string): TrackerSet {
  const r = parseTrackers(source, 'trackers.yaml');
  if (!r.ok) throw new Error(r.error);
  return r.trackers;
}

describe('the trackers file', () => {
  it('reads a mail tracker and a webhook tracker, with the default named', () => {
    const set = load(JIRA);
    expect(set.default.name).toBe('jira');
    expect(set.all.map((t) => `${t.name}:${t.kind}`)).toEqual(['jira:mail', 'api:webhook']);
    const api = set.all[1]!;
    expect(api.kind === 'webhook' && api.keyPath).toBe('issue.key');
    expect(api.done).toContain('status: done'); // Jira/Trello/Asana phrases when none are given
  });

  it('the shipped example config/trackers.yaml is valid', () => {
    const r = parseTrackers(readFileSync(fileURLToPath(new URL('../../config/trackers.yaml', import.meta.url)), 'utf8'), 'config/trackers.yaml');
    expect(r.ok && r.trackers.default.name).toBe('jira');
  });

  it('takes the only tracker as the default, and its mail-in address as the sender', () => {
    const set = load('trackers:\n  dev:\n    kind: mail\n    address: dev@tracker.test\n');
    expect(set.default.name).toBe('dev');
    expect(set.default.senders).toEqual(['dev@tracker.test']);
  });

  it.each([
    ['an unknown kind', 'trackers:\n  dev:\n    kind: jira\n    address: a@b.test\n', /^trackers\.yaml:3:\d+: trackers\.dev\.kind: kind must be mail or webhook/],
    ['a misspelt key', 'trackers:\n  dev:\n    kind: mail\n    adress: a@b.test\n', /^trackers\.yaml:\d+:\d+: trackers\.dev.*(adress|address)/],
    ['a short secret', 'trackers:\n  hook:\n    kind: webhook\n    url: https://x.test/bugs\n    secret: short\n', /^trackers\.yaml:5:5: trackers\.hook\.secret: a secret needs at least 16 characters/],
    ['a broken key pattern', 'trackers:\n  dev:\n    kind: mail\n    address: a@b.test\n    key_pattern: "APP-(\\\\d+"\n', /^trackers\.yaml:5:5: trackers\.dev\.key_pattern: not a valid regex/],
    ['a default that does not exist', 'default: jira\ntrackers:\n  dev:\n    kind: mail\n    address: a@b.test\n', /^trackers\.yaml:1:1: default: no tracker named "jira"/],
    ['two trackers and no default', 'trackers:\n  a:\n    kind: mail\n    address: a@b.test\n  b:\n    kind: mail\n    address: b@b.test\n', /say which is the default/],
    ['a non-URL webhook', 'trackers:\n  hook:\n    kind: webhook\n    url: ftp://x.test\n    secret: 0123456789abcdef\n', /^trackers\.yaml:4:5: trackers\.hook\.url: expected an http/],
    ['an empty file', '', /^trackers\.yaml:1:1: the trackers file is empty/],
  ])('refuses %s with one line naming file and line', (_label, source, error) => {
    const r = parseTrackers(source, 'trackers.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(error);
      expect(r.error).not.toContain('\n');
    }
  });

  it('doctor: lists each tracker without its secrets, and flags a tracker that would loop', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskmail-trackers-'));
    const file = join(dir, 'trackers.yaml');
    writeFileSync(file, JIRA);
    const lines = checkTrackers({ trackersFile: file, helpdeskAddress: 'support@acme.test' });
    expect(lines.every((l) => l.ok)).toBe(true);
    expect(lines.map((l) => l.line).join('\n')).toMatch(/tracker jira \(default\): mail to jira@acme\.atlassian\.net/);
    expect(lines.map((l) => l.line).join('\n')).not.toMatch(/token=abc|0123456789|fedcba/);
    const looping = checkTrackers({ trackersFile: file, helpdeskAddress: 'jira@acme.atlassian.net' });
    expect(looping.some((l) => !l.ok && /loop/.test(l.line))).toBe(true);
    expect(checkTrackers({ trackersFile: join(dir, 'missing.yaml'), helpdeskAddress: 'x@y.test' })[0]).toMatchObject({ ok: false });
    expect(checkTrackers({ trackersFile: undefined, helpdeskAddress: 'x@y.test' })[0]!.line).toMatch(/none configured/);
  });

  it('the gateway takes an edited trackers file live; a broken edit keeps the last good trackers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskmail-trackers-'));
    const file = join(dir, 'trackers.yaml');
    writeFileSync(file, JIRA);
    const watcher = watchTrackers(file, silentLogger(), { pollMs: 60_000 });
    try {
      expect(watcher.value.default.name).toBe('jira');
      writeFileSync(file, JIRA.replace('default: jira', 'default: api'));
      expect(watcher.check()).toMatchObject({ ok: true });
      expect(watcher.value.default.name).toBe('api');
      writeFileSync(file, JIRA.replace('default: jira', 'default: gitlab'));
      expect(watcher.check()).toEqual({ ok: false, error: `${file}:2:1: default: no tracker named "gitlab" (one of jira, api)` });
      expect(watcher.value.default.name).toBe('api');
    } finally {
      watcher.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('recognising the tracker\'s mail', () => {
  const set = load(JIRA);
  const jira = set.default;

  it('knows the tracker by its sender address or domain, and never a bounce', () => {
    expect(trackerForSender(set, 'JIRA@acme.atlassian.net')?.name).toBe('jira');
    expect(trackerForSender(set, 'notifications@boards.trello.com')?.name).toBe('jira');
    expect(trackerForSender(set, 'someone@atlassian.net')).toBeUndefined();
    expect(trackerForSender(set, 'carol@customer.test')).toBeUndefined();
    expect(trackerMail({ trackers: set }, 'jira@acme.atlassian.net', 'auto-reply')?.name).toBe('jira');
    expect(trackerMail({ trackers: set }, 'jira@acme.atlassian.net', 'bounce')).toBeUndefined();
    expect(trackerMail({ trackers: undefined }, 'jira@acme.atlassian.net', 'human')).toBeUndefined();
  });

  it('finds item keys as whole words, never our own ticket reference', () => {
    const generic: Tracker = load('trackers:\n  dev:\n    kind: mail\n    address: d@t.test\n').default;
    expect(itemKeys(generic, '[JIRA] (APP-12) Login fails [HD-3]; see also WEB-7 and xAPP-9', 'HD')).toEqual(['APP-12', 'WEB-7']);
    expect(itemKeys(jira, 'APP-12 APP-12 WEB-7', 'HD')).toEqual(['APP-12']);
  });

  it.each([
    ['Jira', 'Bob changed the status to Done', true],
    ['Jira field', 'Status: In Progress → Done\nResolution: Fixed', true],
    ['Trello', 'Ann moved this card to Done', true],
    ['Asana', 'Ann marked this task complete', true],
    ['a comment', 'We can reproduce it; looking into it.', false],
    ['in progress', 'Status: In Progress', false],
  ])('%s: "done" is %s', (_label, text, done) => {
    expect(donePhrase(jira, text) !== undefined).toBe(done);
  });

  it('reads a notification into keys, done and the text', () => {
    const news = readTrackerMail(jira, { subject: 'Re: [HD-4] [JIRA] (APP-31) Export crashes', body: 'Status: Done' }, 'HD');
    expect(news).toMatchObject({ keys: ['APP-31'], done: true, text: 'Status: Done', via: 'mail' });
  });
});

describe('#bug', () => {
  const BOB: AgentInfo = { id: 2, email: 'bob@help.test', name: 'Bob Smith', role: 'agent', openTickets: 1 };
  const jira = load(JIRA).default;
  const env = (tracker: CommandEnv['tracker'] | null = jira): CommandEnv => ({ actor: BOB, agents: [BOB], maxOpenPerAgent: 3, tickets: new Map(), ticketPrefix: 'HD', tracker: tracker ?? undefined });
  const draft = (status: TicketStatus): TicketDraft => ({ id: 1, ref: 'HD-1', subject: 'Export crashes', status, priority: 'P3', category: null, tags: [], assigneeId: 2, requesterEmail: 'c@x.test', approved: true, escalated: false, resolution: null });
  const run = (status: TicketStatus, mail: string, e = env()) => runCommands(draft(status), extractCommands(mail).commands, e);

  it('files a bug: category Bug, waiting on development, the text kept internal as steps', () => {
    const r = run('in_progress', '#bug Export to CSV crashes\n1. open a report\n2. click Export');
    expect(r.applied).toBe(true);
    expect(r.effects.draft).toMatchObject({ status: 'waiting_third_party', category: 'Bug' });
    expect(r.effects.bugs).toEqual([{ summary: 'Export to CSV crashes' }]);
    expect(r.effects.internal).toBe(true);
    expect(r.results[0]!.message).toMatch(/filed in jira/);
  });

  it('links an existing item by its key', () => {
    const r = run('assigned', '#bug APP-31');
    expect(r.effects.bugs).toEqual([{ key: 'APP-31' }]);
    expect(r.results[0]!.message).toMatch(/linked to APP-31/);
  });

  it('adds a second bug to a ticket already waiting on development', () => {
    expect(run('waiting_third_party', '#bug Another crash').applied).toBe(true);
  });

  it.each<[string, TicketStatus, string, CommandEnv['tracker'] | null, RegExp]>([
    ['no tracker configured', 'in_progress', '#bug Crash', null, /no development tracker is configured/],
    ['a resolved ticket', 'resolved', '#bug Crash', jira, /not allowed while the ticket is resolved/],
    ['no summary', 'in_progress', '#bug', jira, /needs a summary/],
    ['our own ticket reference', 'in_progress', '#bug HD-9', jira, /ticket of ours/],
  ])('is refused with %s', (_label, status, mail, tracker, why) => {
    const r = run(status, mail, env(tracker));
    expect(r.applied).toBe(false);
    expect(r.results[0]!.message).toMatch(why);
  });

  it('takes the steps from the lines after the #bug line, other commands left out', () => {
    expect(bugSteps('Hi team,\n#bug Export crashes\n1. open\n#priority high\n2. export\n')).toBe('1. open\n2. export');
    expect(bugSteps('no verb here')).toBe('');
  });
});

describe('bug templates', () => {
  const renderer = new TemplateRenderer([fileURLToPath(new URL('../../templates', import.meta.url))]);
  const base = templateVars({
    helpdesk: { name: 'Acme Support', address: 'support@acme.test' },
    ticket: { ref: 'HD-4', subject: 'Export crashes', status: 'waiting_third_party', statusText: 'waiting third party', priority: 'P2', category: 'Bug', tags: [], assignee: null, resolution: null, mergedInto: null },
    requester: { email: 'carol@customer.test', name: 'Carol' },
    agent: { name: 'Bob Smith', email: 'bob@help.test' },
    message: { body: 'Export to CSV crashes every time.', from: 'carol@customer.test' },
  });
  const bug = { summary: 'Export to CSV crashes', key: null, tracker: 'jira', steps: '1. open a report\n2. click Export', attachments: ['crash.log'], replyAddress: 'support+HD-4@acme.test', done: false, knownIssue: false, otherTicket: null, update: null };

  it('bug_report carries the ref, summary, the customer\'s words, steps, attachments and where to answer', () => {
    const mail = renderer.render('bug_report', { ...base, bug });
    expect(mail.subject).toBe('[HD-4] Export to CSV crashes');
    for (const part of ['Export to CSV crashes every time.', '1. open a report', 'crash.log', 'support+HD-4@acme.test']) expect(mail.text).toContain(part);
  });

  it('bug_update asks the assignee to verify when the item is done, and names the known issue', () => {
    const done = renderer.render('bug_update', { ...base, bug: { ...bug, key: 'APP-31', done: true, update: 'Status: Done' } });
    expect(done.subject).toBe('[HD-4] Fixed in development (APP-31): Export crashes');
    expect(done.text).toMatch(/verify the fix/);
    const known = renderer.render('bug_update', { ...base, bug: { ...bug, key: 'APP-31', done: true, knownIssue: true, otherTicket: 'HD-2' } });
    expect(known.subject).toMatch(/Known issue fixed/);
    expect(known.text).toContain('HD-2');
  });
});
