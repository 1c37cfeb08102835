import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { templateVars, type TemplateVars } from '../../src/outbox/context.js';
import { TemplateRenderer, type RenderedMail } from '../../src/outbox/render.js';
import { sampleInput } from '../../src/outbox/template-sample.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TEMPLATES = join(root, 'templates');
const renderer = new TemplateRenderer([TEMPLATES]);

/** The notifications the agent workflow needs; the shipped set must hold at least these. */
const CUSTOMER = ['received', 'agent_reply', 'work_begun', 'waiting_for_you', 'escalated', 'resolved', 'closed', 'project', 'merged', 'reopened'];
const AGENT = ['escalated_leads', 'new_ticket', 'assigned', 'customer_replied', 'command_result', 'forged_warning'];
/** Mail about no one ticket (the weekly digest to the leads): tested on its own below. */
const TICKETLESS = ['weekly_digest', 'fetch_stalled'];

const ALL_UPDATES: TemplateVars['updates'] = { workBegun: true, waitingForYou: true, escalated: true, resolved: true, closed: true, project: true, merged: true };
const NO_UPDATES: TemplateVars['updates'] = { workBegun: false, waitingForYou: false, escalated: false, resolved: false, closed: false, project: false, merged: false };

const SAMPLE = sampleInput({ name: 'Acme Support', address: 'support@helpdesk.test' }, 'HD-7');

/** Every variable filled in: the preview's sample ticket, with every update, a failed command, a warning and the verbs. */
function full(patch: Partial<TemplateVars> = {}): TemplateVars {
  return templateVars({
    ...SAMPLE,
    ticket: { ...SAMPLE.ticket, mergedInto: 'HD-12' },
    updates: ALL_UPDATES,
    results: [{ line: '#priority urgentish', ok: false, message: '#priority needs P1..P4 or critical, high, medium, low (got "urgentish")' }, ...SAMPLE.results],
    warnings: ['bob@example.com now holds 4 open tickets, above the cap of 3'],
    verbs: ['#assign EMAIL|NAME|me — give the ticket an owner', '#help — this list and the ticket\'s state'],
    ...patch,
  });
}

/** Everything nullable null, every list empty, every flag false. */
function sparse(patch: Partial<TemplateVars> = {}): TemplateVars {
  const f = full();
  return templateVars({
    helpdesk: f.helpdesk,
    ticket: { ...f.ticket, status: 'new', statusText: 'new', category: null, tags: [], assignee: null, resolution: null, mergedInto: null },
    requester: { email: 'alice@example.com', name: null },
    ...patch,
  });
}

const variants: [string, () => TemplateVars][] = [
  ['a full context', () => full()],
  ['a full context, commands not applied', () => full({ applied: false })],
  ['a full context without updates or verbs', () => full({ updates: NO_UPDATES, verbs: null, warnings: [] })],
  ['nullable fields null', () => sparse()],
  ['nullable fields null, all updates set', () => sparse({ updates: ALL_UPDATES })],
];

/** An HTML start or end tag, e.g. <p>, </b>, <br/>, <a href=…> (not an address in angle brackets). */
const HTML_TAG = /<\/?[a-z][a-z0-9]*(?:\s[^>]*)?\/?>/i;

function render(name: string, vars: TemplateVars): RenderedMail {
  return renderer.render(name, { ...vars });
}

