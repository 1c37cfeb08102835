#!/usr/bin/env node
import { accessSync, constants } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { loadConfig } from './config.js';
import type { AppContext } from './context.js';
import { DeskmailError, isTemporaryFailure } from './errors.js';
import { createLogger, redactSecrets } from './log.js';

// Commands load their modules when they run, so `--help` and argument errors answer at once.
const context = () => import('./context.js');

/** sysexits.h EX_TEMPFAIL: the MTA keeps the message and tries again later. */
const EX_TEMPFAIL = 75;

/** Runs one command with a context, printing its output; every error becomes one line and an exit code. */
async function withContext(
  action: (ctx: AppContext) => Promise<string | string[] | void>,
  opts: { tempfailExit?: number; precheck?: () => void } = {},
): Promise<void> {
  let ctx: AppContext | undefined;
  try {
    // Argument errors answer before the database is opened (which may be slow, or busy).
    opts.precheck?.();
    const config = loadConfig();
    ctx = await (await context()).openContext(config, createLogger({ level: config.logLevel }));
    const out = await action(ctx);
    if (out !== undefined) process.stdout.write((Array.isArray(out) ? out.join('\n') : out) + '\n');
  } catch (err) {
    process.exitCode = exitCodeFor(err, opts.tempfailExit);
    process.stderr.write(`deskmail: ${errorLine(err)}\n`);
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}

function mustBeReadable(file: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    throw new DeskmailError('USAGE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function errorLine(err: unknown): string {
  if (err instanceof DeskmailError) return redactSecrets(err.toLine());
  return redactSecrets(err instanceof Error ? err.message.split('\n')[0] ?? String(err) : String(err));
}

function exitCodeFor(err: unknown, tempfailExit: number | undefined): number {
  if (tempfailExit !== undefined && isTemporaryFailure(err)) return tempfailExit;
  if (err instanceof DeskmailError) return err.code === 'TEMPORARY' || err.code === 'DATABASE' ? 1 : 2;
  return 1;
}

const program = new Command();
program
  .name('deskmail')
  .description('Email-driven helpdesk gateway: a shared mailbox becomes a helpdesk.')
  .showHelpAfterError(false)
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(`deskmail: ${str.replace(/^error: /, '').trim()}\n`) });

