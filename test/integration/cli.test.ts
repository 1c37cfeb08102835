import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, startDaemon } from '../support/cli.js';

const SAMPLE = join(ROOT, 'examples', 'first-request.eml');
const REPLY = join(ROOT, 'examples', 'reply.eml');

/** Each line printed on stderr for an error is a single `deskmail: …` line, never a stack trace. */
function expectOneLine(stderr: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^deskmail: /);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('the deskmail CLI (embedded database, local mode)', () => {
  let env: Record<string, string>;
  beforeAll(() => {
    env = { DESKMAIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'deskmail-cli-')) };
  });

  it('answers --help for every command', async () => {
    for (const args of [['--help'], ['run', '--help'], ['migrate', '--help'], ['ingest', '--help'], ['agents', 'add', '--help'], ['agents', 'list', '--help'], ['agents', 'remove', '--help'], ['tickets', 'list', '--help'], ['tickets', 'show', '--help']]) {
      const r = await runCli(args, { env });
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: deskmail/);
    }
  });

  it('rejects an unknown command or option with one line and exit 2', async () => {
    const r = await runCli(['tickets', 'list', '--colour'], { env });
    expect(r.code).toBe(2);
    expectOneLine(r.stderr);
    const r2 = await runCli(['frobnicate'], { env });
    expect(r2.code).toBe(2);
    expectOneLine(r2.stderr);
  });

  it('names a bad setting in one line, exit 2, without leaking the password', async () => {
    const r = await runCli(['tickets', 'list'], { env: { ...env, IMAP_URL: 'http://joe:hunter2@mail.example.com/INBOX' } });
    expect(r.code).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toMatch(/IMAP_URL is not a valid imap:\/\/ or imaps:\/\/ URL/);
    expect(r.stderr).not.toContain('hunter2');
    const r2 = await runCli(['run'], { env: { ...env, SMTP_URL: 'smtp://mail.example.com:99999' } });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/SMTP_URL/);
    const r3 = await runCli(['run'], { env: { ...env, POLL_INTERVAL: 'often' } });
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/POLL_INTERVAL/);
  });

  it('migrates, then says the database is up to date', async () => {
    const r = await runCli(['migrate'], { env });
    expect(r.code, r.stderr).toBe(0);
    const again = await runCli(['migrate'], { env });
    expect(again.stdout.trim()).toBe('database is up to date');
  });

  it('ingests a file, then a reply on stdin, and recognises a redelivery', async () => {
    const first = await runCli(['ingest', SAMPLE], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/stored HD-1/);
    const reply = await runCli(['ingest'], { env, input: await import('node:fs').then((fs) => fs.readFileSync(REPLY)) });
    expect(reply.code, reply.stderr).toBe(0);
    expect(reply.stdout).toMatch(/stdin: stored HD-1 \(reply to HD-1/);
    const again = await runCli(['ingest', SAMPLE], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/duplicate/);
  });

  it('shows a ticket as the contract says', async () => {
    const r = await runCli(['tickets', 'show', 'hd-1', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout) as Record<string, unknown> & { messages: Record<string, unknown>[]; events: Record<string, unknown>[] };
    for (const key of ['ref', 'subject', 'status', 'priority', 'category', 'tags', 'requester', 'assignee', 'createdAt', 'messages', 'events']) expect(t).toHaveProperty(key);
    expect(t.ref).toBe('HD-1');
    expect(t.status).toBe('new');
    expect(t.requester).toBe('alice@example.com');
    expect(t.messages.map((m) => m['direction'])).toEqual(['in', 'out', 'in']);
    for (const m of t.messages) for (const key of ['direction', 'from', 'to', 'body', 'at']) expect(m).toHaveProperty(key);
    for (const e of t.events) for (const key of ['type', 'actor', 'at', 'data']) expect(e).toHaveProperty(key);
    expect(t.events.map((e) => e['type'])).toContain('created');

    const list = await runCli(['tickets', 'list', '--json', '--status', 'new'], { env });
    expect((JSON.parse(list.stdout) as { ref: string }[]).map((x) => x.ref)).toEqual(['HD-1']);
    const missing = await runCli(['tickets', 'show', 'HD-999'], { env });
    expect(missing.code).toBe(2);
    expectOneLine(missing.stderr);
    const badStatus = await runCli(['tickets', 'list', '--status', 'sleeping'], { env });
    expect(badStatus.code).toBe(2);
  });

  it('adds, lists and removes agents', async () => {
    const add = await runCli(['agents', 'add', 'Eve@Example.com', '--name', 'Eve Agent', '--skills', 'billing,dns', '--role', 'lead'], { env });
    expect(add.code, add.stderr).toBe(0);
    const list = await runCli(['agents', 'list', '--json'], { env });
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ email: 'eve@example.com', name: 'Eve Agent', role: 'lead', skills: ['billing', 'dns'] })]);
    const badRole = await runCli(['agents', 'add', 'x@example.com', '--role', 'boss'], { env });
    expect(badRole.code).toBe(2);
    expectOneLine(badRole.stderr);
    const rm = await runCli(['agents', 'remove', 'eve@example.com'], { env });
    expect(rm.code).toBe(0);
    expect(JSON.parse((await runCli(['agents', 'list', '--json'], { env })).stdout)).toEqual([]);
    const rmAgain = await runCli(['agents', 'remove', 'eve@example.com'], { env });
    expect(rmAgain.code).toBe(2);
  });

  it('quarantines a mail it cannot use and still exits 0 (nothing for the MTA to retry)', async () => {
    const garbage = join(env['DESKMAIL_DATA_DIR']!, 'garbage.eml');
    writeFileSync(garbage, 'this is not a mail at all');
    const r = await runCli(['ingest', garbage], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/quarantined/);

    const list = JSON.parse((await runCli(['quarantine', 'list', '--json'], { env })).stdout) as { id: number; reason: string; source: string }[];
    expect(list).toHaveLength(1);
    expect(list[0]!.source).toBe(`file:${garbage}`);
    expect(list[0]!.reason).toMatch(/no header fields found|From/);
    const show = await runCli(['quarantine', 'show', String(list[0]!.id)], { env });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(list[0]!.reason);
    const raw = await runCli(['quarantine', 'show', String(list[0]!.id), '--raw'], { env });
    expect(raw.stdout).toContain('this is not a mail at all');
    const retry = await runCli(['quarantine', 'retry', String(list[0]!.id)], { env });
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toMatch(/still not processable/);
    expect(JSON.parse((await runCli(['quarantine', 'list', '--json'], { env })).stdout)).toHaveLength(1);
    const missing = await runCli(['quarantine', 'show', '999'], { env });
    expect(missing.code).toBe(2);
  });

  it('exits 2 for a file that does not exist', async () => {
    const r = await runCli(['ingest', '/nonexistent/mail.eml'], { env });
    expect(r.code).toBe(2);
    expectOneLine(r.stderr);
  });

  it('asks the MTA to retry (exit 75) when the database is unreachable', async () => {
    const r = await runCli(['ingest', SAMPLE], { env: { ...env, DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none' } });
    expect(r.code, r.stderr).toBe(75);
    expectOneLine(r.stderr);
    expect(r.stderr).not.toContain('secret');
    expect(r.stdout).not.toContain('Acquire connection error');
  });

  it('run says where the health server listens when HEALTH_PORT is set (0: the port it picked)', async () => {
    const daemon = startDaemon({ DESKMAIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'deskmail-cli-run-')), HEALTH_PORT: '0' });
    try {
      const deadline = Date.now() + 60_000;
      while (!/health: +http:/.test(daemon.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const url = /health: +(http:\/\/127\.0\.0\.1:\d+\/healthz)/.exec(daemon.output())?.[1];
      expect(url, daemon.output()).toBeDefined();
      expect(url).not.toMatch(/:0\//);
      const res = await fetch(url!);
      expect(res.status).toBe(200);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  });
});