describe('shipped notification templates', () => {
  it('include every notification of the agent workflow', () => {
    expect(renderer.names()).toEqual(expect.arrayContaining([...CUSTOMER, ...AGENT]));
  });

  describe.each(renderer.names().filter((n) => !TICKETLESS.includes(n)))('%s', (name) => {
    it.each(variants)('renders in strict mode with %s', (_label, make) => {
      const mail = render(name, make());
      expect(mail.subject).toContain('[HD-7]');
      expect(mail.subject.startsWith('[HD-7]')).toBe(true);
      expect(mail.text.trim().length).toBeGreaterThan(0);
      expect(mail.text).not.toMatch(HTML_TAG);
      expect(mail.text).not.toMatch(/&(?:lt|gt|amp|quot|#x?[0-9a-f]+);/i);
      expect(mail.text).not.toContain('[object Object]');
      expect(mail.html).toMatch(/^<!DOCTYPE html>/i);
      expect(mail.html).toMatch(/<\/html>\s*$/);
      expect(mail.html).toMatch(/<body style="[^"]+"/);
      expect(mail.html).toMatch(/<p class="meta" style="[^"]+"/);
      expect(mail.html).not.toContain('<style');
      expect(mail.html).not.toContain('[object Object]');
    });

    it('starts the text part with the reply marker', () => {
      expect(render(name, full()).text.startsWith('-- reply above this line --\n')).toBe(true);
    });

    it('has no text line starting with "#" (a quoted notification must never read as a command)', () => {
      expect(render(name, full()).text).not.toMatch(/^\s*#/m);
      expect(render(name, full({ applied: false })).text).not.toMatch(/^\s*#/m);
    });
  });
});

describe('agent_reply', () => {
  it('carries the agent\'s text, signed with the agent and the helpdesk, under the plain subject', () => {
    const mail = render('agent_reply', full({ updates: NO_UPDATES }));
    expect(mail.subject).toBe('[HD-7] The printer on floor 2 prints blank pages');
    expect(mail.text).toContain('since this morning the printer only prints blank pages.\nCan you help?');
    expect(mail.text).toContain('Bob Agent\nAcme Support');
    expect(mail.html).toContain('Bob Agent<br>Acme Support');
    expect(mail.text).not.toContain('resolved');
  });

  it('with updates.resolved tells what was done and the 48-hour window', () => {
    const mail = render('agent_reply', full({ updates: { ...NO_UPDATES, resolved: true }, note: 'Cleaned the rollers.' }));
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('What we did:');
      expect(part).toContain('Cleaned the rollers.');
      expect(part).toContain('reply within 48 hours and we');
    }
    expect(mail.text).toContain("reply within 48 hours and we'll reopen it");
  });

  it('tells each change in the same mail, one sentence per flag', () => {
    const mail = render('agent_reply', full({ updates: { ...NO_UPDATES, workBegun: true, waitingForYou: true }, note: null }));
    expect(mail.text).toContain('We have started working on your request.');
    expect(mail.text).toContain('We need your answer to continue — just reply to this mail.');
    expect(mail.text).not.toContain('What we did');
    const merged = render('agent_reply', full({ updates: { ...NO_UPDATES, merged: true }, note: 'HD-12' }));
    expect(merged.text).toContain('your request continues as HD-12');
  });

  it('never shows the internal escalation note to the customer', () => {
    const mail = render('agent_reply', full({ updates: { ...NO_UPDATES, escalated: true }, note: 'customer is difficult' }));
    expect(mail.text).toContain('senior team');
    expect(mail.text).not.toContain('customer is difficult');
    expect(mail.html).not.toContain('customer is difficult');
    const standalone = render('escalated', full({ note: 'customer is difficult' }));
    expect(standalone.text).not.toContain('customer is difficult');
    expect(standalone.html).not.toContain('customer is difficult');
  });
});

describe('standalone customer updates', () => {
  it('resolved shows what was done and the verification window', () => {
    const mail = render('resolved', full({ note: 'Cleaned the rollers.', verifyWindowHours: 24 }));
    expect(mail.subject).toBe('[HD-7] Resolved: The printer on floor 2 prints blank pages');
    expect(mail.text).toContain('Cleaned the rollers.');
    expect(mail.text).toContain("reply within 24 hours and we'll reopen it");
  });

  it('project gives the reason, merged the ticket it continues as', () => {
    expect(render('project', full({ note: 'Needs a new print server.' })).text).toContain('Needs a new print server.');
    const merged = render('merged', full({ note: 'HD-12' }));
    expect(merged.subject).toContain('HD-12');
    expect(merged.text).toContain('Your request continues as HD-12.');
  });
});

describe('command_result', () => {
  it('lists what was done when applied', () => {
    const mail = render('command_result', full({ applied: true, results: [{ line: '#priority P1', ok: true, message: 'priority P1' }], verbs: null, warnings: [] }));
    expect(mail.text).toContain('Done:');
    expect(mail.text).toContain('#priority P1');
    expect(mail.text).toContain('→ priority P1');
    expect(mail.text).not.toContain('Nothing was changed');
  });

  it('lists each failed line with its reason, and the lines that would have worked, when not applied', () => {
    const mail = render('command_result', full({ applied: false, verbs: null }));
    expect(mail.text).toContain('Nothing was changed and nothing was sent to the customer, because:');
    expect(mail.text).toContain('#priority urgentish\n    ✗ #priority needs P1..P4');
    expect(mail.text).toContain('#assign me\n    ✓ fine, would have worked: assigned to Bob Agent <bob@example.com>');
    expect(mail.text.indexOf('#priority urgentish')).toBeLessThan(mail.text.indexOf('#assign me'));
    expect(mail.text).not.toContain('Done:');
    expect(mail.html).toContain('Nothing was changed and nothing was sent to the customer');
    expect(mail.html).toContain('#priority urgentish');
  });

  it('lists the warnings', () => {
    expect(render('command_result', full()).text).toContain('above the cap of 3');
  });

  it('lists the verbs and the ticket\'s state for #help', () => {
    const mail = render('command_result', full({ verbs: ['#assign EMAIL|NAME|me — give the ticket an owner', '#close — close the ticket'] }));
    expect(mail.text).toContain('#assign EMAIL|NAME|me — give the ticket an owner');
    expect(mail.text).toContain('#close — close the ticket');
    expect(mail.text).toMatch(/Status:\s+in progress/);
    expect(mail.text).toMatch(/Priority:\s+P2/);
    expect(mail.text).toMatch(/Category:\s+hardware/);
    expect(mail.text).toMatch(/Assigned to:\s+Bob Agent <bob@example.com>/);
    expect(mail.text).toMatch(/Tags:\s+printer, floor-2/);
    expect(mail.html).toContain('#close — close the ticket');
    const without = render('command_result', full({ verbs: null }));
    expect(without.text).not.toContain('#close — close the ticket');
  });
});

describe('agent notifications', () => {
  it('quote the customer\'s message, indented, with the ticket summary', () => {
    for (const name of ['new_ticket', 'customer_replied', 'assigned', 'escalated_leads']) {
      const mail = render(name, full());
      expect(mail.text, name).toContain('Alice Customer <alice@example.com> wrote:\n\n    Hello,\n');
      expect(mail.text, name).toContain('    since this morning the printer only prints blank pages.\n    Can you help?');
      expect(mail.text, name).toMatch(/Ticket:\s+HD-7 — The printer on floor 2 prints blank pages/);
      expect(mail.html, name).toMatch(/<blockquote style="[^"]+">Hello,\n\nsince this morning the printer only prints blank pages.\nCan you help\?<\/blockquote>/);
    }
  });

  it('escalated_leads names who escalated and why', () => {
    const mail = render('escalated_leads', full({ note: 'Needs a vendor contact.' }));
    expect(mail.text).toContain('Bob Agent <bob@example.com> has escalated ticket HD-7');
    expect(mail.text).toContain('Needs a vendor contact.');
  });

  it('customer_replied to the leads says nobody owns the ticket', () => {
    const mail = render('customer_replied', sparse({ message: full().message }));
    expect(mail.text).toContain('Hello,');
    expect(mail.text).toContain('nobody owns yet');
  });

  it('forged_warning shows the suspicious mail', () => {
    const mail = render('forged_warning', full());
    expect(mail.text).toContain('DMARC failed for example.com');
    expect(mail.text).toContain('Re: [HD-7] The printer on floor 2 prints blank pages');
    expect(mail.text).toContain('flagged as suspicious');
    expect(mail.text).toContain('DKIM and DMARC');
    expect(mail.subject).toBe('[HD-7] Warning: a mail sent as you could not be authenticated');
    expect(mail.text).toContain('could not be authenticated');
  });
});

describe('customer and agent text is data, never template or markup', () => {
  const hostile = '<b>x</b> {{7*7}}';
  const vars = (): TemplateVars => {
    const f = full({ applied: false });
    return {
      ...f,
      ticket: { ...f.ticket, subject: hostile, category: hostile, tags: [hostile], resolution: hostile },
      requester: { email: 'alice@example.com', name: hostile },
      agent: { name: hostile, email: 'bob@example.com' },
      note: hostile,
      message: { body: hostile, from: hostile },
      results: [{ line: hostile, ok: false, message: hostile }],
      warnings: [hostile],
      verbs: [hostile],
      forged: { from: hostile, subject: hostile, reason: hostile },
      // A mail server's error text is outside text too.
      stall: { recovered: false, mailbox: hostile, since: hostile, reason: hostile, at: hostile },
    };
  };

  it('agent_reply prints the agent\'s text literally in the text part and escaped in HTML', () => {
    const mail = render('agent_reply', vars());
    expect(mail.subject).toBe(`[HD-7] ${hostile}`);
    expect(mail.text).toContain(hostile);
    expect(mail.html).toContain('&lt;b&gt;x&lt;/b&gt; {{7*7}}');
    expect(mail.html).not.toContain('<b>x</b>');
    expect(mail.html).not.toContain('49');
    expect(mail.text).not.toContain('49');
  });

  it.each(renderer.names())('%s escapes it in HTML and prints it literally in text', (name) => {
    const mail = render(name, vars());
    expect(mail.text).toContain(hostile);
    expect(mail.text).not.toContain('&lt;');
    expect(mail.text).not.toContain('49');
    expect(mail.html).toContain('&lt;b&gt;x&lt;/b&gt; {{7*7}}');
    expect(mail.html).not.toContain('<b>x</b>');
    expect(mail.html).not.toContain('49');
  });
});

describe('template sources', () => {
  function hbsFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? hbsFiles(join(dir, e.name)) : e.name.endsWith('.hbs') ? [join(dir, e.name)] : []));
  }
  const files = hbsFiles(TEMPLATES);

  it('use no unescaped output ({{{…}}} or {{&…}}) except {{{body}}} in the layout', () => {
    expect(files.length).toBeGreaterThan(40);
    const unescaped = files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\{\{~?\s*(?:\{|&)[^}]*\}*/g)].map((m) => `${relative(TEMPLATES, file)}: ${m[0]}`));
    expect(unescaped.sort()).toEqual(['layout.de.html.hbs: {{{body}}}', 'layout.html.hbs: {{{body}}}']);
  });

  it('every notification folder has subject.hbs, text.hbs and html.hbs', () => {
    for (const name of renderer.names()) {
      for (const part of ['subject.hbs', 'text.hbs', 'html.hbs']) expect(files, `${name}/${part}`).toContain(join(TEMPLATES, name, part));
    }
  });
});

