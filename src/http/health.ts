import type { FetchStatus } from '../ingress/fetch-status.js';
import type { Db } from '../store/db.js';
import { pingDb } from '../store/ops-stats.js';
import { pathOf, sendJson, type HttpHandler } from './server.js';

export interface HealthReport {
  ok: boolean;
  /** Why it is not ok (one line each); empty when ok. */
  problems: string[];
  database: 'ok' | 'unreachable';
  mailboxes: { mailbox: string; role: 'leader' | 'follower'; lastSuccessAt: string | null; lastError: string | null }[];
}

/** Healthy = the database answers and no mailbox this process leads has stalled. */
export async function checkHealth(db: Db, fetchStatuses: FetchStatus[], stallMinutes: number): Promise<HealthReport> {
  const problems: string[] = [];
  let database: HealthReport['database'] = 'ok';
  try {
    await Promise.race([pingDb(db), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5_000).unref())]);
  } catch (err) {
    database = 'unreachable';
    problems.push(`database unreachable: ${(err as Error).message.split('\n')[0]}`);
  }
  const mailboxes = fetchStatuses.map((status) => {
    const s = status.snapshot();
    const stall = status.stallReason(stallMinutes);
    if (stall) problems.push(stall);
    return { mailbox: s.mailbox, role: s.isLeader ? ('leader' as const) : ('follower' as const), lastSuccessAt: s.lastSuccessAt?.toISOString() ?? null, lastError: s.lastError ?? null };
  });
  return { ok: problems.length === 0, problems, database, mailboxes };
}

/** GET /healthz: 200 with the report when healthy, 503 with the reasons otherwise. */
export function healthHandler(db: Db, fetchStatuses: () => FetchStatus[], stallMinutes: number): HttpHandler {
  return async (req, res) => {
    if (req.method !== 'GET' || pathOf(req) !== '/healthz') return false;
    const report = await checkHealth(db, fetchStatuses(), stallMinutes);
    sendJson(res, report.ok ? 200 : 503, report);
    return true;
  };
}
