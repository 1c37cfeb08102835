import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon } from '../support/cli.js';
import { startMailStack, type MailStack } from '../support/mailstack.js';
import { freshDatabase } from '../support/postgres.js';
import { startPrivatePostgres } from '../support/private-postgres.js';
import { ackCount, audit, gatewayEnv, makeBacklog, messageIdsIn, sendMails, sleep, SmtpSwitch, storedCount, waitUntil, type Audit, type Backlog } from './harness.js';

/**
 * Nothing lost, nothing twice — proven by breaking things on the real stack (own Dovecot and
 * OpenSMTPD, so restarting them disturbs no other test). `npm test` runs a short version;
 * `npm run test:faults` (FAULTS_FULL=1) more mail, more kills and a one-minute SMTP outage.
 * Each scenario prints its counts: sent, stored, duplicates, lost.
 */
const FULL = process.env['FAULTS_FULL'] === '1';
const BACKLOG = FULL ? 40 : 8;
const KILLS = FULL ? 10 : 2;
const SMTP_OUTAGE_MS = FULL ? 60_000 : 3_000;
const LIMIT = FULL ? 900_000 : 120_000;

type Daemon = ReturnType<typeof startDaemon>;

function report(a: Audit, extra = ''): void {
  process.stdout.write(`faults: ${a.scenario}: inbound ${a.inbound}, stored ${a.stored} (distinct ${a.storedDistinct}), tickets ${a.tickets}, sent ${a.sent}, duplicates ${a.duplicates}, lost ${a.lost}${extra}\n`);
}

async function kill9(d: Daemon): Promise<void> {
  d.child.kill('SIGKILL');
  await d.exited;
}

async function stopGently(d: Daemon): Promise<number | null> {
  d.child.kill('SIGTERM');
  return Promise.race([d.exited, sleep(20_000).then(() => 'hung' as const)]).then((code) => {
    if (code === 'hung') d.child.kill('SIGKILL');
    return code === 'hung' ? null : code;
  });
}

