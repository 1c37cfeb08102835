import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import type { FetchStatus } from '../ingress/fetch-status.js';
import type { Logger } from '../log.js';
import { LOOP_HEADER } from '../mail/screen/index.js';
import type { Sender } from '../outbox/enqueue.js';
import type { TemplateRenderer } from '../outbox/render.js';
import { adminAddresses, closeAlert, openAlert } from '../store/alerts.js';
import type { Db, Queryable } from '../store/db.js';
import { insertOutbox } from '../store/outbox.js';

export interface StallAlertDeps {
  db: Db;
  config: Config;
  renderer: TemplateRenderer;
  sender: Sender;
  log: Logger;
}

/**
 * Tells the admins (ADMIN_ADDRESS, or the agents with role admin) when fetching a mailbox has
 * failed for FETCH_STALL_MINUTES or its credentials are refused — the stall other helpdesks'
 * users discover after days — once per stall, and once more when it resumes. The open alert is
 * a database row, so restarts and several gateways do not repeat it. Returns what it queued.
 */
export async function checkStall(deps: StallAlertDeps, status: FetchStatus, now = new Date()): Promise<'alerted' | 'recovered' | undefined> {
  const s = status.snapshot();
  if (!s.isLeader) return undefined;
  const reason = status.stallReason(deps.config.fetchStallMinutes, now);
  const alertName = `fetch_stalled:${s.mailbox}`;
  if (reason) {
    return deps.db.transaction(async (tx) => {
      if (!(await openAlert(tx, alertName, reason))) return undefined;
      const queued = await queueAlert(tx, deps, { recovered: false, mailbox: s.mailbox, since: (s.failingSince ?? now).toISOString(), reason, at: now.toISOString() });
      deps.log.error({ mailbox: s.mailbox, reason, notified: queued }, 'fetching stalled; admins alerted');
      return 'alerted' as const;
    });
  }
  // Recovery needs a successful pass, not merely a fresh leader.
  if (!s.lastSuccessAt || s.failingSince) return undefined;
  return deps.db.transaction(async (tx) => {
    if (!(await closeAlert(tx, alertName))) return undefined;
    await queueAlert(tx, deps, { recovered: true, mailbox: s.mailbox, since: '', reason: '', at: (s.lastSuccessAt ?? now).toISOString() });
    deps.log.info({ mailbox: s.mailbox }, 'fetching resumed; admins told');
    return 'recovered' as const;
  });
}

async function queueAlert(tx: Queryable, deps: StallAlertDeps, stall: { recovered: boolean; mailbox: string; since: string; reason: string; at: string }): Promise<string[]> {
  const to = deps.config.adminAddress ? [deps.config.adminAddress] : await adminAddresses(tx);
  if (to.length === 0) {
    deps.log.warn({ mailbox: stall.mailbox }, 'no admin to alert: set ADMIN_ADDRESS or add an agent with --role admin');
    return [];
  }
  const rendered = deps.renderer.render('fetch_stalled', { helpdesk: { name: deps.sender.helpdeskName, address: deps.sender.helpdeskAddress }, stall });
  const domain = deps.sender.helpdeskAddress.slice(deps.sender.helpdeskAddress.lastIndexOf('@') + 1);
  await insertOutbox(tx, {
    ticketId: undefined,
    kind: 'fetch_stalled',
    messageId: `fetch_stalled.${randomUUID()}@${domain}`,
    fromAddress: deps.sender.helpdeskAddress,
    to,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All', [LOOP_HEADER]: deps.sender.loopToken },
  });
  return to;
}

/** Checks every `intervalMs` (a fifth of the stall time, at most 30 s). */
export class StallWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: StallAlertDeps, private readonly statuses: () => FetchStatus[], private readonly onQueued: () => void) {}

  start(): void {
    const intervalMs = Math.max(500, Math.min(30_000, (this.deps.config.fetchStallMinutes * 60_000) / 5));
    this.timer = setInterval(() => {
      this.running = this.checkAll();
    }, intervalMs);
  }

  private async checkAll(): Promise<void> {
    for (const status of this.statuses()) {
      try {
        if (await checkStall(this.deps, status)) this.onQueued();
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message }, 'stall check failed; will retry');
      }
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