describe('weekly_digest', () => {
  const digest = {
    since: '2026-11-16',
    until: '2026-11-23',
    figures: [
      { label: 'First-contact resolution', value: '71.4 % (5/7)', target: '> 70 %', met: true, missed: false },
      { label: 'Escalated', value: '20 % (2/10)', target: '< 15 %', met: false, missed: true },
      { label: 'CSAT average', value: '4.2 of 5 (9 ratings)', target: null, met: false, missed: false },
    ],
    backlog: [{ status: 'in progress', count: 3 }],
    withoutPrevention: ['HD-4  The printer on floor 2 prints blank pages'],
    kbCandidates: ['HD-8  VPN split tunnel — write the article'],
  };
  const context = { helpdesk: { name: 'Acme Support', address: 'support@helpdesk.test' }, agent: { name: 'Lena Lead', email: 'lena@acme.test' }, digest };

  it('shows each figure beside its target, met or missed, and the lists to act on', () => {
    const mail = renderer.render('weekly_digest', context);
    expect(mail.subject).toBe('Acme Support weekly digest: 2026-11-16 to 2026-11-23');
    expect(mail.text).toContain('First-contact resolution: 71.4 % (5/7)   (target > 70 %, met)');
    expect(mail.text).toContain('Escalated: 20 % (2/10)   (target < 15 %, missed)');
    expect(mail.text).toContain('HD-8  VPN split tunnel — write the article');
    expect(mail.text).not.toMatch(/^\s*#/m);
    expect(mail.html).toContain('✗ missed');
    expect(mail.html).not.toContain('[object Object]');
  });
});

describe('csat', () => {
  const links = [5, 4, 3, 2, 1].map((rating) => ({ rating, label: String(rating), href: `mailto:support+HD-7.csat${rating}.abc@helpdesk.test?subject=Rating%20${rating}` }));

  it('offers one link per rating in both parts, and a plain reply', () => {
    const mail = render('csat', full({ csat: { links, rating: null, label: null, comment: null, windowDays: 14 } }));
    expect(mail.subject).toBe('[HD-7] How did we do? The printer on floor 2 prints blank pages');
    for (const l of links) {
      expect(mail.text).toContain(l.href);
      // Handlebars escapes "=" as &#x3D; in attributes; a browser reads it back as "=".
      expect(mail.html).toContain(`href="${l.href.replace(/=/g, '&#x3D;')}"`);
    }
    expect(mail.text).toContain('reply to this mail with a number from 1 (terrible) to 5 (great)');
    expect(mail.text).toContain('within 14 days');
  });

  it('thanks the customer with their rating and comment; tells the leads about a low one', () => {
    const csat = { links: [], rating: 2, label: 'Bad', comment: 'Took a week.', windowDays: 14 };
    const thanks = render('csat_thanks', full({ csat }));
    expect(thanks.text).toContain('2 of 5 (Bad)');
    expect(thanks.text).toContain('Took a week.');
    const low = render('csat_low', full({ csat }));
    expect(low.subject).toBe('[HD-7] Low satisfaction rating (2/5): The printer on floor 2 prints blank pages');
    expect(low.text).toContain('Took a week.');
  });
});

describe('the German layout', () => {
  it('wraps the German variants with lang="de"; the default folders keep lang="en", even for a German ticket', () => {
    expect(renderer.render('resolved', full() as unknown as Record<string, unknown>, 'de-AT').html).toMatch(/<html lang="de">/);
    expect(renderer.render('received', full() as unknown as Record<string, unknown>, 'de').html).toMatch(/<html lang="de">/);
    expect(renderer.render('resolved', full() as unknown as Record<string, unknown>).html).toMatch(/<html lang="en">/);
    // No German `closed` folder: the English body keeps the English layout.
    expect(renderer.render('closed', full() as unknown as Record<string, unknown>, 'de').html).toMatch(/<html lang="en">/);
  });
});
