/**
 * `npm run bench`: the gateway on the real stack (Dovecot IMAP, OpenSMTPD delivering into Dovecot,
 * PostgreSQL), against a raw baseline measured in the same run. Prints a table, then as its last
 * line one JSON object with the keys of CONTRACT.md ("Benchmark"). Sizes come from BENCH_* (see
 * BENCHMARKS.md). Progress goes to stderr; the table and the JSON line to stdout.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ensurePostgres, freshDatabase } from '../test/support/postgres.js';
import { startMailStack, type MailStack } from '../test/support/mailstack.js';
import { runBaseline } from './baseline.js';
import { backlog, bigMail, composeMail, type BenchMail } from './corpus.js';
import { openProgressClient, procMemory, startGatewayProcess, waitForDrain, type GatewayProcess } from './gateway-proc.js';
import { appendAll, connect, countMany, idleDelays, type ImapAccount } from './mailbox.js';
import { postgresScaling } from './pgscale.js';
import { jsonSafe, mib, percentile, round, table } from './stats.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`bench: ${name} must be a positive number, got: ${raw}\n`);
    process.exit(2);
  }
  return n;
}

const settings = {
  backlog: Math.round(intEnv('BENCH_BACKLOG', 10_000)),
  latencySeconds: intEnv('BENCH_LATENCY_SECONDS', 20),
  attachmentBytes: Math.round(intEnv('BENCH_ATTACHMENT_MB', 25) * 1024 * 1024),
  idleRounds: Math.round(intEnv('BENCH_IDLE_ROUNDS', 20)),
  pgSeconds: intEnv('BENCH_PG_SECONDS', 5),
  timeoutSeconds: intEnv('BENCH_TIMEOUT_S', 3600),
};

const say = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Env {
  stack: MailStack;
  runId: string;
  dir: string;
  cleanups: (() => Promise<void>)[];
}

function account(env: Env, user: string): ImapAccount {
  return { host: env.stack.host, port: env.stack.imapPort, user, pass: env.stack.password };
}

async function database(env: Env): Promise<string> {
  const db = await freshDatabase();
  env.cleanups.push(db.drop);
  return db.url;
}

function gatewayEnv(env: Env, helpdesk: string, databaseUrl: string, name: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    IMAP_URL: env.stack.imapUrl(helpdesk),
    SMTP_URL: env.stack.smtpUrl(),
    HELPDESK_ADDRESS: helpdesk,
    HELPDESK_NAME: 'Bench Support',
    DESKMAIL_DATA_DIR: join(env.dir, name),
    // The production default; the bench reads the "imap connected" line to start its clock.
    LOG_LEVEL: 'info',
  };
}

async function gateway(env: Env, helpdesk: string, databaseUrl: string, name: string): Promise<GatewayProcess> {
  const gw = await startGatewayProcess(gatewayEnv(env, helpdesk, databaseUrl, name), join(env.dir, `${name}.log`));
  env.cleanups.push(() => gw.stop());
  return gw;
}

/** Waits until the stack has delivered `expected` acknowledgments into the customers' mailboxes. */
async function deliveredAcks(env: Env, customers: string[], expected: number, timeoutMs = 60_000): Promise<number> {
  const base = { host: env.stack.host, port: env.stack.imapPort, pass: env.stack.password };
  const deadline = Date.now() + timeoutMs;
  let n = 0;
  while (Date.now() < deadline) {
    n = await countMany(base, customers);
    if (n >= expected) break;
    await sleep(1000);
  }
  return n;
}

/**
 * Latency at a steady rate: new requests APPENDed at `rate` per second for `seconds`; for each,
 * APPEND completed (arrival in the mailbox) → its acknowledgment's SMTP acceptance (outbox.sent_at).
 */