describe('fault suite: nothing lost, nothing twice', () => {
  let stack: MailStack;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    stack = await startMailStack();
  });

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await stack?.stop();
  });

  async function database(): Promise<string> {
    const d = await freshDatabase();
    cleanups.push(d.drop);
    return d.url;
  }

  function daemon(env: Record<string, string>): Daemon {
    const d = startDaemon(env);
    cleanups.push(() => stopGently(d));
    return d;
  }

  async function settle(url: string, backlog: Backlog, timeoutMs: number): Promise<void> {
    await waitUntil(`${backlog.mails.length} mails stored`, async () => (await storedCount(url)) >= backlog.mails.length, timeoutMs);
    await waitUntil(`${backlog.mails.length} acknowledgments delivered`, async () => (await ackCount(stack, backlog)) >= backlog.mails.length, timeoutMs);
    // Late duplicates (a lease expiring after a kill) would arrive within the lease time.
    await sleep(4_000);
  }

  // Independent mailboxes and databases: these three run side by side to keep the CI run short.
  describe.concurrent('gateways killed, doubled, cut off from SMTP', () => {
  it(`kill -9 at random moments (${KILLS} times) during a backlog of ${BACKLOG}`, async () => {
    const url = await database();
    const backlog = makeBacklog(BACKLOG);
    await sendMails(stack, backlog, backlog.mails);
    await waitUntil('the backlog in the mailbox', async () => (await messageIdsIn(stack, backlog.support)).length === BACKLOG, 30_000);
    const env = gatewayEnv(stack, url, backlog);
    // How far each killed gateway got: evidence that the kills land mid-work.
    const storedAtKill: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const d = daemon(env);
      // At a random moment once it has started fetching: mid-transaction, mid-send or between.
      await waitUntil('the gateway fetching', async () => d.output().includes('took the lead'), 30_000);
      await sleep(Math.random() * 1_200);
      await kill9(d);
      storedAtKill.push(await storedCount(url));
    }
    const d = daemon(env);
    await settle(url, backlog, LIMIT / 2);
    const a = await audit(`kill -9 x${KILLS}`, stack, url, backlog);
    report(a, `, stored when killed: ${storedAtKill.join(', ')}`);
    expect(await stopGently(d)).toBe(0);
    expect(a).toMatchObject({ stored: BACKLOG, storedDistinct: BACKLOG, tickets: BACKLOG, lost: 0 });
    expect(a.duplicates).toBeLessThanOrEqual(KILLS);
  }, LIMIT);

  it('two gateways on one mailbox: one fetches, the other takes over within seconds after kill -9', async () => {
    const url = await database();
    const backlog = makeBacklog(BACKLOG);
    const env = gatewayEnv(stack, url, backlog);
    const gateways = [daemon(env), daemon(env)];
    // Leading now = took the lead more often than it stepped down (a slow lock connection may hand it over).
    const times = (g: Daemon, what: string): number => g.output().split(what).length - 1;
    const isLeading = (g: Daemon): boolean => times(g, 'took the lead') > times(g, 'stepped down');
    const leaderOf = (): Daemon | undefined => gateways.find(isLeading);
    await waitUntil('a leader', async () => leaderOf() !== undefined, 30_000);
    const first = backlog.mails.slice(0, BACKLOG / 2);
    await sendMails(stack, backlog, first);
    await waitUntil('the first half stored', async () => (await storedCount(url)) >= first.length, 60_000);
    const leader = leaderOf()!;
    const follower = gateways.find((g) => g !== leader)!;
    expect(gateways.filter(isLeading), 'exactly one leader').toHaveLength(1);
    await kill9(leader);
    const killedAt = Date.now();
    await waitUntil('the follower taking over', async () => isLeading(follower), 15_000).catch(async (err: Error) => {
      // Say what the follower was doing: its leadership log lines.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const locks = await client.query("SELECT l.pid, l.granted, a.application_name, a.state, a.backend_start FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory'");
      await client.end();
      throw new Error(`${err.message}; advisory locks: ${JSON.stringify(locks.rows)}; follower said:\n${follower.output().split('\n').slice(-12).join('\n')}\nleader said:\n${leader.output().split('\n').slice(-6).join('\n')}`);
    });
    const takeoverMs = Date.now() - killedAt;
    await sendMails(stack, backlog, backlog.mails.slice(BACKLOG / 2));
    await settle(url, backlog, LIMIT / 2);
    const a = await audit('two gateways, leader killed', stack, url, backlog);
    report(a, `, takeover ${(takeoverMs / 1000).toFixed(1)} s`);
    expect(a).toMatchObject({ stored: BACKLOG, storedDistinct: BACKLOG, tickets: BACKLOG, lost: 0 });
    expect(a.duplicates).toBeLessThanOrEqual(1);
    expect(takeoverMs).toBeLessThan(10_000);
  }, LIMIT);

  it(`SMTP server away for ${SMTP_OUTAGE_MS / 1000} s: every acknowledgment is delivered afterwards`, async () => {
    const url = await database();
    const backlog = makeBacklog(BACKLOG);
    const smtp = new SmtpSwitch(stack.smtpPort);
    await smtp.open();
    const port = smtp.port;
    await smtp.close();
    cleanups.push(() => smtp.close());
    const d = daemon(gatewayEnv(stack, url, backlog, { SMTP_URL: `smtp://127.0.0.1:${port}` }));
    await sendMails(stack, backlog, backlog.mails);
    await waitUntil('the backlog stored while SMTP is away', async () => (await storedCount(url)) >= BACKLOG, 60_000);
    await sleep(SMTP_OUTAGE_MS);
    expect(await ackCount(stack, backlog)).toBe(0);
    await smtp.open();
    await settle(url, backlog, LIMIT / 2);
    const a = await audit(`SMTP away ${SMTP_OUTAGE_MS / 1000} s`, stack, url, backlog);
    report(a);
    expect(await stopGently(d)).toBe(0);
    expect(a).toMatchObject({ stored: BACKLOG, storedDistinct: BACKLOG, tickets: BACKLOG, duplicates: 0, lost: 0 });
  }, LIMIT);

  });

  // Last and alone: restarting Dovecot would disturb the scenarios above.
  it('Dovecot and PostgreSQL restarted mid-run: the gateway reconnects and continues', async () => {
    const server = await startPrivatePostgres();
    if (typeof server === 'string') throw new Error(`cannot start a private PostgreSQL for the restart test: ${server}`);
    cleanups.push(() => server.stop());
    const backlog = makeBacklog(BACKLOG);
    // The default lease: a sender waiting out the restart to record a sent mail keeps its claim.
    const d = daemon(gatewayEnv(stack, server.url, backlog, { OUTBOX_LEASE_SECONDS: '120' }));
    const thirds = [backlog.mails.slice(0, BACKLOG / 2), backlog.mails.slice(BACKLOG / 2)];
    await sendMails(stack, backlog, thirds[0]!);
    await waitUntil('some mail stored', async () => (await storedCount(server.url)) >= 1, 60_000);
    await stack.restartDovecot();
    await server.restart();
    await sendMails(stack, backlog, thirds[1]!);
    await settle(server.url, backlog, LIMIT / 2);
    const a = await audit('Dovecot + PostgreSQL restarted', stack, server.url, backlog);
    report(a);
    expect(await stopGently(d)).toBe(0);
    expect(a).toMatchObject({ stored: BACKLOG, storedDistinct: BACKLOG, tickets: BACKLOG, lost: 0 });
    // Each restart cuts connections: a delivery whose "250" is lost with it (our SMTP send, or
    // OpenSMTPD's LMTP hand-off to the restarting Dovecot) is delivered again, same Message-ID.
    expect(a.duplicates).toBeLessThanOrEqual(2);
  }, LIMIT);
});
