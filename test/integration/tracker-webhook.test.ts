import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketView } from '../../src/cli/tickets.js';
import { loadConfig } from '../../src/config.js';
import { openContext, type AppContext } from '../../src/context.js';
import { trackerHook } from '../../src/http/tracker-hook.js';
import { silentLogger } from '../../src/log.js';
import { folderTransport, OutboxSender } from '../../src/outbox/send.js';
import { webhookSignature } from '../../src/outbox/webhook.js';
import { receiveMail } from '../../src/receive.js';
import { parseRules } from '../../src/rules-file.js';
import { upsertAgent } from '../../src/store/agents.js';
import { freshDatabase } from '../support/postgres.js';

const SECRET = 'outgoing-secret-0123456789';
const INBOUND = 'inbound-secret-9876543210';

interface Call {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook tracker for real: a node:http server that fails first, then files the item as APP-7. */
function fakeTracker(answers: { status: number; body: string }[]): Promise<{ server: Server; url: string; calls: Call[] }> {
  const calls: Call[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bugs`, calls })));
}

function post(port: number, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function signed(body: string, delivery: string, opts: { secret?: string; at?: number } = {}): Record<string, string> {
  const ts = String(opts.at ?? Math.floor(Date.now() / 1000));
  return { 'x-deskmail-signature': webhookSignature(opts.secret ?? INBOUND, ts, body), 'x-deskmail-timestamp': ts, 'x-deskmail-delivery': delivery };
}

describe('bugs to a webhook tracker, and its signed calls back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deskmail-hook-'));
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let ctx: AppContext;
  let tracker: Awaited<ReturnType<typeof fakeTracker>>;
  let hookServer: Server;
  let hookPort = 0;
  let sender: OutboxSender;
  let seq = 0;

  const mail = (from: string, subject: string, body: string) =>
    receiveMail(ctx, Buffer.from(`From: ${from}\nTo: support@helpdesk.test\nSubject: ${subject}\nMessage-ID: <hook-${++seq}@example.test>\nDate: ${new Date().toUTCString()}\n\n${body}\n`), { source: `test:${seq}` });

  beforeAll(async () => {
    db = await freshDatabase();
    tracker = await fakeTracker([
      { status: 500, body: '{"error":"database down"}' },
      { status: 201, body: '{"issue":{"key":"APP-7"}}' },
    ]);
    const file = join(dir, 'trackers.yaml');
    writeFileSync(file, `trackers:\n  api:\n    kind: webhook\n    url: ${tracker.url}\n    secret: ${SECRET}\n    key_path: issue.key\n    inbound_secret: ${INBOUND}\n`);
    ctx = await openContext(loadConfig({ DATABASE_URL: db.url, HELPDESK_ADDRESS: 'support@helpdesk.test', AGENT_AUTH: 'off', DESKMAIL_DATA_DIR: dir, DESKMAIL_TRACKERS: file }), silentLogger());
    await upsertAgent(ctx.db, { email: 'bob@helpdesk.test', name: 'Bob Agent', role: 'agent', skills: [] });
    await upsertAgent(ctx.db, { email: 'ann@helpdesk.test', name: 'Ann Agent', role: 'agent', skills: [] });
    sender = new OutboxSender(ctx.db, folderTransport(join(dir, 'outbox')), silentLogger(), { fromName: 'Support', trackers: ctx.config.trackers });
    hookServer = createServer((req, res) => {
      void trackerHook(ctx)(req, res).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', () => resolve()));
    hookPort = (hookServer.address() as AddressInfo).port;
  });

  afterAll(async () => {
    hookServer?.close();
    tracker?.server.close();
    await ctx?.close();
    await db?.drop();
  });

  it('files the bug through the outbox: signed POST, a 500 retried with backoff, then the key stored', async () => {
    await mail('carol@customer.test', 'Export crashes', 'Export to CSV crashes every time I click it.');
    await mail('bob@helpdesk.test', 'Re: [HD-1] Export crashes', '#assign me\n#bug Export to CSV crashes\n1. open any report\n2. click Export');
    let t = await ticketView(ctx.db, 'HD-1');
    expect(t).toMatchObject({ status: 'waiting_third_party', category: 'Bug', bugs: [{ key: null, tracker: 'api', status: 'filed', summary: 'Export to CSV crashes' }] });
    // The steps stay internal: nothing but the acknowledgment went to the customer.
    expect(t.messages.filter((m) => m.direction === 'out').map((m) => m.body).join('\n')).not.toContain('click Export');

    await sender.drainOnce();
    expect(tracker.calls).toHaveLength(1);
    const first = tracker.calls[0]!;
    const ts = first.headers['x-deskmail-timestamp'] as string;
    expect(first.headers['x-deskmail-signature']).toBe(webhookSignature(SECRET, ts, first.body));
    expect(JSON.parse(first.body)).toMatchObject({ event: 'bug.filed', ticket: 'HD-1', summary: 'Export to CSV crashes', description: 'Export to CSV crashes every time I click it.', steps: '1. open any report\n2. click Export' });
    const row = (await ctx.db('outbox').where({ kind: 'webhook' }).first()) as { status: string; attempts: number; last_error: string; next_attempt_at: Date };
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.last_error).toMatch(/HTTP 500/);
    expect(new Date(row.next_attempt_at).getTime()).toBeGreaterThan(Date.now() + 5_000); // backoff, not a tight loop

    await ctx.db('outbox').where({ kind: 'webhook' }).update({ next_attempt_at: ctx.db.fn.now() });
    await sender.drainOnce();
    expect(tracker.calls).toHaveLength(2);
    expect(tracker.calls[1]!.headers['x-deskmail-delivery']).toBe(first.headers['x-deskmail-delivery']); // the tracker can drop a repeat
    expect(await ctx.db('outbox').where({ kind: 'webhook' }).first('status')).toEqual({ status: 'sent' });
    t = await ticketView(ctx.db, 'HD-1');
    expect(t.bugs).toEqual([{ key: 'APP-7', tracker: 'api', status: 'open', summary: 'Export to CSV crashes' }]);
    expect(t.events.map((e) => e.type)).toEqual(expect.arrayContaining(['bug_filed', 'bug_key']));
  });

  it('refuses unsigned, wrongly signed, stale and replayed calls', async () => {
    const body = JSON.stringify({ key: 'APP-7', status: 'In Progress', message: 'We can reproduce it.' });
    expect((await post(hookPort, '/hooks/tracker/HD-1', body, {})).status).toBe(401);
    expect((await post(hookPort, '/hooks/tracker/HD-1', body, signed(body, 'd-1', { secret: 'not-the-secret-at-all' }))).status).toBe(401);
    expect((await post(hookPort, '/hooks/tracker/HD-1', body, signed(body, 'd-1', { at: Math.floor(Date.now() / 1000) - 3600 }))).status).toBe(401);
    const ok = await post(hookPort, '/hooks/tracker/HD-1', body, signed(body, 'd-1'));
    expect(ok.status).toBe(200);
    const replay = await post(hookPort, '/hooks/tracker/HD-1', body, signed(body, 'd-1'));
    expect(replay.status).toBe(409);
    expect(JSON.parse(replay.body).error).toMatch(/replay/);
    expect((await post(hookPort, '/hooks/tracker/HD-99', body, signed(body, 'd-2'))).status).toBe(404);

    const t = await ticketView(ctx.db, 'HD-1');
    const notes = t.messages.filter((m) => m.direction === 'note' && m.from === 'tracker:api');
    expect(notes).toHaveLength(1); // the replay changed nothing
    expect(notes[0]!.body).toContain('We can reproduce it.');
    expect(t.status).toBe('waiting_third_party');
    const told = (await ctx.db('outbox').where({ kind: 'bug_update' }).select('to_addresses', 'subject')) as { to_addresses: string[]; subject: string }[];
    expect(told).toEqual([{ to_addresses: ['bob@helpdesk.test'], subject: '[HD-1] Development update (APP-7): Export crashes' }]);
  });

  it('"done" resumes the ticket, asks to verify, and tells every ticket linked to the same key', async () => {
    await mail('dave@customer.test', 'CSV export broken', 'The export button crashes the app.');
    await mail('ann@helpdesk.test', 'Re: [HD-2] CSV export broken', '#assign me\n#bug APP-7');
    expect((await ticketView(ctx.db, 'HD-2')).bugs).toEqual([{ key: 'APP-7', tracker: 'api', status: 'linked', summary: 'Export to CSV crashes' }]);

    const body = JSON.stringify({ key: 'APP-7', status: 'Done', message: 'Fixed in 2.4.1.' });
    expect((await post(hookPort, '/hooks/tracker/APP-7', body, signed(body, 'd-3'))).status).toBe(200);
    const [one, two] = [await ticketView(ctx.db, 'HD-1'), await ticketView(ctx.db, 'HD-2')];
    expect(one.status).toBe('in_progress');
    expect(two.status).toBe('in_progress');
    expect(one.bugs[0]!.status).toBe('done');
    expect(two.events.find((e) => e.type === 'bug_done')!.data).toMatchObject({ key: 'APP-7', knownIssue: true, filedFrom: 'HD-1' });
    const mails = (await ctx.db('outbox').where({ kind: 'bug_update' }).orderBy('id').select('to_addresses', 'subject', 'text_body')) as { to_addresses: string[]; subject: string; text_body: string }[];
    const toBob = mails.filter((m) => m.to_addresses[0] === 'bob@helpdesk.test').at(-1)!;
    expect(toBob.subject).toBe('[HD-1] Fixed in development (APP-7): Export crashes');
    expect(toBob.text_body).toMatch(/verify the fix/);
    const toAnn = mails.find((m) => m.to_addresses[0] === 'ann@helpdesk.test')!;
    expect(toAnn.subject).toMatch(/^\[HD-2\] Known issue fixed \(APP-7\)/);
    expect(toAnn.text_body).toContain('HD-1');
  });
  it('a rule with file_bug files a new ticket as a bug on arrival', async () => {
    const loaded = parseRules('rules:\n  - name: crash reports\n    when: { subject: { contains: [crash] } }\n    then: { file_bug: true }\n', 'rules.yaml');
    if (!loaded.ok) throw new Error(loaded.error);
    const shipped = ctx.rules;
    ctx.rules = () => loaded.rules;
    try {
      await mail('erin@customer.test', 'App crash on start', 'It crashes before the login screen.');
    } finally {
      ctx.rules = shipped;
    }
    const t = await ticketView(ctx.db, 'HD-3');
    expect(t).toMatchObject({ status: 'waiting_third_party', category: 'Bug', bugs: [{ key: null, tracker: 'api', status: 'filed', summary: 'App crash on start' }] });
    const row = (await ctx.db('outbox').where({ kind: 'webhook' }).orderBy('id', 'desc').first('text_body')) as { text_body: string };
    expect(JSON.parse(row.text_body)).toMatchObject({ ticket: 'HD-3', description: 'It crashes before the login screen.', filedBy: null });
  });
});
