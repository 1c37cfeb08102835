import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { requesterLanguage, languageFromHeader, languageOfText } from '../../src/mail/language.js';
import { silentLogger } from '../../src/log.js';
import { TemplateRenderer } from '../../src/outbox/render.js';
import { checkTemplates, formatProblem } from '../../src/outbox/template-check.js';
import { sampleVars } from '../../src/outbox/template-sample.js';
import { TemplatesWatcher } from '../../src/outbox/template-watch.js';
import { allVariables, baseName, LAYOUT_VARIABLES, NOTIFICATIONS } from '../../src/outbox/template-vars.js';

const SHIPPED = loadConfig({}).templatesDir;
const HELPDESK = { name: 'Acme Support', address: 'support@helpdesk.test' };
const sample = (): Record<string, unknown> => ({ ...sampleVars(HELPDESK, 'HD-7') });

const tempDirs: string[] = [];
function overrideDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskmail-check-'));
  tempDirs.push(dir);
  write(dir, files);
  return dir;
}
function write(dir: string, files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, relative)), { recursive: true });
    writeFileSync(join(dir, relative), content);
  }
}
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The problems an override adds to the shipped set (others' work in progress may have its own). */
function problemsOf(dir: string): string[] {
  return checkTemplates([dir, SHIPPED]).problems.filter((p) => p.file.startsWith(dir)).map(formatProblem);
}

describe('the variable registry', () => {
  it('has an entry for every shipped notification folder', () => {
    const folders = readdirSync(SHIPPED, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'partials').map((e) => baseName(e.name));
    const missing = [...new Set(folders)].filter((name) => !NOTIFICATIONS[name]);
    expect(missing, `templates/${missing.join(', templates/')}: add an entry to NOTIFICATIONS in src/outbox/template-vars.ts (audience, description, variable groups)`).toEqual([]);
  });

  it('lists every variable the sample context carries, and nothing it lacks', () => {
    const leaves: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (path) leaves.push(path);
      if (Array.isArray(value)) value.forEach((item) => walk(item, `${path}[]`));
      else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
    };
    walk(sample(), '');
    const registered = new Set(allVariables().map((v) => v.path));
    // An object inside a list (results[]) is documented by its fields.
    const unregistered = [...new Set(leaves)].filter((p) => !registered.has(p) && ![...registered].some((r) => r.startsWith(`${p}.`)));
    expect(unregistered, `add these to VARIABLES in src/outbox/template-vars.ts: ${unregistered.join(', ')}`).toEqual([]);
    const topLevel = new Set(Object.keys(sample()));
    const stale = [...registered].filter((p) => !topLevel.has(p.split(/[.[]/)[0]!));
    expect(stale, 'registered but not in TemplateVars').toEqual([]);
    expect(LAYOUT_VARIABLES.map((v) => v.path)).toEqual(['body', 'subject']);
  });

  it('every shipped template names only registered variables', () => {
    const unknown = checkTemplates([SHIPPED]).problems.filter((p) => p.message.startsWith('unknown variable')).map(formatProblem);
    expect(unknown, 'register these in VARIABLES in src/outbox/template-vars.ts (and fill them in TemplateVars)').toEqual([]);
  });

  it('every shipped notification renders with the sample ticket', () => {
    const renderer = new TemplateRenderer([SHIPPED]);
    for (const name of Object.keys(NOTIFICATIONS).filter((n) => renderer.names().includes(n))) {
      const mail = renderer.render(name, sample());
      if (!NOTIFICATIONS[name]!.noTicket) expect(mail.subject, name).toContain('[HD-7]');
      expect(mail.text.trim(), name).not.toBe('');
      expect(mail.html, name).toMatch(/^<!DOCTYPE html>/i);
    }
  });
});

describe('templates check', () => {
  it('names file and line of a syntax error', () => {
    const dir = overrideDir({ 'resolved/text.hbs': 'Hello\n\n{{#if note}}\n{{note}}\n' });
    const problems = problemsOf(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${join(dir, 'resolved/text.hbs')}:\\d+: Parse error`));
  });

  it('names an unknown variable with its line, inside #each and #with blocks', () => {
    const dir = overrideDir({
      'command_result/text.hbs': '{{> marker_text}}\n{{#each results}}\n{{line}} {{mesage}}\n{{/each}}\n{{#with ticket.assignee}}{{name}} {{phone}}{{/with}}\n{{#each ticket.tags as |tag|}}{{tag}} {{tag.colour}} {{@index}}{{/each}}',
    });
    expect(problemsOf(dir)).toEqual([
      `${join(dir, 'command_result/text.hbs')}:3: unknown variable mesage (results[].mesage)`,
      `${join(dir, 'command_result/text.hbs')}:5: unknown variable phone (ticket.assignee.phone)`,
      `${join(dir, 'command_result/text.hbs')}:6: unknown variable tag.colour (ticket.tags[].colour)`,
    ]);
  });

  it('follows partials: an unknown variable in a partial is reported in the partial file', () => {
    const dir = overrideDir({ 'partials/signature.hbs': '{{helpdesk.name}}\n{{helpdesk.phone}}' });
    expect(problemsOf(dir)).toEqual([`${join(dir, 'partials/signature.hbs')}:2: unknown variable helpdesk.phone`]);
  });

  it('reports a partial that does not exist', () => {
    const dir = overrideDir({ 'received/text.hbs': '{{> marker_text}}\n{{> greting}}' });
    expect(problemsOf(dir)[0]).toMatch(/received\/text\.hbs:2: partial greting not found/);
  });

  it('refuses triple-stash on customer-provided text, but not the layout\'s {{{body}}}', () => {
    const dir = overrideDir({ 'received/html.hbs': '<p>{{ticket.ref}}</p>\n<p>{{{ticket.subject}}}</p>\n<p>{{{helpdesk.name}}}</p>' });
    expect(problemsOf(dir)).toEqual([`${join(dir, 'received/html.hbs')}:2: {{{ticket.subject}}} outputs customer-provided text unescaped in HTML: use {{ticket.subject}}`]);
  });

  it('requires the ticket reference in every subject, outside any condition', () => {
    const dir = overrideDir({ 'received/subject.hbs': '{{#if ticket.ref}}[{{ticket.ref}}]{{/if}} We got it' });
    expect(problemsOf(dir)).toEqual([`${join(dir, 'received/subject.hbs')}:1: the subject does not carry the ticket reference: add [{{ticket.ref}}] (outside any {{#if}})`]);
  });

  it('reports a missing part of a new folder and a folder deskmail never sends', () => {
    const dir = overrideDir({ 'resolved.fr/subject.hbs': '[{{ticket.ref}}] Résolu', 'survey/subject.hbs': '[{{ticket.ref}}]', 'survey/text.hbs': 'x', 'survey/html.hbs': 'x' });
    const problems = problemsOf(dir);
    expect(problems).toContain(`${join(dir, 'resolved.fr/text.hbs')}: missing (a notification needs subject.hbs, text.hbs and html.hbs)`);
    expect(problems).toContain(`${join(dir, 'resolved.fr/html.hbs')}: missing (a notification needs subject.hbs, text.hbs and html.hbs)`);
    expect(problems.some((p) => p.startsWith(`${join(dir, 'survey')}: deskmail sends no notification named "survey"`))).toBe(true);
  });
});

describe('locale variants', () => {
  const renderer = new TemplateRenderer([SHIPPED]);

  it('ships German received and resolved', () => {
    expect(renderer.locales('received')).toContain('de');
    expect(renderer.locales('resolved')).toContain('de');
  });

  it('a German requester gets the German variant, with German partials', () => {
    const mail = renderer.render('resolved', sample(), 'de');
    expect(mail.subject).toBe('[HD-7] Gelöst: The printer on floor 2 prints blank pages');
    expect(mail.text).toContain('Guten Tag Alice Customer,');
    expect(mail.text).toContain('innerhalb von 48 Stunden');
    expect(mail.text).toContain('reply above this line');
    expect(mail.html).toContain('Vielen Dank für Ihre Geduld.');
  });

  it('falls back: de-AT uses de; French and no language use the default', () => {
    expect(renderer.variant('received', 'de-AT')).toBe('received.de');
    expect(renderer.render('received', sample(), 'fr').subject).toBe('[HD-7] The printer on floor 2 prints blank pages');
    expect(renderer.render('received', sample(), null).text).toContain('Thank you for writing to us.');
    expect(renderer.render('work_begun', sample(), 'de').text).not.toContain('Guten Tag');
  });

  it('customer text in a German mail is still escaped, and {{…}} in it printed literally', () => {
    const vars = sampleVars(HELPDESK, 'HD-7');
    const mail = renderer.render('received', { ...vars, ticket: { ...vars.ticket, subject: 'Hilfe {{helpdesk.address}} <script>x()</script>' } }, 'de');
    expect(mail.subject).toBe('[HD-7] Hilfe {{helpdesk.address}} <script>x()</script>');
    expect(mail.html).toContain('Hilfe {{helpdesk.address}} &lt;script&gt;x()&lt;/script&gt;');
    expect(mail.html).not.toContain('<script>');
  });

  it('the requester\'s language comes from Content-Language, then Accept-Language, then the text', () => {
    expect(languageFromHeader('de-DE')).toBe('de');
    expect(languageFromHeader('en;q=0.5, de-CH;q=0.9')).toBe('de');
    expect(requesterLanguage(new Map([['content-language', ['fr']], ['accept-language', ['de']]]), '')).toBe('fr');
    expect(requesterLanguage(new Map([['accept-language', ['de-DE, en-US']]]), 'the printer is broken')).toBe('de');
    expect(languageOfText('Hallo, seit heute morgen kann ich mich nicht mehr anmelden. Bitte helfen Sie mir, danke!')).toBe('de');
    expect(languageOfText('Hello, since this morning I cannot log in to my account. Can you help?')).toBe('en');
    expect(languageOfText('Printer broken')).toBeUndefined();
  });
});

describe('live reload', () => {
  function started(dir: string): { renderer: TemplateRenderer; watcher: TemplatesWatcher; lines: string[] } {
    const renderer = new TemplateRenderer([dir, SHIPPED]);
    const lines: string[] = [];
    const log = silentLogger();
    log.error = ((msg: string) => void lines.push(msg)) as typeof log.error;
    const watcher = TemplatesWatcher.start(renderer, [dir, SHIPPED], { log, pollMs: 50, settleMs: 20 });
    return { renderer, watcher, lines };
  }
  const until = async (ok: () => boolean): Promise<void> => {
    for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 30));
  };

  it('an override written while running is picked up; a broken one is refused with one line and the previous keeps working', async () => {
    const dir = overrideDir({ 'received/subject.hbs': '[{{ticket.ref}}] First: {{ticket.subject}}' });
    const { renderer, watcher, lines } = started(dir);
    try {
      expect(renderer.render('received', sample()).subject).toMatch(/^\[HD-7\] First:/);
      write(dir, { 'received/subject.hbs': '[{{ticket.ref}}] Second: {{ticket.subject}}' });
      await until(() => renderer.render('received', sample()).subject.includes('Second:'));
      expect(renderer.render('received', sample()).subject).toMatch(/^\[HD-7\] Second:/);

      // Broken: resolved does not compile, received names an unknown variable; work_begun is a good edit.
      write(dir, {
        'received/subject.hbs': '[{{ticket.ref}}] Third: {{ticket.sujbect}}',
        'resolved/subject.hbs': '[{{ticket.ref}}] {{#if note}}',
        'work_begun/subject.hbs': '[{{ticket.ref}}] On it: {{ticket.subject}}',
      });
      await until(() => renderer.render('work_begun', sample()).subject.includes('On it:'));
      await until(() => lines.length >= 2);
      expect(renderer.render('work_begun', sample()).subject).toMatch(/^\[HD-7\] On it:/);
      expect(renderer.render('received', sample()).subject).toMatch(/^\[HD-7\] Second:/);
      expect(renderer.render('resolved', sample()).subject).toMatch(/^\[HD-7\] Resolved:/);
      expect(lines).toHaveLength(2);
      expect(lines).toContainEqual(`template refused: ${join(dir, 'received/subject.hbs')}:1: unknown variable ticket.sujbect (keeping the previous version of received)`);
      expect(lines.some((l) => l.startsWith(`template refused: ${join(dir, 'resolved/subject.hbs')}:1: Parse error`) && l.endsWith('(keeping the previous version of resolved)'))).toBe(true);

      // Unchanged problems are not logged again when something else changes.
      write(dir, { 'work_begun/subject.hbs': '[{{ticket.ref}}] Still on it: {{ticket.subject}}' });
      await until(() => renderer.render('work_begun', sample()).subject.includes('Still on it:'));
      expect(lines).toHaveLength(2);
    } finally {
      watcher.close();
    }
  });

  it('a broken partial keeps the notifications that use it at their previous version', async () => {
    const dir = overrideDir({ 'partials/signature.hbs': 'The day shift' });
    const { renderer, watcher, lines } = started(dir);
    try {
      write(dir, { 'partials/signature.hbs': 'The night shift {{#if x}}' });
      await until(() => lines.length > 0);
      expect(lines[0]).toMatch(/partials\/signature\.hbs:1: Parse error.*keeping the previous version of .*received/);
      expect(renderer.render('received', sample()).text).toContain('The day shift');
    } finally {
      watcher.close();
    }
  });
});
