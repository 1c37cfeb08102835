/**
 * `deskmail run` as its own process, as an operator runs it (from source through tsx), so its
 * memory is its own: /proc/PID/status gives VmRSS and VmHWM. Progress is read from the database
 * (receipts, outbox) the gateway writes; its log goes to a file beside the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface GatewayProcess {
  pid: number;
  /** Wall-clock ms of the gateway's "imap connected" log line. */
  connectedAt: number;
  memory(): { rss: number; hwm: number };
  /** CPU seconds (user + system) the process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of /proc/PID/stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function procMemory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Environment for the child: only what we set, plus PATH/HOME (no deskmail settings of the caller leak in). */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'NODE_OPTIONS'];
  return { ...Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])), ...env };
}

export async function startGatewayProcess(env: Record<string, string>, logFile: string, timeoutMs = 60_000): Promise<GatewayProcess> {
  const fd = openSync(logFile, 'a');
  // BENCH_CPU_PROF=DIR: a V8 CPU profile of each gateway, written when it stops (open in Chrome DevTools).
  const profile = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_CPU_PROF']] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, '--import', 'tsx', join(ROOT, 'src', 'main.ts'), 'run'], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => child.on('exit', (code) => ((exitCode = code), resolve())));
  const deadline = Date.now() + timeoutMs;
  let connectedAt: number | undefined;
  while (connectedAt === undefined) {
    if (exitCode !== undefined) throw new Error(`gateway exited with ${exitCode} before connecting; see ${logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway did not connect to IMAP within ${timeoutMs} ms; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 50));
    for (const line of readFileSync(logFile, 'utf8').split('\n')) {
      if (!line.includes('"imap connected"')) continue;
      const entry = JSON.parse(line) as { time?: number; pid?: number };
      connectedAt = entry.time ?? Date.now();
    }
  }
  return {
    pid: child.pid!,
    connectedAt,
    memory: () => procMemory(child.pid!),
    cpuSeconds: () => procCpuSeconds(child.pid!),
    async stop() {
      if (exitCode === undefined) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface Progress {
  receipts: number;
  stored: number;
  pending: number;
  sent: number;
  failed: number;
  /** Wall-clock ms of the last receipt or the last SMTP acceptance, whichever is later. */
  lastActivityAt: number;
}

export async function progress(db: pg.Client): Promise<Progress> {
  const r = await db.query<{ receipts: string; stored: string; last: Date | null }>("SELECT count(*) AS receipts, count(*) FILTER (WHERE outcome = 'stored') AS stored, max(at) AS last FROM receipts");
  const o = await db.query<{ pending: string; sent: string; failed: string; last: Date | null }>(
    "SELECT count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE status = 'failed') AS failed, max(sent_at) AS last FROM outbox",
  );
  const a = r.rows[0]!;
  const b = o.rows[0]!;
  return {
    receipts: Number(a.receipts),
    stored: Number(a.stored),
    pending: Number(b.pending),
    sent: Number(b.sent),
    failed: Number(b.failed),
    lastActivityAt: Math.max(a.last ? a.last.getTime() : 0, b.last ? b.last.getTime() : 0),
  };
}

/** Polls the database until `receipts` mail are handled and nothing is left to send. */
export async function waitForDrain(db: pg.Client, receipts: number, opts: { timeoutMs: number; onTick?: () => void }): Promise<Progress> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const p = await progress(db);
    opts.onTick?.();
    if (p.receipts >= receipts && p.pending === 0) return p;
    if (Date.now() > deadline) throw new Error(`timed out: ${p.receipts}/${receipts} mail handled, ${p.pending} acknowledgment(s) still pending`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The schema may not exist yet when the gateway has just started; wait for its migrations. */
export async function openProgressClient(url: string): Promise<pg.Client> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  for (let i = 0; i < 600; i++) {
    const t = await db.query("SELECT to_regclass('public.receipts') AS r, to_regclass('public.outbox') AS o");
    const row = t.rows[0] as { r: string | null; o: string | null };
    if (row.r && row.o) return db;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the gateway never created its tables');
}
