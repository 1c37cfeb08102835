/**
 * Test support: a REAL mail stack for integration tests.
 *
 *   OpenSMTPD (SMTP in, 127.0.0.1:<smtpPort>)
 *        │  lmtp action, rcpt-to (original recipient kept, incl. +detail)
 *        ▼
 *   Dovecot LMTP (127.0.0.1:<lmtpPort>) → Maildir under <tmp>/vmail/<domain>/<user>
 *        ▲
 *   Dovecot IMAP (127.0.0.1:<imapPort>, plaintext, no TLS)
 *
 * Everything (configs, Dovecot base/state dirs, logs, mail storage, and, when
 * possible, OpenSMTPD's queue and control socket) lives in one temp dir that
 * stop() removes. Both daemons run as foreground child processes in their own
 * process group, so we can always kill the whole tree.
 *
 * Written for Dovecot 2.3 (Debian 12 ships 2.3.19) and OpenSMTPD 6.8 (Debian 12).
 * Requires root: smtpd refuses to run otherwise, and Dovecot has to switch to
 * the `mail` user for mail storage.
 *
 * OpenSMTPD has a compiled-in, machine-global control socket and queue. We run
 * it in a private mount namespace with per-stack dirs bound over those paths,
 * so several stacks (e.g. parallel vitest files) and a system smtpd coexist.
 * If namespaces are unavailable (or DESKMAIL_MAILSTACK_GLOBAL_SMTPD=1), we fall
 * back to the global paths and kill any other smtpd first; then only ONE stack
 * may run per machine at a time (run such test files sequentially).
 *
 * Quirks worth knowing in tests:
 *  - Delivery is asynchronous (SMTP accept -> queue -> LMTP): poll IMAP.
 *  - OpenSMTPD adds Date/Message-ID if missing, and stored mail has two
 *    Return-Path headers (one from smtpd, one from Dovecot LMTP).
 *  - Mail accepted while Dovecot is down is retried by smtpd after ~10 s.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface MailStack {
  host: '127.0.0.1';
  /** Dovecot IMAP, plaintext, LOGIN/PLAIN allowed without TLS. */
  imapPort: number;
  /** OpenSMTPD listener accepting mail for `domains`; no auth, no TLS. */
  smtpPort: number;
  /** ['example.test', 'helpdesk.test'] */
  domains: string[];
  /** IMAP password of every user (user name = full address, e.g. bob@example.test). */
  password: string;
  /** e.g. imap://support%40helpdesk.test:PASS@127.0.0.1:PORT/INBOX */
  imapUrl(user: string, mailbox?: string): string;
  /** smtp://127.0.0.1:PORT */
  smtpUrl(): string;
  /** Kill both daemons (SIGTERM, SIGKILL after 3 s) and remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Stop Dovecot and start it again on the same ports with the same mail storage. */
  restartDovecot(): Promise<void>;
}

const HOST = '127.0.0.1' as const;
const DOMAINS: readonly string[] = ['example.test', 'helpdesk.test'];
const PASSWORD = 'deskmail-test-password';
const READY_TIMEOUT_MS = 20_000;
const KILL_GRACE_MS = 3_000;
const TMP_PREFIX = 'deskmail-mailstack-';
const APT_PACKAGES = ['dovecot-imapd', 'dovecot-lmtpd', 'opensmtpd'] as const;
const LOG_TAIL_LINES = 40;
/** Set to 1 to skip the private mount namespace for smtpd (see startSmtpd). */
const FORCE_GLOBAL_SMTPD_ENV = 'DESKMAIL_MAILSTACK_GLOBAL_SMTPD';

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Root's PATH is not always guaranteed to contain the sbin dirs, so look there explicitly. */
function findBinary(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command to completion; never rejects (callers decide what a failure means). */
function run(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: opts.timeoutMs ?? 60_000, env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err ? err.message : '') });
      },
    );
  });
}

function tail(text: string, lines = LOG_TAIL_LINES): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM means "exists but not ours", which still counts as alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Like isAlive, but a zombie (killed, not yet reaped by its new parent) counts as dead. */
function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc: trust kill(pid, 0)
  }
}

