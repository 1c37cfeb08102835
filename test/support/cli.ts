import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'src', 'main.ts');

/** Environment for a child deskmail: none of the runner's deskmail settings leak in. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(DATABASE_URL|IMAP_URL|SMTP_URL|HELPDESK_|TICKET_PREFIX|POLL_INTERVAL|AGENT_AUTH|DESKMAIL_)/.test(k)) base[k] = v;
  }
  return { ...base, LOG_LEVEL: 'warn', ...env };
}

/** Runs node with `args` in its own process, stdin given or closed, and collects its output. */
export function runNode(args: string[], opts: { env: NodeJS.ProcessEnv; input?: string | Buffer; cwd?: string }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: opts.cwd ?? ROOT, env: opts.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input);
  });
}

/** The real CLI as a user runs it (from source through tsx), in its own process. */
export function runCli(args: string[], opts: { env?: Record<string, string>; input?: string | Buffer; cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runNode(['--import', 'tsx', MAIN, ...args], { ...opts, env: childEnv(opts.env ?? {}) });
}

/** Starts `deskmail run` in the background; the caller stops it. */
export function startDaemon(env: Record<string, string>, cwd?: string): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run'], { cwd: cwd ?? ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { child, output: () => output, exited };
}

export { ROOT };
