import { localPaths } from './config.js';
import { databaseLabel, type AppContext } from './context.js';
import { FolderIngress } from './ingress/folder.js';
import { ImapIngress } from './ingress/imap.js';
import { receiveSafely } from './ingress/receive-safely.js';
import { folderTransport, OutboxSender, smtpTransport } from './outbox/send.js';
import type { Origin } from './receive.js';
import { TimerLoop } from './workflow/timers.js';
import { RulesWatcher } from './rules-file.js';

export interface RunningGateway {
  sender: OutboxSender;
  stop(): Promise<void>;
}

/** The daemon: one mail source (IMAP or the local inbox folder) and the outbox sender. */
export function startGateway(ctx: AppContext): RunningGateway {
  const { config, log } = ctx;
  const paths = localPaths(config);
  const transport = config.smtp ? smtpTransport(config.smtp) : folderTransport(paths.outbox);
  const sender = new OutboxSender(ctx.db, transport, log, { fromName: config.helpdeskName });

  // Rules reload when the file changes; a broken edit keeps the last good rules (one log line).
  const watcher = RulesWatcher.start(config.rulesFile, { log });
  ctx.rules = () => watcher.rules;

  const receive = async (raw: Buffer, origin: Origin) => {
    const result = await receiveSafely(ctx, raw, origin);
    if (result.notifications > 0) sender.poke();
    return result;
  };
  const source = config.imap
    ? new ImapIngress(config.imap, ctx.db, receive, log, config.pollIntervalSeconds * 1000, config.faults)
    : new FolderIngress(paths.inbox, paths.processed, receive, log);

  const timers = new TimerLoop(ctx.db, { config, renderer: ctx.renderer, sender: ctx.sender, secret: ctx.secret, sla: ctx.sla }, log, { onSent: () => sender.poke() });

  sender.start();
  source.start();
  timers.start();
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
    async stop() {
      await source.stop();
      await timers.stop();
      await sender.stop();
      watcher.close();
    },
  };
}
