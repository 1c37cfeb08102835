import { localPaths } from './config.js';
import { databaseLabel, templateDirs, type AppContext } from './context.js';
import { FolderIngress } from './ingress/folder.js';
import { ImapIngress, imapCheckpointKey } from './ingress/imap.js';
import { FetchStatus } from './ingress/fetch-status.js';
import { LedSource } from './ingress/led-source.js';
import { GatewayMetrics } from './http/metrics.js';
import { startOpsServer } from './http/ops-server.js';
import { trackerHook } from './http/tracker-hook.js';
import type { HttpServer } from './http/server.js';
import { StallWatch } from './workflow/stall-alert.js';
import { receiveSafely } from './ingress/receive-safely.js';
import type { RawMail } from './mail/raw-mail.js';
import { folderTransport, OutboxSender, smtpTransport } from './outbox/send.js';
import type { Origin } from './receive.js';
import { TimerLoop } from './workflow/timers.js';
import { watchRules } from './rules-file.js';
import { TemplatesWatcher } from './outbox/template-watch.js';
import { watchSla } from './sla-file.js';
import { watchTrackers } from './tracker/config.js';

export interface RunningGateway {
  sender: OutboxSender;
  /** The health/metrics server when HEALTH_PORT is set: register more routes with http.register(). */
  http: HttpServer | undefined;
  /** Where it listens (undefined when off or the port could not be bound). */
  httpAddress: Promise<{ address: string; port: number } | undefined>;
  stop(): Promise<void>;
}

/** The daemon: one mail source (IMAP or the local inbox folder) and the outbox sender. */
export function startGateway(ctx: AppContext): RunningGateway {
  const { config, log } = ctx;
  const paths = localPaths(config);
  const transport = config.smtp ? smtpTransport(config.smtp) : folderTransport(paths.outbox);
  // Set below; the sender and the receive path count into it.
  let metrics: GatewayMetrics | undefined = undefined;
  const sender = new OutboxSender(ctx.db, transport, log, {
    fromName: config.helpdeskName,
    // A getter: the trackers file reloads live (below).
    get trackers() {
      return config.trackers;
    },
    leaseSeconds: config.outboxLeaseSeconds,
    onSendFailure: (kind) => metrics?.sendFailures.inc({ kind }),
  });

  // Rules reload when the file changes; a broken edit keeps the last good rules (one log line).
  const watcher = watchRules(config.rulesFile, log);
  ctx.rules = () => watcher.value;
  // Templates too, per notification: a broken edit keeps that notification's last good version (one log line).
  const templatesWatcher = TemplatesWatcher.start(ctx.renderer, templateDirs(config), { log });
  // The SLA file likewise: ctx.sla reads the watcher, so each mail and timer pass sees the last good file.
  const slaWatcher = watchSla(config, log);
  Object.defineProperty(ctx, 'sla', { get: () => slaWatcher.value, configurable: true });
  // And the trackers file: config.trackers reads its watcher, so #bug, tracker mail and webhooks see the last good file.
  const trackersWatcher = config.trackersFile ? watchTrackers(config.trackersFile, log) : undefined;
  if (trackersWatcher) Object.defineProperty(config, 'trackers', { get: () => trackersWatcher.value, configurable: true });

  const receive = async (raw: RawMail, origin: Origin) => {
    const result = await receiveSafely(ctx, raw, origin);
    metrics?.ingested.inc({ outcome: result.outcome });
    if (result.notifications > 0) sender.poke();
    return result;
  };
  // One fetching leader per mailbox among gateways sharing the database; the others send and run timers.
  const imap = config.imap;
  const fetchKey = imap ? imapCheckpointKey(imap) : `folder:${paths.inbox}`;
  const fetchStatus = new FetchStatus(fetchKey, false);
  const source = new LedSource({
    databaseUrl: config.databaseUrl,
    key: fetchKey,
    log,
    status: fetchStatus,
    create: () =>
      imap
        ? new ImapIngress(imap, ctx.db, receive, log, config.pollIntervalSeconds * 1000, config.faults, fetchStatus, config.attachmentsDir)
        : new FolderIngress(paths.inbox, paths.processed, receive, log),
  });
  metrics = new GatewayMetrics(ctx.db, () => [fetchStatus]);
  const ops = startOpsServer({ config, db: ctx.db, log, metrics, statuses: () => [fetchStatus] });
  // POST /hooks/tracker/:ref: the development tracker's signed calls (see src/http/tracker-hook.ts).
  ops?.server.register(trackerHook(ctx));
  const stallWatch = imap ? new StallWatch({ db: ctx.db, config, renderer: ctx.renderer, sender: ctx.sender, log }, () => [fetchStatus], () => sender.poke()) : undefined;

  const timers = new TimerLoop(ctx.db, { config, renderer: ctx.renderer, sender: ctx.sender, secret: ctx.secret, get sla() { return slaWatcher.value; } }, log, { onSent: () => sender.poke() });

  sender.start();
  source.start();
  timers.start();
  stallWatch?.start();
  log.info(
    {
      database: databaseLabel(config),
      inbound: config.imap ? `imap ${config.imap.host}:${config.imap.port}/${config.imap.mailbox}` : `local folder ${paths.inbox}`,
      outbound: config.smtp ? `smtp ${config.smtp.host}:${config.smtp.port}` : `local folder ${paths.outbox}`,
      helpdesk: config.helpdeskAddress,
    },
    'deskmail gateway running',
  );
  if (config.agentAuth === 'off') log.warn('AGENT_AUTH=off: agent commands are accepted without authentication (local mode only)');

  return {
    sender,
    http: ops?.server,
    httpAddress: ops ? ops.address : Promise.resolve(undefined),
    async stop() {
      await source.stop();
      await stallWatch?.stop();
      await timers.stop();
      await sender.stop();
      await ops?.server.close();
      watcher.close();
      templatesWatcher.close();
      slaWatcher.close();
      trackersWatcher?.close();
    },
  };
}