async function latencyAt(env: Env, helpdesk: string, db: pg.Client, rate: number, seconds: number, tag: string): Promise<{ samples: number[]; sent: number }> {
  const count = Math.max(5, Math.round(rate * seconds));
  const client = await connect(account(env, helpdesk));
  const arrivals = new Map<string, number>();
  const before = (await db.query<{ n: string }>('SELECT count(*) AS n FROM receipts')).rows[0]!.n;
  try {
    const started = Date.now();
    for (let i = 0; i < count; i++) {
      const due = started + (i * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      const messageId = `bench-${env.runId}-lat-${tag}-${i}@example.test`;
      const customer = `bench-${env.runId}-lat-${tag}-c${Math.floor(i / 20)}@example.test`;
      await client.append('INBOX', composeMail({ from: customer, to: helpdesk, subject: `Latency ${tag} ${i}`, messageId, text: 'Could you have a look at the attached figures, please?\r\n' }));
      arrivals.set(messageId, Date.now());
    }
  } finally {
    await client.logout().catch(() => undefined);
  }
  await waitForDrain(db, Number(before) + count, { timeoutMs: settings.timeoutSeconds * 1000 });
  const rows = await db.query<{ irt: string; sent_at: Date }>("SELECT headers->>'In-Reply-To' AS irt, sent_at FROM outbox WHERE kind = 'received' AND status = 'sent'");
  const samples: number[] = [];
  for (const row of rows.rows) {
    const arrived = arrivals.get(row.irt.replace(/[<>]/g, ''));
    if (arrived !== undefined) samples.push(row.sent_at.getTime() - arrived);
  }
  return { samples, sent: samples.length };
}

/** Peak RSS above idle while one gateway process ingests one mail with a large attachment. */
async function memoryPhase(env: Env): Promise<{ idle: number; peak: number; messageBytes: number; outcome: string }> {
  const helpdesk = `support-${env.runId}-mem@helpdesk.test`;
  const url = await database(env);
  const gw = await gateway(env, helpdesk, url, 'memory');
  const db = await openProgressClient(url);
  try {
    await sleep(2000);
    const idle = gw.memory();
    const big = bigMail({ bytes: settings.attachmentBytes, helpdesk, runId: env.runId });
    // Build the mail first, then append: the bench's own memory is not the gateway's.
    let peak = idle.rss;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        try {
          peak = Math.max(peak, procMemory(gw.pid).rss);
        } catch {
          return;
        }
        await sleep(10);
      }
    })();
    await appendAll(account(env, helpdesk), [big.raw]);
    await waitForDrain(db, 1, { timeoutMs: 300_000 });
    sampling = false;
    await sampler;
    const after = gw.memory();
    // VmHWM is the process's lifetime peak: it counts only if this mail raised it.
    if (after.hwm > idle.hwm) peak = Math.max(peak, after.hwm);
    const outcome = (await db.query<{ outcome: string; reason: string }>('SELECT outcome, reason FROM receipts ORDER BY id DESC LIMIT 1')).rows[0];
    return { idle: idle.rss, peak, messageBytes: big.raw.length, outcome: outcome ? `${outcome.outcome} (${outcome.reason})` : 'none' };
  } finally {
    await db.end();
    await gw.stop();
  }
}

function migrateDatabase(url: string): void {
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), 'migrate'], { cwd: ROOT, env: { PATH: process.env['PATH'], DATABASE_URL: url, LOG_LEVEL: 'warn' }, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`deskmail migrate failed: ${res.stderr.trim()}`);
}

