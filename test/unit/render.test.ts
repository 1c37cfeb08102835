import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DeskmailError } from '../../src/errors.js';
import { TemplateRenderer, type TemplateContext } from '../../src/outbox/render.js';
import { notificationContext } from '../../src/receive.js';
import type { TicketRow } from '../../src/store/tickets.js';

const config = loadConfig({ HELPDESK_ADDRESS: 'support@helpdesk.test', HELPDESK_NAME: 'Acme Support' });
const SHIPPED = config.templatesDir;

function ticket(overrides: Partial<TicketRow> = {}): TicketRow {
  const now = new Date('2026-11-23T10:00:00Z');
  return {
    id: 1,
    ref: 'HD-1',
    subject: 'Printer on fire',
    status: 'new',
    priority: 'P3',
    category: null,
    tags: [],
    requester_email: 'ann@example.test',
    requester_name: 'Ann Customer',
    assignee_id: null,
    language: null,
    approved: false,
    escalated: false,
    resolution: null,
    merged_into: null,
    follows_up: null,
    resolved_at: null,
    closed_at: null,
    first_response_at: null,
    last_customer_update_at: null,
    sla_policy: null,
    team: null,
    created_at: now,
    updated_at: now,
    ...overrides,
  };
}

function contextFor(t: TicketRow): TemplateContext {
  return notificationContext(config, t, 'Hello, my printer is on fire.');
}

const tempDirs: string[] = [];
/** An override directory holding the given files (relative path → content). */
function overrideDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskmail-templates-'));
  tempDirs.push(dir);
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, relative)), { recursive: true });
    writeFileSync(join(dir, relative), content);
  }
  return dir;
}
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function templateError(make: () => unknown): DeskmailError {
  try {
    make();
  } catch (err) {
    expect(err).toBeInstanceOf(DeskmailError);
    return err as DeskmailError;
  }
  throw new Error('expected a DeskmailError');
}

describe('TemplateRenderer: the shipped "received" acknowledgment', () => {
  const renderer = new TemplateRenderer([SHIPPED]);
  const mail = renderer.render('received', contextFor(ticket()));

  it('is among the shipped notifications', () => {
    expect(renderer.names()).toContain('received');
  });

  it('has the ticket tag [HD-1] and the ticket subject in its subject line', () => {
    expect(mail.subject).toBe('[HD-1] Printer on fire');
  });

  it('has a plain-text part that greets the requester and names the ticket', () => {
    expect(mail.text).toContain('Hello Ann Customer,');
    expect(mail.text).toContain('opened ticket HD-1');
    expect(mail.text).toContain('Printer on fire');
    expect(mail.text).toContain('-- reply above this line --');
    expect(mail.text).toContain('Acme Support <support@helpdesk.test>');
    expect(mail.text.endsWith('\n')).toBe(true);
  });

  it('has an HTML part in the layout with inlined styles', () => {
    expect(mail.html).toMatch(/^<!DOCTYPE html>/i);
    expect(mail.html).toContain('<strong>HD-1</strong>');
    expect(mail.html).toContain('<title>[HD-1] Printer on fire</title>');
    expect(mail.html).toMatch(/<blockquote style="[^"]+">Printer on fire<\/blockquote>/);
  });

  it('greets without a name when the requester gave none', () => {
    const anonymous = renderer.render('received', contextFor(ticket({ requester_name: null })));
    expect(anonymous.text).toContain('Hello,');
  });

  it('an unknown notification name is a TEMPLATE error', () => {
    expect(templateError(() => renderer.render('no-such-notification', contextFor(ticket()))).code).toBe('TEMPLATE');
  });
});

describe('TemplateRenderer: customer text is data, never template or markup', () => {
  const renderer = new TemplateRenderer([SHIPPED]);
  const hostile = ticket({ subject: 'Help {{7*7}} <script>alert(1)</script> & co', requester_name: '<script>x()</script> {{helpdesk.address}}' });
  const mail = renderer.render('received', contextFor(hostile));

  it('the subject line prints it literally', () => {
    expect(mail.subject).toBe('[HD-1] Help {{7*7}} <script>alert(1)</script> & co');
  });

  it('the text part prints it literally', () => {
    expect(mail.text).toContain('Help {{7*7}} <script>alert(1)</script> & co');
    expect(mail.text).toContain('Hello <script>x()</script> {{helpdesk.address}},');
    expect(mail.text).not.toContain('&lt;');
    expect(mail.text).not.toContain('49');
  });

  it('the HTML part escapes it', () => {
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('Help {{7*7}} &lt;script&gt;alert(1)&lt;/script&gt; &amp; co');
    expect(mail.html).toContain('&lt;script&gt;x()&lt;/script&gt; {{helpdesk.address}}');
    expect(mail.html).not.toContain('49');
  });

  it('a partial an admin shares between the text and the HTML part still escapes it in HTML', () => {
    const dir = overrideDir({ 'received/html.hbs': '<p>{{> greeting}}</p>\n<p>Ticket {{ticket.ref}}</p>' });
    const shared = new TemplateRenderer([dir, SHIPPED]).render('received', contextFor(hostile));
    expect(shared.text).toContain('Hello <script>x()</script> {{helpdesk.address}},');
    expect(shared.html).toContain('Hello &lt;script&gt;x()&lt;/script&gt; {{helpdesk.address}},');
    expect(shared.html).not.toContain('<script>');
  });
});