program
  .command('run')
  .description('run the gateway daemon (applies pending migrations first); Ctrl-C / SIGTERM stops it cleanly')
  .action(async () => {
    let ctx: AppContext;
    try {
      const config = loadConfig();
      ctx = await (await context()).openContext(config, createLogger({ level: config.logLevel }));
    } catch (err) {
      process.stderr.write(`deskmail: ${errorLine(err)}\n`);
      process.exit(exitCodeFor(err, undefined));
    }
    const gateway = (await import('./gateway.js')).startGateway(ctx);
    let stopping = false;
    const stop = async (signal: string): Promise<void> => {
      if (stopping) return;
      stopping = true;
      ctx.log.info({ signal }, 'stopping: finishing the mail in hand');
      await gateway.stop();
      await ctx.close();
      ctx.log.info('stopped');
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.stdout.write((await context()).describeRun(ctx, await gateway.httpAddress) + '\n');
  });

program
  .command('doctor')
  .description('check database, IMAP, SMTP, helpdesk address, templates and rules; one ok/FAIL line each; exit 1 if any fails')
  .action(async () => {
    const result = await (await import('./cli/doctor.js')).doctor();
    process.stdout.write(result.lines.join('\n') + '\n');
    process.exitCode = result.ok ? 0 : 1;
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(() =>
    withContext(async (ctx) => (ctx.appliedMigrations.length ? `applied: ${ctx.appliedMigrations.join(', ')}` : 'database is up to date')),
  );

program
  .command('ingest')
  .description('process raw messages from files, or one from standard input (MTA pipe); exit 0 when stored or deliberately dropped, 75 to retry later')
  .argument('[files...]', 'raw RFC 5322 message files (.eml)')
  .action((files: string[]) =>
    withContext(async (ctx) => (await import('./cli/ingest.js')).ingestCommand(ctx, files), { tempfailExit: EX_TEMPFAIL, precheck: () => files.forEach(mustBeReadable) }),
  );

const agents = program.command('agents').description('manage the agents who may command tickets by mail');
agents
  .command('add')
  .description('register an agent (or update one)')
  .argument('<email>', 'the agent\'s address')
  .option('--name <name>', 'display name (signs their replies)')
  .option('--skills <list>', 'comma-separated skills, e.g. billing,dns')
  .option('--role <role>', 'agent | lead | admin', 'agent')
  .action((email: string, opts: { name?: string; skills?: string; role?: string }) => withContext(async (ctx) => (await import('./cli/agents.js')).agentsAdd(ctx, email, opts)));
agents
  .command('list')
  .description('list registered agents')
  .option('--json', 'machine-readable output')
  .action((opts: { json?: boolean }) => withContext(async (ctx) => (await import('./cli/agents.js')).agentsList(ctx, opts)));
agents
  .command('remove')
  .description('remove an agent (their history stays)')
  .argument('<email>', 'the agent\'s address')
  .action((email: string) => withContext(async (ctx) => (await import('./cli/agents.js')).agentsRemove(ctx, email)));

agents
  .command('away')
  .description('mark an agent away: no auto-assignment; their open tickets not waiting on someone go back to the queue')
  .argument('<email>', 'the agent\'s address')
  .requiredOption('--until <date>', 'back on: YYYY-MM-DD (away through the day before) or an ISO date-time')
  .option('--note <text>', 'shown in agents list and told to triage with the handed-back tickets')
  .action((email: string, opts: { until: string; note?: string }) => withContext(async (ctx) => (await import('./cli/agents-away.js')).agentsAway(ctx, email, opts)));
agents
  .command('back')
  .description('mark an agent available again')
  .argument('<email>', 'the agent\'s address')
  .action((email: string) => withContext(async (ctx) => (await import('./cli/agents-away.js')).agentsBack(ctx, email)));

const tickets = program.command('tickets').description('look at tickets');
tickets
  .command('list')
  .description('list tickets, oldest first')
  .option('--status <status>', 'only tickets with this status')
  .option('--json', 'machine-readable output')
  .action((opts: { status?: string; json?: boolean }) => withContext(async (ctx) => (await import('./cli/tickets.js')).ticketsList(ctx, opts)));
tickets
  .command('show')
  .description('one ticket with its messages, decision records and history')
  .argument('<ref>', 'ticket reference, e.g. HD-42')
  .option('--json', 'machine-readable output')
  .action((ref: string, opts: { json?: boolean }) => withContext(async (ctx) => (await import('./cli/tickets.js')).ticketsShow(ctx, ref, opts)));

/** Commands that need no database: config and a file or two. */
async function withoutContext(action: (config: ReturnType<typeof loadConfig>) => Promise<string> | string): Promise<void> {
  try {
    process.stdout.write(`${await action(loadConfig())}\n`);
  } catch (err) {
    process.exitCode = exitCodeFor(err, undefined);
    process.stderr.write(`deskmail: ${errorLine(err)}\n`);
  }
}

const rules = program.command('rules').description('the triage rules admins edit (config/rules.yaml or DESKMAIL_RULES)');
rules
  .command('check')
  .description('validate a rules file; one line naming file and line for a problem')
  .argument('[file]', 'rules file (default: DESKMAIL_RULES or the shipped config/rules.yaml)')
  .action((file: string | undefined) => withoutContext(async (config) => (await import('./cli/rules.js')).rulesCheck(file ?? config.rulesFile)));
rules
  .command('test')
  .description('which rules match a mail, and the category, priority, tags and actions that result')
  .argument('<mail>', 'a raw message file (.eml)')
  .option('--rules <file>', 'rules file to use instead of the configured one')
  .action((mail: string, opts: { rules?: string }) => withoutContext(async (config) => (await import('./cli/rules.js')).rulesTest(mail, opts.rules ?? config.rulesFile)));

const sla = program.command('sla').description('SLA targets, business hours, timers and auto-assignment (config/sla.yaml or DESKMAIL_SLA)');
sla
  .command('check')
  .description('validate the SLA file (one line naming file and line for a problem) and print the effective targets')
  .argument('[file]', 'SLA file (default: DESKMAIL_SLA or the shipped config/sla.yaml)')
  .action((file: string | undefined) => withoutContext(async (config) => (await import('./cli/sla.js')).slaCheck(config, file ?? config.slaFile)));

program
  .command('report')
  .description('the KPIs (seed 003 targets beside them): response and resolution times, FCR, reopened, CSAT, escalations, SLA, backlog, agents')
  .option('--since <date>', 'start of the period, e.g. 2026-11-01 (default: 30 days ago; 7 with --mail)')
  .option('--json', 'machine-readable output')
  .option('--html <file>', 'write a self-contained page with charts')
  .option('--mail', 'queue the weekly digest to the leads (run it weekly from cron)')
  .action((opts: { since?: string; json?: boolean; html?: string; mail?: boolean }) => withContext(async (ctx) => (await import('./cli/report.js')).reportCommand(ctx, opts)));

const templates = program.command('templates').description('the notification templates admins edit (templates/, overridden by DESKMAIL_TEMPLATES_DIR)');
templates
  .command('check')
  .description('check every template (override directory over shipped); exit 1 naming file:line of each problem')
  .action(() =>
    withoutContext(async (config) => {
      const result = (await import('./cli/templates.js')).templatesCheck(config);
      if (!result.ok) process.exitCode = 1;
      return result.lines.join('\n');
    }),
  );
templates
  .command('vars')
  .description('the variables a notification\'s templates may use (without NAME: the notifications)')
  .argument('[name]', 'notification, e.g. resolved')
  .action((name: string | undefined) => withoutContext(async () => (await import('./cli/templates.js')).templatesVars(name)));
templates
  .command('preview')
  .description('render a notification with a real ticket (--ticket) or a sample one, to the terminal or an .eml file')
  .argument('<name>', 'notification, e.g. resolved')
  .option('--ticket <ref>', 'use this ticket from the database, e.g. HD-42')
  .option('--eml <file>', 'write the complete message, as the sender would send it, to this file')
  .option('--locale <locale>', 'language variant, e.g. de (default: the ticket\'s language)')
  .option('--html', 'print the HTML part too')
  .action(async (name: string, opts: { ticket?: string; eml?: string; locale?: string; html?: boolean }) => {
    const preview = async (config: ReturnType<typeof loadConfig>, ctx: AppContext | undefined): Promise<string> =>
      (await import('./cli/templates.js')).templatesPreview(config, ctx, name, opts, (line) => process.stderr.write(`deskmail: ${line}\n`));
    if (opts.ticket) await withContext((ctx) => preview(ctx.config, ctx));
    else await withoutContext((config) => preview(config, undefined));
  });

const quarantine = program.command('quarantine').description('mail that could not be processed, kept with the reason');
quarantine
  .command('list')
  .description('list held mail (with --all, retried mail too)')
  .option('--all', 'include mail already retried')
  .option('--json', 'machine-readable output')
  .action((opts: { json?: boolean; all?: boolean }) => withContext(async (ctx) => (await import('./cli/quarantine.js')).quarantineList(ctx, opts)));
quarantine
  .command('show')
  .description('one held mail: why, where from, its headers')
  .argument('<id>', 'quarantine id')
  .option('--json', 'machine-readable output')
  .option('--raw', 'print the original source')
  .action((id: string, opts: { json?: boolean; raw?: boolean }) => withContext(async (ctx) => (await import('./cli/quarantine.js')).quarantineShow(ctx, id, opts)));
quarantine
  .command('retry')
  .description('process a held mail again')
  .argument('<id>', 'quarantine id')
  .action((id: string) => withContext(async (ctx) => (await import('./cli/quarantine.js')).quarantineRetry(ctx, id), { tempfailExit: EX_TEMPFAIL }));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version exit 0; usage errors already printed their one line.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`deskmail: ${errorLine(err)}\n`);
    process.exitCode = 1;
  }
}