async function main(): Promise<void> {
  await ensurePostgres();
  const stack = await startMailStack();
  const env: Env = { stack, runId: randomBytes(3).toString('hex'), dir: mkdtempSync(join(tmpdir(), 'deskmail-bench-')), cleanups: [] };
  const n = settings.backlog;
  try {
    if (process.env['BENCH_ONLY'] === 'memory') {
      // Only the memory phase (a minute instead of the whole bench): for work on large-mail handling.
      const mem = await memoryPhase(env);
      say(`memory: idle ${mib(mem.idle)}, peak ${mib(mem.peak)} for a ${mib(mem.messageBytes)} message: ${mem.outcome}`);
      const over = mem.peak - mem.idle;
      process.stdout.write(`${JSON.stringify({ attachment_bytes: settings.attachmentBytes, message_bytes: mem.messageBytes, rss_idle_bytes: mem.idle, rss_peak_over_idle_bytes: over, rss_over_message: round(over / mem.messageBytes, 2) })}\n`);
      return;
    }
    // --- the backlog, appended before anything reads it ---
    const helpdesk = `support-${env.runId}@helpdesk.test`;
    const mails = backlog({ count: n, helpdesk, runId: env.runId });
    const expectedAcks = mails.filter((m) => m.isNew).length;
    const customers = [...new Set(mails.map((m) => m.customer))];
    const bytes = mails.reduce((s, m) => s + m.raw.length, 0);
    say(`appending ${n} messages (${mib(bytes)}, ${expectedAcks} new requests) to ${helpdesk}`);
    let t = Date.now();
    await appendAll(account(env, helpdesk), mails.map((m) => m.raw));
    const appendRate = n / ((Date.now() - t) / 1000);

    // --- raw baseline over the same backlog ---
    say('raw baseline: stream FETCH → simpleParser → one tx (message + outbox row) → pooled SMTP send');
    const sink = `bench-${env.runId}-sink@example.test`;
    const base = await runBaseline({ account: account(env, helpdesk), databaseUrl: await database(env), smtp: { host: stack.host, port: stack.smtpPort }, sink, expected: n });
    say(`raw baseline: ${round(base.msgsPerSecond, 1)} msg/s`);

    // --- the gateway on the same backlog ---
    say('gateway: deskmail run on the backlog');
    const url = await database(env);
    const gw = await gateway(env, helpdesk, url, 'gateway');
    const db = await openProgressClient(url);
    env.cleanups.push(() => db.end());
    let rssPeakBacklog = 0;
    const cpuBefore = gw.cpuSeconds();
    const drained = await waitForDrain(db, n, { timeoutMs: settings.timeoutSeconds * 1000, onTick: () => (rssPeakBacklog = Math.max(rssPeakBacklog, gw.memory().rss)) });
    const gwSeconds = (drained.lastActivityAt - gw.connectedAt) / 1000;
    const throughput = n / gwSeconds;
    const rssAfterBacklog = gw.memory().rss;
    const gwCpu = gw.cpuSeconds() - cpuBefore;
    say(`gateway: ${round(throughput, 1)} msg/s (${drained.stored} stored, ${drained.sent} acknowledgments accepted, ${drained.failed} failed)`);
    const delivered = await deliveredAcks(env, customers, expectedAcks);

    // --- latency at 10 % and 50 % of the measured capacity, same gateway ---
    const lat10 = await latencyAt(env, helpdesk, db, throughput * 0.1, settings.latencySeconds, 'r10');
    say(`latency at ${round(throughput * 0.1, 1)} msg/s: p50 ${percentile(lat10.samples, 50)} ms, p99 ${percentile(lat10.samples, 99)} ms`);
    const lat50 = await latencyAt(env, helpdesk, db, throughput * 0.5, settings.latencySeconds, 'r50');
    say(`latency at ${round(throughput * 0.5, 1)} msg/s: p50 ${percentile(lat50.samples, 50)} ms, p99 ${percentile(lat50.samples, 99)} ms`);
    await gw.stop();

    // --- Dovecot's own IDLE delay ---
    const idleUser = `bench-${env.runId}-idle@helpdesk.test`;
    const idle = await idleDelays(account(env, idleUser), settings.idleRounds, (i) => composeMail({ from: 'x@example.test', to: idleUser, subject: `idle ${i}`, messageId: `bench-${env.runId}-idle-${i}@example.test`, text: 'idle probe' }));
    const idleFloor = percentile(idle, 50);
    say(`IDLE floor: p50 ${idleFloor} ms over ${idle.length} rounds`);

    // --- memory: one large attachment in a fresh gateway process ---
    const mem = await memoryPhase(env);
    say(`memory: idle ${mib(mem.idle)}, peak ${mib(mem.peak)} for a ${mib(mem.messageBytes)} message: ${mem.outcome}`);

    // --- scaling: 2 gateways (2 mailboxes, one database) on the same amount of mail ---
    const half = [0, 1].map((k) => {
      const box = `support-${env.runId}-s${k}@helpdesk.test`;
      return { box, mails: backlog({ count: Math.ceil(n / 2), helpdesk: box, runId: `${env.runId}s${k}`, seed: 7 + k }) };
    });
    for (const h of half) await appendAll(account(env, h.box), h.mails.map((m: BenchMail) => m.raw));
    const url2 = await database(env);
    migrateDatabase(url2);
    const gws = await Promise.all(half.map((h, k) => gateway(env, h.box, url2, `scale${k}`)));
    const db2 = await openProgressClient(url2);
    env.cleanups.push(() => db2.end());
    const total2 = half.reduce((s, h) => s + h.mails.length, 0);
    const drained2 = await waitForDrain(db2, total2, { timeoutMs: settings.timeoutSeconds * 1000 });
    const throughput2 = total2 / ((drained2.lastActivityAt - Math.min(...gws.map((g) => g.connectedAt))) / 1000);
    await Promise.all(gws.map((g) => g.stop()));
    const gatewayScaling = throughput2 / throughput;
    say(`2 gateways: ${round(throughput2, 1)} msg/s (${round(gatewayScaling)}× one)`);
    t = Date.now();
    const pgs = await postgresScaling(await database(env), settings.pgSeconds);
    say(`PostgreSQL: ${round(pgs.one)} → ${round(pgs.two)} tx/s (${round(pgs.ratio)}×) in ${round((Date.now() - t) / 1000, 1)} s`);

    const worstP50 = Math.max(percentile(lat10.samples, 50), percentile(lat50.samples, 50));
    const worstP99 = Math.max(percentile(lat10.samples, 99), percentile(lat50.samples, 99));
    const result = jsonSafe({
      backlog: n,
      throughput_msgs_per_s: round(throughput, 1),
      baseline_msgs_per_s: round(base.msgsPerSecond, 1),
      throughput_ratio: round(throughput / base.msgsPerSecond, 3),
      latency_p50_ms: worstP50,
      latency_p99_ms: worstP99,
      idle_floor_ms: idleFloor,
      attachment_bytes: settings.attachmentBytes,
      rss_peak_over_idle_bytes: mem.peak - mem.idle,
      scaling_ratio: round(gatewayScaling / pgs.ratio, 3),
      acks_expected: expectedAcks,
      acks_accepted: drained.sent,
      acks_delivered: delivered,
      gateway_cpu_share: round(gwCpu / gwSeconds, 2),
      append_msgs_per_s: round(appendRate, 1),
      latency_10pct_p50_ms: percentile(lat10.samples, 50),
      latency_10pct_p99_ms: percentile(lat10.samples, 99),
      latency_50pct_p50_ms: percentile(lat50.samples, 50),
      latency_50pct_p99_ms: percentile(lat50.samples, 99),
      latency_samples: lat10.sent + lat50.sent,
      message_bytes: mem.messageBytes,
      rss_idle_bytes: mem.idle,
      rss_after_backlog_bytes: rssAfterBacklog,
      rss_peak_during_backlog_bytes: rssPeakBacklog,
      gateways2_msgs_per_s: round(throughput2, 1),
      gateway_scaling: round(gatewayScaling, 3),
      pg_tx_per_s_1: round(pgs.one, 1),
      pg_tx_per_s_2: round(pgs.two, 1),
      pg_scaling: round(pgs.ratio, 3),
    });
    process.stdout.write(
      [
        '',
        `deskmail bench — ${n} messages (${mib(bytes)}), ${expectedAcks} acknowledgments; real Dovecot, OpenSMTPD, PostgreSQL`,
        table([
          ['raw baseline', `${result['baseline_msgs_per_s']} msg/s`],
          ['gateway (1 process)', `${result['throughput_msgs_per_s']} msg/s = ${result['throughput_ratio']} × baseline (goal ≥ 0.7)`],
          ['gateway CPU', `${result['gateway_cpu_share']} of one core while draining (the rest is waiting on IMAP, PostgreSQL, SMTP)`],
          ['acknowledgments', `${drained.sent} accepted by SMTP of ${expectedAcks} expected, ${delivered} delivered to the customers' mailboxes`],
          ['latency @10 % capacity', `p50 ${result['latency_10pct_p50_ms']} ms, p99 ${result['latency_10pct_p99_ms']} ms`],
          ['latency @50 % capacity', `p50 ${result['latency_50pct_p50_ms']} ms, p99 ${result['latency_50pct_p99_ms']} ms`],
          ['Dovecot IDLE floor', `p50 ${idleFloor} ms (goal: latency p50 ≤ 1.2 × this, p99 ≤ 2000 ms)`],
          ['memory, one big mail', `${mib(mem.peak - mem.idle)} above idle (${mib(mem.idle)}) for a ${mib(mem.messageBytes)} message (${mib(settings.attachmentBytes)} attachment); goal ≤ 2 × message`],
          ['RSS after backlog', `${mib(rssAfterBacklog)} (peak during backlog ${mib(rssPeakBacklog)})`],
          ['2 gateways / 1', `${result['gateway_scaling']} (${result['gateways2_msgs_per_s']} msg/s, 2 mailboxes, one database)`],
          ['PostgreSQL 2 / 1 clients', `${result['pg_scaling']} (${result['pg_tx_per_s_1']} → ${result['pg_tx_per_s_2']} tx/s)`],
          ['scaling ratio', `${result['scaling_ratio']} (gateways' 2/1 against PostgreSQL's)`],
        ]),
        JSON.stringify(result),
        '',
      ].join('\n'),
    );
  } finally {
    for (const cleanup of env.cleanups.reverse()) await cleanup().catch((err: Error) => say(`cleanup: ${err.message}`));
    await stack.stop();
    if (!process.env['BENCH_KEEP_LOGS']) rmSync(env.dir, { recursive: true, force: true });
    else say(`logs kept in ${env.dir}`);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exit(1);
});