/** Resolve uid/gid of a system user without extra dependencies (/etc/passwd, then getent for NSS setups). */
async function lookupUser(name: string): Promise<{ uid: number; gid: number }> {
  const fromLine = (line: string): { uid: number; gid: number } | undefined => {
    const f = line.split(':');
    if (f[0] !== name || f[2] === undefined || f[3] === undefined) return undefined;
    return { uid: Number(f[2]), gid: Number(f[3]) };
  };
  for (const line of (await readFile('/etc/passwd', 'utf8').catch(() => '')).split('\n')) {
    const hit = fromLine(line);
    if (hit) return hit;
  }
  const res = await run('getent', ['passwd', name]);
  const hit = fromLine(res.stdout.trim());
  if (hit) return hit;
  throw new Error(`mailstack: system user "${name}" not found (it is created by Debian's base-passwd)`);
}

/**
 * Free loopback ports: bind to port 0 and release. All sockets are held open
 * until every port has been chosen so that the ports are distinct. There is an
 * unavoidable small race between release and the daemon binding; the ports
 * come from the ephemeral range, so collisions are very unlikely.
 */
async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const srv = net.createServer();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen({ host: HOST, port: 0, exclusive: true }, () => resolve());
      });
      const addr = srv.address();
      if (!addr || typeof addr === 'string') throw new Error('mailstack: could not determine a free port');
      ports.push(addr.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/**
 * One connect attempt: resolves true if the server sends a first line starting
 * with `greeting` (e.g. "220" for SMTP/LMTP, "* OK" for IMAP). A bare TCP
 * connect is not enough: Dovecot/smtpd accept on the listening socket before
 * the worker process is ready to talk.
 */
function probeGreeting(port: number, greeting: string): Promise<boolean> {
  return new Promise((resolve) => {
    let buf = '';
    const sock = net.connect({ host: HOST, port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2_000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.startsWith(greeting));
    });
  });
}

// ---------------------------------------------------------------------------
// Child process management
// ---------------------------------------------------------------------------

/**
 * A daemon started in the foreground as our child, in its own process group
 * (`detached: true` => setsid), so that signals to -pid reach the master and
 * every worker it forked (Dovecot's imap/lmtp/auth, smtpd's queue/scheduler/mda).
 */
class Daemon {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves when the group leader has exited (never rejects). */
  readonly exited: Promise<void>;
  exitInfo: string | undefined;
  private output = '';

