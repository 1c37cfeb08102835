import { writeFileSync } from 'node:fs';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import { senderIdentity, templateDirs } from '../context.js';
import { DeskmailError } from '../errors.js';
import type { TemplateVars } from '../outbox/context.js';
import { TemplateRenderer, type RenderedMail } from '../outbox/render.js';
import { composeEml } from '../outbox/send.js';
import { checkTemplates, formatProblem } from '../outbox/template-check.js';
import { sampleVars } from '../outbox/template-sample.js';
import { refusalLines } from '../outbox/template-set.js';
import { COMMON_GROUPS, NOTIFICATIONS, VARIABLES, variablesFor, type VarSpec } from '../outbox/template-vars.js';
import { findAgentById } from '../store/agents.js';
import { listMessages } from '../store/messages.js';
import type { OutboxRow } from '../store/outbox.js';
import { findTicketByRef, type TicketRow } from '../store/tickets.js';
import { varsFor } from '../workflow/notify.js';
import { previewEnvelope } from './template-eml.js';

/** `deskmail templates check`: every problem as file:line, and whether there were any. */
export function templatesCheck(config: Config): { ok: boolean; lines: string[] } {
  const dirs = templateDirs(config);
  const { problems, folders, partials } = checkTemplates(dirs);
  if (problems.length > 0) return { ok: false, lines: [...problems.map(formatProblem), `${problems.length} problem(s) in ${dirs.join(' over ')}`] };
  return { ok: true, lines: [`templates ok: ${folders.length} notification folders (locale variants included), ${partials.length} partials in ${dirs.join(' over ')}`] };
}

function table(specs: VarSpec[]): string[] {
  const width = Math.max(...specs.map((s) => s.path.length));
  const typeWidth = Math.max(...specs.map((s) => s.type.length));
  return specs.map((s) => `  ${s.path.padEnd(width)}  ${s.type.padEnd(typeWidth)}  ${s.provided === 'system' ? '' : `[${s.provided}-provided] `}${s.description}`);
}

/** `deskmail templates vars [NAME]`: the documented variables of a notification (or the list of notifications). */
export function templatesVars(name: string | undefined): string {
  if (!name) {
    const width = Math.max(...Object.keys(NOTIFICATIONS).map((n) => n.length));
    return ['notifications (deskmail templates vars NAME for the variables of one):', ...Object.entries(NOTIFICATIONS).map(([n, s]) => `  ${n.padEnd(width)}  to ${s.audience}: ${s.description}`)].join('\n');
  }
  const spec = NOTIFICATIONS[name];
  if (!spec) throw new DeskmailError('USAGE', `no notification named ${name} (known: ${Object.keys(NOTIFICATIONS).sort().join(', ')})`);
  const own = variablesFor(name);
  const ownGroups = new Set([...COMMON_GROUPS, ...spec.groups]);
  const others = Object.keys(VARIABLES).filter((g) => !ownGroups.has(g));
  return [
    `${name} — to the ${spec.audience}: ${spec.description}`,
    '',
    'variables it fills in ([customer-provided] and [agent-provided] text is escaped in HTML; never use {{{…}}} on it):',
    ...table(own),
    '',
    `present but null, false or empty here: ${others.join(', ')}`,
    'the HTML layout also sees: body (use {{{body}}}) and subject',
  ].join('\n');
}

export interface PreviewOptions {
  ticket?: string;
  eml?: string;
  locale?: string;
  html?: boolean;
}

/** The variables of a real ticket: its latest customer message, its owner, its resolution. */
async function ticketVars(ctx: AppContext, ticket: TicketRow): Promise<TemplateVars> {
  const messages = await listMessages(ctx.db, ticket.id);
  const last = [...messages].reverse().find((m) => m.direction === 'in');
  const owner = ticket.assignee_id === null ? undefined : await findAgentById(ctx.db, ticket.assignee_id);
  return varsFor(ctx.db, ctx.config, ticket, {
    agent: owner ? { name: owner.name, email: owner.email } : null,
    note: ticket.resolution,
    message: last ? { body: last.body, from: last.from_name ? `${last.from_name} <${last.from_address}>` : last.from_address } : null,
  });
}

function show(mail: RenderedMail, variant: string, html: boolean): string {
  return [`Subject: ${mail.subject}`, `Template: ${variant}`, '', '--- text ---', mail.text.trimEnd(), ...(html ? ['', '--- html ---', mail.html.trimEnd()] : [])].join('\n');
}

/**
 * `deskmail templates preview NAME`: renders with a real ticket (--ticket, needs the database) or
 * the sample ticket, to the terminal or as a complete .eml built by the sender's own code.
 */
export async function templatesPreview(config: Config, ctx: AppContext | undefined, name: string, opts: PreviewOptions, warn: (line: string) => void): Promise<string> {
  const spec = NOTIFICATIONS[name];
  const renderer = ctx?.renderer ?? new TemplateRenderer(templateDirs(config));
  if (!renderer.names().includes(name)) throw new DeskmailError('USAGE', `no template named ${name} (known: ${renderer.names().join(', ')})`);
  for (const line of refusalLines(renderer.refused)) warn(line);
  let vars: TemplateVars;
  let ticket: TicketRow | undefined;
  if (opts.ticket) {
    if (!ctx) throw new DeskmailError('USAGE', '--ticket needs the database');
    ticket = await findTicketByRef(ctx.db, opts.ticket);
    if (!ticket) throw new DeskmailError('NOT_FOUND', `no ticket ${opts.ticket}`);
    vars = await ticketVars(ctx, ticket);
  } else {
    vars = sampleVars({ name: config.helpdeskName, address: config.helpdeskAddress }, `${config.ticketPrefix}-42`);
  }
  const locale = opts.locale ?? (spec?.audience === 'customer' ? ticket?.language : undefined) ?? undefined;
  const mail = renderer.render(name, vars as unknown as Record<string, unknown>, locale);
  const variant = renderer.variant(name, locale);
  if (!opts.eml) return show(mail, variant, opts.html ?? false);

  const secret = ctx?.secret ?? config.secret;
  if (secret === undefined) warn('no database and no DESKMAIL_SECRET: the Reply-To token is signed with a placeholder secret (the real mail carries one signed with the database\'s)');
  const envelope = await previewEnvelope({
    config,
    sender: ctx?.sender ?? senderIdentity(config),
    secret: secret ?? 'preview-placeholder-secret',
    name,
    vars,
    ticket: ctx && ticket ? { db: ctx.db, row: ticket } : undefined,
  });
  const row: OutboxRow = {
    id: 0,
    ticket_id: ticket?.id ?? null,
    kind: name,
    message_id: envelope.messageId,
    from_address: config.helpdeskAddress,
    from_name: envelope.fromName,
    to_addresses: [envelope.to],
    subject: mail.subject,
    text_body: mail.text,
    html_body: mail.html,
    headers: envelope.headers,
    status: 'pending',
    attempts: 0,
    next_attempt_at: new Date(),
    locked_until: null,
    last_error: null,
    sent_at: null,
    created_at: new Date(),
  };
  const eml = await composeEml(row, config.helpdeskName);
  try {
    writeFileSync(opts.eml, eml);
  } catch (err) {
    throw new DeskmailError('USAGE', `cannot write ${opts.eml}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return `${opts.eml}: ${mail.subject} (${variant}, ${eml.length} bytes)`;
}
