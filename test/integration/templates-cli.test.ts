import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

function overrideDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskmail-tpl-cli-'));
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(join(dir, relative, '..'), { recursive: true });
    writeFileSync(join(dir, relative), content);
  }
  return dir;
}

const GERMAN_MAIL = [
  'From: Jonas Kunde <jonas@example.de>',
  'To: support@localhost',
  'Subject: Drucker druckt nur leere Seiten',
  'Message-ID: <de-1@example.de>',
  'Content-Language: de-DE',
  'Date: Mon, 23 Nov 2026 09:00:00 +0100',
  '',
  'Hallo, seit heute druckt der Drucker nur leere Seiten. Bitte helfen Sie mir.',
  '',
].join('\r\n');

describe('deskmail templates (CLI)', () => {
  it('check exits 1 naming file:line of each problem in the override directory', async () => {
    const dir = overrideDir({ 'resolved/subject.hbs': 'Resolved: {{ticket.subject}}', 'received/html.hbs': '<p>{{ticket.ref}}</p>\n<p>{{{requester.name}}} {{requester.nmae}}</p>' });
    const r = await runCli(['templates', 'check'], { env: { DESKMAIL_TEMPLATES_DIR: dir } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${join(dir, 'resolved/subject.hbs')}:1: the subject does not carry the ticket reference`);
    expect(r.stdout).toContain(`${join(dir, 'received/html.hbs')}:2: {{{requester.name}}} outputs customer-provided text unescaped in HTML`);
    expect(r.stdout).toContain(`${join(dir, 'received/html.hbs')}:2: unknown variable requester.nmae`);
  });

  it('vars lists a notification\'s variables, and refuses an unknown name with one line and exit 2', async () => {
    const r = await runCli(['templates', 'vars', 'resolved']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ticket\.subject\s+string\s+\[customer-provided\]/);
    expect(r.stdout).toContain('verifyWindowHours');
    const bad = await runCli(['templates', 'vars', 'resolvd']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('preview renders the sample ticket to the terminal, and a complete .eml with --eml', async () => {
    const r = await runCli(['templates', 'preview', 'resolved', '--locale', 'de']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Subject: [HD-42] Gelöst:');
    expect(r.stdout).toContain('Template: resolved.de');
    const eml = join(mkdtempSync(join(tmpdir(), 'deskmail-eml-')), 'resolved.eml');
    const w = await runCli(['templates', 'preview', 'received', '--eml', eml]);
    expect(w.code, w.stderr).toBe(0);
    const mail = await simpleParser(readFileSync(eml));
    expect(mail.subject).toBe('[HD-42] The printer on floor 2 prints blank pages');
    expect(mail.text).toContain('Thank you for writing to us.');
    expect(mail.html).toContain('style=');
    expect(mail.headers.get('x-deskmail-ticket')).toBe('HD-42');
    // The sender's own headers: an acknowledgment answers the request, suppresses auto-replies, carries our loop token.
    expect(mail.messageId).toMatch(/^<HD-42\.received\.[0-9a-f-]{36}@localhost>$/);
    expect(mail.headers.get('auto-submitted')).toBe('auto-replied');
    expect(mail.headers.get('x-auto-response-suppress')).toBe('All');
    expect(mail.headers.get('x-deskmail-loop')).toBe('support@localhost');
    expect(mail.inReplyTo).toBe('<request.HD-42@example.invalid>');
    expect(mail.replyTo?.text).toBe('support@localhost');
  });

  it('preview --eml of an agent notification carries the signed Reply-To and threads under the ticket, like the real mail', async () => {
    const eml = join(mkdtempSync(join(tmpdir(), 'deskmail-eml-')), 'assigned.eml');
    const w = await runCli(['templates', 'preview', 'assigned', '--eml', eml], { env: { DESKMAIL_SECRET: 'preview-test-secret' } });
    expect(w.code, w.stderr).toBe(0);
    expect(w.stderr).toBe('');
    const mail = await simpleParser(readFileSync(eml));
    const { agentReplyAddress } = await import('../../src/mail/auth.js');
    const agent = mail.to && !Array.isArray(mail.to) ? mail.to.value[0]!.address! : '';
    expect(mail.replyTo?.text).toBe(agentReplyAddress('support@localhost', 'preview-test-secret', 'HD-42', agent));
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.headers.get('references')).toBe('<HD-42@localhost>');
    const unsigned = await runCli(['templates', 'preview', 'assigned', '--eml', eml]);
    expect(unsigned.stderr).toContain('placeholder secret');
  });

  it('a German customer\'s ticket gets the German acknowledgment, and preview --ticket shows it', async () => {
    const env = { DESKMAIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'deskmail-tpl-db-')) };
    const ingest = await runCli(['ingest'], { env, input: GERMAN_MAIL });
    expect(ingest.code, ingest.stderr).toBe(0);
    // The acknowledgment itself went out in German (local mode writes it to data/outbox/).
    const outbox = join(env.DESKMAIL_DATA_DIR, 'outbox');
    const ack = readdirSync(outbox).find((f) => f.includes('.received.'));
    expect(ack).toBeDefined();
    const ackMail = await simpleParser(readFileSync(join(outbox, ack!)));
    expect(ackMail.text).toContain('vielen Dank für Ihre Nachricht');
    const sent = await runCli(['templates', 'preview', 'received', '--ticket', 'HD-1'], { env });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain('Subject: [HD-1] Drucker druckt nur leere Seiten');
    expect(sent.stdout).toContain('Guten Tag Jonas Kunde,');
    expect(sent.stdout).toContain('Template: received.de');
    // --eml --ticket: the same header set as the acknowledgment that really went out, threaded under the same mail.
    const file = join(env.DESKMAIL_DATA_DIR, 'preview.eml');
    const previewed = await runCli(['templates', 'preview', 'received', '--ticket', 'HD-1', '--eml', file], { env });
    expect(previewed.code, previewed.stderr).toBe(0);
    const preview = await simpleParser(readFileSync(file));
    const names = (m: typeof preview): string[] => [...m.headers.keys()].filter((k) => !['date', 'mime-version', 'content-type'].includes(k)).sort();
    expect(names(preview)).toEqual(names(ackMail));
    for (const h of ['auto-submitted', 'x-auto-response-suppress', 'x-deskmail-loop', 'x-deskmail-ticket', 'in-reply-to', 'references', 'reply-to']) {
      expect(JSON.stringify(preview.headers.get(h)), h).toBe(JSON.stringify(ackMail.headers.get(h)));
    }
    expect(preview.html).toMatch(/<html lang="de">/);
    const missing = await runCli(['templates', 'preview', 'received', '--ticket', 'HD-99'], { env });
    expect(missing.code).toBe(2);
  });
});