  constructor(name: string, cmd: string, args: string[], cwd: string) {
    this.name = name;
    this.child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.child.pid === undefined) throw new Error(`mailstack: failed to spawn ${cmd}`);
    this.pid = this.child.pid;
    const collect = (chunk: Buffer): void => {
      // Keep only a bounded tail of stdout/stderr for error messages.
      this.output = (this.output + chunk.toString('utf8')).slice(-64 * 1024);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${String(code)}`;
        resolve();
      });
      this.child.once('error', (err) => {
        this.exitInfo = `spawn error: ${err.message}`;
        resolve();
      });
    });
    // Never let a daemon keep the test runner's event loop alive.
    // (stdio pipes are net.Sockets at runtime, typed as plain Readables.)
    this.child.unref();
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (stream instanceof net.Socket) stream.unref();
    }
    liveDaemons.add(this);
  }

  outputTail(): string {
    return tail(this.output);
  }

  private signalGroup(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // group already gone
    }
  }

  /** True while any process of the group (leader or orphaned worker) is alive. */
  private groupAlive(): boolean {
    return isAlive(-this.pid);
  }

  /** SIGTERM the whole group, SIGKILL whatever is left after KILL_GRACE_MS. */
  async stop(): Promise<void> {
    if (this.groupAlive()) {
      this.signalGroup('SIGTERM');
      const deadline = Date.now() + KILL_GRACE_MS;
      while (this.groupAlive() && Date.now() < deadline) await sleep(25);
      if (this.groupAlive()) {
        this.signalGroup('SIGKILL');
        const hardDeadline = Date.now() + 2_000;
        while (this.groupAlive() && Date.now() < hardDeadline) await sleep(25);
      }
    }
    // Zombie workers can briefly keep the group "alive"; the leader is what we own.
    await Promise.race([this.exited, sleep(1_000)]);
    liveDaemons.delete(this);
  }

  /** Synchronous last-resort kill for the process 'exit' handler. */
  killNow(): void {
    this.signalGroup('SIGKILL');
    liveDaemons.delete(this);
  }
}

/**
 * Poll until `port` greets with `greeting`. Fails fast if the daemon exits, and
 * after READY_TIMEOUT_MS; the error contains the tail of the daemon's logs.
 */
async function waitReady(daemon: Daemon, port: number, greeting: string, extraLog: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  void daemon.exited.then(() => {
    exited = true;
  });
  while (!exited) {
    if (await probeGreeting(port, greeting)) return;
    if (Date.now() > deadline) break;
    await sleep(100);
  }
  const why = exited ? `${daemon.name} ${daemon.exitInfo ?? 'exited'}` : `${daemon.name} not ready on ${HOST}:${port} after ${READY_TIMEOUT_MS / 1000} s`;
  const logs = [daemon.outputTail(), await extraLog().catch(() => '')].filter((s) => s.trim()).join('\n');
  throw new Error(`mailstack: ${why}\n--- log tail ---\n${logs || '(no output)'}`);
}

// ---------------------------------------------------------------------------
// Cleanup of crashed runs
// ---------------------------------------------------------------------------

/** Everything we started and have not stopped yet, plus temp dirs to delete. */
const liveDaemons = new Set<Daemon>();
const liveDirs = new Set<string>();
let exitHandlerInstalled = false;

/**
 * 'exit' handlers must be synchronous: SIGKILL every process group we own and
 * remove the temp dirs, so a crashed or aborted test run leaves nothing behind.
 * Signals do not fire 'exit' by default, so for SIGINT/SIGTERM/SIGHUP we clean
 * up and then re-raise the signal if nobody else (e.g. vitest) handles it.
 */
function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  const cleanup = (): void => {
    for (const d of [...liveDaemons]) d.killNow();
    for (const dir of [...liveDirs]) {
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // best effort
      }
      liveDirs.delete(dir);
    }
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      cleanup();
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.once(sig, onSignal);
  }
}

/**
 * A test process that died by SIGKILL cannot run its exit handler. Each stack
 * records its owner pid in <tmp>/owner.pid; on start we kill daemons belonging
 * to stacks whose owner is gone (identified by the temp dir in their command
 * line, so an unrelated process that reused a pid is never touched) and delete
 * those temp dirs.
 */
function sweepStaleStacks(): void {
  const dirs: string[] = [];
  for (const base of new Set([os.tmpdir(), worldTraversableTmpBase()])) {
    try {
      for (const e of readdirSync(base)) if (e.startsWith(TMP_PREFIX)) dirs.push(path.join(base, e));
    } catch {
      // unreadable tmp base: nothing to sweep there
    }
  }
  for (const dir of dirs) {
    let owner: number;
    try {
      owner = Number(readFileSync(path.join(dir, 'owner.pid'), 'utf8').trim());
    } catch {
      continue; // still being set up by someone else, or not ours
    }
    if (!Number.isInteger(owner) || owner <= 0 || isRunning(owner)) continue;
    for (const pid of processesMentioning(dir)) {
      try {
        process.kill(-pid, 'SIGKILL'); // our daemons are group leaders
      } catch {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
}

function listProcs(): { pid: number; comm: string; cmdline: string }[] {
  const out: { pid: number; comm: string; cmdline: string }[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return out;
  }
  for (const p of pids) {
    try {
      const comm = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      const cmdline = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ');
      out.push({ pid: Number(p), comm, cmdline });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function processesMentioning(dir: string): number[] {
  return listProcs()
    .filter((p) => p.pid !== process.pid && p.cmdline.includes(dir + '/'))
    .map((p) => p.pid);
}

// ---------------------------------------------------------------------------
// Packages
// ---------------------------------------------------------------------------

/** Dovecot's imap/lmtp binaries come from separate Debian packages than `dovecot` itself. */
function dovecotProtocolBinariesPresent(): boolean {
  return ['/usr/lib/dovecot', '/usr/libexec/dovecot'].some(
    (dir) => existsSync(path.join(dir, 'imap')) && existsSync(path.join(dir, 'lmtp')),
  );
}

function mailPackagesPresent(): boolean {
  return (
    findBinary('dovecot') !== undefined &&
    findBinary('smtpd') !== undefined &&
    dovecotProtocolBinariesPresent()
  );
}

export async function ensureMailPackages(): Promise<void> {
  if (mailPackagesPresent()) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`mailstack: Dovecot/OpenSMTPD missing; install them as root: apt-get install -y ${APT_PACKAGES.join(' ')}`);
  }
  // Lock timeout: parallel test workers may race to install; let apt wait for the dpkg lock.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  const update = await run('apt-get', [...lock, 'update'], { env, timeoutMs: 600_000 });
  if (update.code !== 0) throw new Error(`mailstack: apt-get update failed:\n${tail(update.stdout + update.stderr)}`);
  const install = await run('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...APT_PACKAGES], { env, timeoutMs: 900_000 });
  if (install.code !== 0 || !mailPackagesPresent()) {
    throw new Error(`mailstack: apt-get install ${APT_PACKAGES.join(' ')} failed:\n${tail(install.stdout + install.stderr)}`);
  }
}

// ---------------------------------------------------------------------------
// Dovecot
// ---------------------------------------------------------------------------

interface Layout {
  dir: string;
  vmail: string;
  dovecotConf: string;
  dovecotLog: string;
  smtpdConf: string;
  spool: string;
  run: string;
}

async function checkDovecotVersion(dovecot: string): Promise<string> {
  const res = await run(dovecot, ['--version']);
  const version = res.stdout.trim();
  // 2.4 renamed/restructured most settings (mail_location, passdb args, ssl...);
  // the config below is 2.3 syntax and would not even parse there.
  if (!/^2\.3\./.test(version)) {
    throw new Error(`mailstack: Dovecot ${version || '(unknown version)'} found, but this test stack is written for Dovecot 2.3 (Debian 12)`);
  }
  return version;
}

function dovecotConfig(l: Layout, mail: { uid: number; gid: number }, imapPort: number, lmtpPort: number): string {
  return `# Generated by test/support/mailstack.ts. Standalone: /etc/dovecot is NOT read.
# Own instance name and dirs so we never clash with a system Dovecot (/run/dovecot).
instance_name = ${path.basename(l.dir)}
base_dir = ${l.dir}/dovecot-run
state_dir = ${l.dir}/dovecot-state
log_path = ${l.dovecotLog}
hostname = mail.deskmail.test

protocols = imap lmtp
listen = ${HOST}

# Plaintext only: tests talk over loopback, no certificates needed.
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login

# Dovecot refuses uid 0 for mail access, so storage belongs to the "mail" user.
# Its uid (8 on Debian) is below the default first_valid_uid of 500.
first_valid_uid = ${mail.uid}
last_valid_uid = ${mail.uid}
first_valid_gid = ${mail.gid}
last_valid_gid = ${mail.gid}

# Any user logs in with the shared password; the user name is the full address
# and selects the Maildir. Mailboxes appear on first login or delivery.
passdb {
  driver = static
  args = password=${PASSWORD}
}
# allow_all_users: LMTP only does a userdb lookup, which a static userdb
# cannot verify, so accept every recipient.
userdb {
  driver = static
  args = uid=${mail.uid} gid=${mail.gid} home=${l.vmail}/%d/%n allow_all_users=yes
}
mail_location = maildir:~/Maildir

# support+HD-1@helpdesk.test is delivered to support@helpdesk.test's INBOX.
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
# OpenSMTPD's lmtp action already prepends Return-Path/Delivered-To/Received;
# don't add a second Delivered-To (loop detection may count them) or Received.
lmtp_hdr_delivery_address = none
lmtp_add_received_header = no

# Tests open many parallel connections as the same user from 127.0.0.1.
mail_max_userip_connections = 1000
# IDLE: inotify should wake us immediately; this is the fallback poll interval.
mailbox_idle_check_interval = 1 s

service imap-login {
  inet_listener imap {
    address = ${HOST}
    port = ${imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = ${HOST}
    port = ${lmtpPort}
  }
}
`;
}

async function startDovecot(dovecot: string, l: Layout, imapPort: number, lmtpPort: number): Promise<Daemon> {
  // -F: foreground, so the master is our child and dies with its process group.
  const d = new Daemon('dovecot', dovecot, ['-F', '-c', l.dovecotConf], l.dir);
  const logTail = async (): Promise<string> => tail(await readFile(l.dovecotLog, 'utf8'));
  try {
    await waitReady(d, imapPort, '* OK', logTail);
    await waitReady(d, lmtpPort, '220', logTail);
  } catch (err) {
    await d.stop();
    throw err;
  }
  return d;
}

// ---------------------------------------------------------------------------
// OpenSMTPD
// ---------------------------------------------------------------------------

function smtpdConfig(smtpPort: number, lmtpPort: number): string {
  const domainList = DOMAINS.map((d) => `"${d}"`).join(', ');
  const catchAll = DOMAINS.map((d) => `"@${d}" = "mail"`).join(', ');
  return `# Generated by test/support/mailstack.ts.
table domains { ${domainList} }
# Virtual catch-all: every address of the test domains is accepted and handed
# to the delivery agent as the system user "mail" (smtpd would otherwise
# require a system account per local part).
table vusers { ${catchAll} }

listen on ${HOST} port ${smtpPort} hostname mx.deskmail.test

# rcpt-to: give Dovecot the original envelope recipient (incl. +detail)
# instead of the virtual user "mail".
action "dovecot" lmtp "${HOST}:${lmtpPort}" rcpt-to virtual <vusers>

# Anything else (e.g. relaying to the internet) is rejected.
match from any for domain <domains> action "dovecot"
`;
}

let namespaceSupport: boolean | undefined;

/**
 * OpenSMTPD has a compiled-in control socket (/var/run/smtpd.sock) and queue
 * (/var/spool/smtpd), i.e. one instance per machine. When we may create a
 * private mount namespace (root, not forbidden by the container runtime) we
 * bind-mount per-stack dirs over both, so several stacks (parallel test files)
 * and a system smtpd can coexist and no queue state leaks between runs.
 */
async function canUsePrivateMountNamespace(probeDir: string): Promise<boolean> {
  if (process.env[FORCE_GLOBAL_SMTPD_ENV] === '1') return false;
  if (namespaceSupport !== undefined) return namespaceSupport;
  const unshare = findBinary('unshare');
  // Probe in a throw-away namespace: can we unshare and bind-mount over /run?
  const res = unshare
    ? await run(unshare, ['--mount', '--propagation', 'private', '/bin/sh', '-c', 'mount --bind "$1" /run', 'sh', probeDir], { timeoutMs: 10_000 })
    : { code: 1, stdout: '', stderr: '' };
  namespaceSupport = res.code === 0;
  return namespaceSupport;
}

/**
 * Global fallback: the one-per-machine socket and queue must be free, so stop
 * whatever smtpd is running (e.g. the one the Debian package started). Only
 * processes named "smtpd" are touched.
 */
async function stopForeignSmtpd(): Promise<void> {
  const smtpctl = findBinary('smtpctl');
  if (smtpctl && existsSync('/var/run/smtpd.sock')) await run(smtpctl, ['stop'], { timeoutMs: 5_000 });
  const pids = (): number[] => listProcs().filter((p) => p.comm === 'smtpd' && p.pid !== process.pid).map((p) => p.pid);
  const signal = (sig: NodeJS.Signals): void => {
    for (const pid of pids()) {
      try {
        process.kill(pid, sig);
      } catch {
        // gone
      }
    }
  };
  if (pids().length === 0) return;
  signal('SIGTERM');
  const deadline = Date.now() + KILL_GRACE_MS;
  while (pids().length > 0 && Date.now() < deadline) await sleep(50);
  if (pids().length > 0) {
    signal('SIGKILL');
    await sleep(200);
  }
}

async function startSmtpd(smtpd: string, l: Layout, smtpPort: number): Promise<Daemon> {
  // smtpd -d: foreground, log to stderr (captured for error messages).
  const smtpdArgs = ['-d', '-f', l.smtpdConf];
  let daemon: Daemon;
  const isolated = await canUsePrivateMountNamespace(l.run);
  if (isolated) {
    // smtpd insists on exact ownership/modes of its spool (root, 0711).
    await mkdir('/var/spool/smtpd', { recursive: true, mode: 0o711 }); // mount point only
    // exec: unshare (no --fork) and sh both exec, so the child pid IS smtpd.
    const script = 'set -e; mount --bind "$1" /var/spool/smtpd; mount --bind "$2" /run; shift 2; exec "$@"';
    daemon = new Daemon('smtpd', findBinary('unshare') ?? 'unshare', [
      '--mount', '--propagation', 'private', '/bin/sh', '-c', script, 'sh', l.spool, l.run, smtpd, ...smtpdArgs,
    ], l.dir);
  } else {
    await stopForeignSmtpd();
    daemon = new Daemon('smtpd', smtpd, smtpdArgs, l.dir);
  }
  try {
    await waitReady(daemon, smtpPort, '220', async () => '');
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  return daemon;
}

// ---------------------------------------------------------------------------
// The stack
// ---------------------------------------------------------------------------

/** Temp dirs must be traversable by the "mail"/"dovenull" users, so avoid e.g. a 0700 $TMPDIR under /root. */
function worldTraversableTmpBase(): string {
  let dir = os.tmpdir();
  for (let p = dir; ; p = path.dirname(p)) {
    try {
      if ((statSync(p).mode & 0o001) === 0) {
        dir = '/tmp';
        break;
      }
    } catch {
      dir = '/tmp';
      break;
    }
    if (p === path.dirname(p)) break;
  }
  return dir;
}

export async function startMailStack(): Promise<MailStack> {
  if (process.getuid?.() !== 0) {
    throw new Error('mailstack: must run as root (OpenSMTPD only runs as root; Dovecot must switch to the "mail" user)');
  }
  await ensureMailPackages();
  const dovecotBin = findBinary('dovecot');
  const smtpdBin = findBinary('smtpd');
  if (!dovecotBin || !smtpdBin) throw new Error('mailstack: dovecot/smtpd binaries not found after install');
  await checkDovecotVersion(dovecotBin);
  installExitHandler();
  sweepStaleStacks();

  const mail = await lookupUser('mail');
  const dir = await mkdtemp(path.join(worldTraversableTmpBase(), TMP_PREFIX));
  liveDirs.add(dir);
  const l: Layout = {
    dir,
    vmail: path.join(dir, 'vmail'),
    dovecotConf: path.join(dir, 'dovecot.conf'),
    dovecotLog: path.join(dir, 'dovecot.log'),
    smtpdConf: path.join(dir, 'smtpd.conf'),
    spool: path.join(dir, 'smtpd-spool'),
    run: path.join(dir, 'smtpd-run'),
  };

  let dovecot: Daemon | undefined;
  let smtpd: Daemon | undefined;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Both at once: it's a throw-away stack, so nobody cares about in-flight mail.
    await Promise.all([smtpd?.stop(), dovecot?.stop()]);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
    liveDirs.delete(dir);
  };

  try {
    await writeFile(path.join(dir, 'owner.pid'), `${process.pid}\n`);
    // mkdtemp creates 0700; Dovecot's unprivileged processes (mail, dovenull) need to traverse it.
    await chmod(dir, 0o755);
    await mkdir(l.vmail, { mode: 0o700 });
    await chown(l.vmail, mail.uid, mail.gid);
    await mkdir(l.spool, { mode: 0o711 });
    await chmod(l.spool, 0o711); // umask-proof: smtpd rejects any other mode
    await mkdir(l.run, { mode: 0o755 });

    const [imapPort, lmtpPort, smtpPort] = (await freePorts(3)) as [number, number, number];
    await writeFile(l.dovecotConf, dovecotConfig(l, mail, imapPort, lmtpPort));
    await writeFile(l.smtpdConf, smtpdConfig(smtpPort, lmtpPort), { mode: 0o644 });

    // Validate configs up front: a clear parse error beats a readiness timeout.
    const dcheck = await run(findBinary('doveconf') ?? 'doveconf', ['-c', l.dovecotConf, '-n']);
    if (dcheck.code !== 0) throw new Error(`mailstack: invalid dovecot config:\n${tail(dcheck.stderr)}`);
    const scheck = await run(smtpdBin, ['-n', '-f', l.smtpdConf]);
    if (scheck.code !== 0) throw new Error(`mailstack: invalid smtpd config:\n${tail(scheck.stdout + scheck.stderr)}`);

    // Dovecot first: smtpd delivers to its LMTP port.
    dovecot = await startDovecot(dovecotBin, l, imapPort, lmtpPort);
    smtpd = await startSmtpd(smtpdBin, l, smtpPort);

    const stack: MailStack = {
      host: HOST,
      imapPort,
      smtpPort,
      domains: [...DOMAINS],
      password: PASSWORD,
      imapUrl(user: string, mailbox = 'INBOX'): string {
        const mbox = mailbox.split('/').map(encodeURIComponent).join('/');
        return `imap://${encodeURIComponent(user)}:${encodeURIComponent(PASSWORD)}@${HOST}:${imapPort}/${mbox}`;
      },
      smtpUrl(): string {
        return `smtp://${HOST}:${smtpPort}`;
      },
      stop,
      async restartDovecot(): Promise<void> {
        if (stopped) throw new Error('mailstack: restartDovecot() after stop()');
        await dovecot?.stop();
        dovecot = await startDovecot(dovecotBin, l, imapPort, lmtpPort);
      },
    };
    return stack;
  } catch (err) {
    await stop();
    throw err;
  }
}
