import { Counter, Gauge, Registry } from 'prom-client';
import type { FetchStatus } from '../ingress/fetch-status.js';
import type { Db } from '../store/db.js';
import { heldQuarantineCount, outboxBacklog, outboxFailedCount } from '../store/ops-stats.js';
import { pathOf, type HttpHandler } from './server.js';

/**
 * The gateway's Prometheus metrics. Counters count what this process did (sum them across
 * gateways); gauges read the shared database at scrape time, so every gateway reports the same.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly ingested: Counter<'outcome'>;
  readonly sendFailures: Counter<'kind'>;

  constructor(db: Db, fetchStatuses: () => FetchStatus[]) {
    const registers = [this.registry];
    this.ingested = new Counter({ name: 'deskmail_messages_ingested_total', help: 'Inbound mails handled by this process, by outcome (stored, duplicate, dropped, quarantined)', labelNames: ['outcome'], registers });
    this.sendFailures = new Counter({ name: 'deskmail_send_failures_total', help: 'Outgoing mails that failed to send in this process: retry (temporary) or permanent (given up)', labelNames: ['kind'], registers });
    for (const outcome of ['stored', 'duplicate', 'dropped', 'quarantined']) this.ingested.inc({ outcome }, 0);
    for (const kind of ['retry', 'permanent']) this.sendFailures.inc({ kind }, 0);

    new Gauge({
      name: 'deskmail_quarantine_held', help: 'Mails held in the quarantine (deskmail quarantine list)', registers,
      async collect() { this.set(await heldQuarantineCount(db)); },
    });
    new Gauge({
      name: 'deskmail_outbox_depth', help: 'Outgoing mails waiting to be sent', registers,
      async collect() { this.set((await outboxBacklog(db)).depth); },
    });
    new Gauge({
      name: 'deskmail_outbox_oldest_age_seconds', help: 'Age of the oldest unsent outgoing mail (0 when none)', registers,
      async collect() { this.set((await outboxBacklog(db)).oldestAgeSeconds); },
    });
    new Gauge({
      name: 'deskmail_outbox_failed', help: 'Outgoing mails given up (permanent failure or too many attempts)', registers,
      async collect() { this.set(await outboxFailedCount(db)); },
    });
    new Gauge({
      name: 'deskmail_last_fetch_success_timestamp_seconds', help: 'Unix time of the last successful fetch pass, per mailbox (0: none by this process)', labelNames: ['mailbox'], registers,
      collect() {
        for (const s of fetchStatuses().map((f) => f.snapshot())) this.set({ mailbox: s.mailbox }, s.lastSuccessAt ? s.lastSuccessAt.getTime() / 1000 : 0);
      },
    });
    new Gauge({
      name: 'deskmail_fetch_leader', help: '1 when this process is the fetching leader of the mailbox', labelNames: ['mailbox'], registers,
      collect() {
        for (const s of fetchStatuses().map((f) => f.snapshot())) this.set({ mailbox: s.mailbox }, s.isLeader ? 1 : 0);
      },
    });
  }

  /** GET /metrics in the Prometheus text format. */
  handler(): HttpHandler {
    return async (req, res) => {
      if (req.method !== 'GET' || pathOf(req) !== '/metrics') return false;
      const body = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType });
      res.end(body);
      return true;
    };
  }
}