describe('TemplateRenderer: an admin override directory', () => {
  it('a received/subject.hbs there takes precedence; the other files still come from the shipped set', () => {
    const dir = overrideDir({ 'received/subject.hbs': 'We got it: {{ticket.subject}} [{{ticket.ref}}]\n' });
    const mail = new TemplateRenderer([dir, SHIPPED]).render('received', contextFor(ticket()));
    expect(mail.subject).toBe('We got it: Printer on fire [HD-1]');
    expect(mail.text).toContain('opened ticket HD-1');
    expect(mail.html).toContain('<strong>HD-1</strong>');
  });

  it('an overridden partial is used by the shipped templates', () => {
    const dir = overrideDir({ 'partials/signature.hbs': 'The night shift at {{helpdesk.name}}' });
    const mail = new TemplateRenderer([dir, SHIPPED]).render('received', contextFor(ticket()));
    expect(mail.text).toContain('The night shift at Acme Support');
  });

  it('a new notification folder there becomes available', () => {
    const dir = overrideDir({ 'survey/subject.hbs': '[{{ticket.ref}}] How did we do?', 'survey/text.hbs': 'Rate us.', 'survey/html.hbs': '<p>Rate us.</p>' });
    const renderer = new TemplateRenderer([dir, SHIPPED]);
    expect(renderer.names()).toEqual(expect.arrayContaining(['received', 'survey']));
    expect(renderer.render('survey', contextFor(ticket())).subject).toBe('[HD-1] How did we do?');
  });

  const broken: [string, string, string][] = [
    ['an unclosed block in the subject', 'received/subject.hbs', '[{{ticket.ref}}] {{#if ticket.subject}}{{ticket.subject}}'],
    ['a stray closing tag in the text part', 'received/text.hbs', 'Hello {{/if}}'],
    ['an unterminated mustache in the HTML part', 'received/html.hbs', '<p>{{ticket.ref</p>'],
    ['a syntax error in the layout', 'layout.html.hbs', '<html>{{#each}}</html>'],
    ['a syntax error in a partial', 'partials/greeting.hbs', 'Hello {{#if requester.name}} {{requester.name}},'],
  ];
  it.each(broken)('%s is refused, naming file and line, and the shipped version is used', (_name, relative, source) => {
    const dir = overrideDir({ [relative]: source });
    const renderer = new TemplateRenderer([dir, SHIPPED]);
    const refusal = renderer.refused.find((r) => r.folder === 'received');
    expect(refusal?.keeping).toBe('shipped');
    expect(refusal?.problems[0]?.file).toBe(join(dir, relative));
    expect(refusal?.problems[0]?.line).toBeGreaterThan(0);
    expect(refusal?.problems[0]?.message).not.toContain('\n');
    expect(renderer.render('received', contextFor(ticket())).subject).toBe('[HD-1] Printer on fire');
  });

  it('a template naming a variable that does not exist is refused with file:line; strict mode would have failed at send time', () => {
    const dir = overrideDir({ 'received/subject.hbs': '[{{ticket.ref}}] {{ticket.sujbect}}' });
    const renderer = new TemplateRenderer([dir, SHIPPED]);
    const refusal = renderer.refused.find((r) => r.folder === 'received');
    expect(refusal?.problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([`${join(dir, 'received/subject.hbs')}:1: unknown variable ticket.sujbect`]);
    expect(renderer.render('received', contextFor(ticket())).subject).toBe('[HD-1] Printer on fire');
  });

  it('a broken shipped template (no fallback) is a TEMPLATE error naming the file', () => {
    const dir = overrideDir({ 'received/subject.hbs': '[{{ticket.ref}}] {{#if ticket.subject}}', 'received/text.hbs': 'x', 'received/html.hbs': 'x', 'partials/marker_html.hbs': '', 'partials/footer_html.hbs': '' });
    const err = templateError(() => new TemplateRenderer([dir]));
    expect(err.code).toBe('TEMPLATE');
    expect(err.message).toContain(`${join(dir, 'received/subject.hbs')}:1:`);
  });
});
