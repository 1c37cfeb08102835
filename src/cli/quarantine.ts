import type { AppContext } from '../context.js';
import { DeskmailError } from '../errors.js';
import { receiveSafely } from '../ingress/receive-safely.js';
import { getQuarantine, listQuarantine, markQuarantineRetried } from '../store/ingest-log.js';

function idOf(raw: string): number {
  const id = Number(raw);
  if (!Number.isInteger(id) || id <= 0) throw new DeskmailError('USAGE', `not a quarantine id: ${raw}`);
  return id;
}

/** The first lines of the raw header block, enough to recognise a mail. */
function headerPreview(raw: Buffer): string[] {
  const head = raw.subarray(0, 8192).toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
  return head
    .split(/\r?\n(?![ \t])/)
    .filter((l) => /^(from|to|subject|date|message-id|content-type):/i.test(l))
    .map((l) => l.replace(/\s+/g, ' ').slice(0, 200));
}

export async function quarantineList(ctx: AppContext, opts: { json?: boolean; all?: boolean }): Promise<string> {
  const rows = await listQuarantine(ctx.db, { all: opts.all });
  const list = rows.map((r) => ({ id: r.id, source: r.source, reason: r.reason, status: r.status, at: new Date(r.at).toISOString() }));
  if (opts.json) return JSON.stringify(list, null, 2);
  if (list.length === 0) return opts.all ? 'quarantine is empty' : 'no mail held in quarantine';
  return list.map((r) => `#${String(r.id).padEnd(5)} ${r.at}  ${r.status.padEnd(7)} ${r.source.padEnd(24)} ${r.reason}`).join('\n');
}

export async function quarantineShow(ctx: AppContext, rawId: string, opts: { json?: boolean; raw?: boolean }): Promise<string> {
  const row = await getQuarantine(ctx.db, idOf(rawId));
  if (!row) throw new DeskmailError('NOT_FOUND', `no quarantined mail #${rawId}`);
  const raw = Buffer.from(row.raw);
  if (opts.raw) return raw.toString('utf8');
  const view = { id: row.id, source: row.source, reason: row.reason, status: row.status, at: new Date(row.at).toISOString(), size: raw.length, headers: headerPreview(raw) };
  if (opts.json) return JSON.stringify(view, null, 2);
  return [`#${view.id} from ${view.source} at ${view.at} (${view.status})`, `reason: ${view.reason}`, `size: ${view.size} bytes`, ...view.headers.map((h) => `  ${h}`), '', `deskmail quarantine show ${view.id} --raw   prints the original source`].join('\n');
}

/** Runs a held mail through the pipeline again (after a fix or a config change). */
export async function quarantineRetry(ctx: AppContext, rawId: string): Promise<string> {
  const id = idOf(rawId);
  const row = await getQuarantine(ctx.db, id);
  if (!row) throw new DeskmailError('NOT_FOUND', `no quarantined mail #${rawId}`);
  if (row.status !== 'held') throw new DeskmailError('USAGE', `quarantined mail #${id} was already retried`);
  const result = await receiveSafely(ctx, Buffer.from(row.raw), { source: `quarantine:${id}` });
  if (result.outcome === 'quarantined') {
    // One held row per mail: the failed attempt updates the original instead of adding a copy.
    await ctx.db('quarantine').where({ source: `quarantine:${id}`, status: 'held' }).del();
    await ctx.db('quarantine').where({ id }).update({ reason: result.reason });
    return `#${id} is still not processable: ${result.reason} (kept in quarantine)`;
  }
  await markQuarantineRetried(ctx.db, id);
  return `#${id}: ${result.outcome}${result.ticketRef ? ` ${result.ticketRef}` : ''} (${result.reason})`;
}
