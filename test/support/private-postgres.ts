import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A PRIVATE PostgreSQL server in a temp dir on a free loopback port, for tests that restart the
 * database: restarting the machine's shared server would break every other test running. initdb
 * refuses root, so as root it runs as the `postgres` system user (runuser).
 */
export interface PrivatePostgres {
  url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function exec(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, _stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`)) : resolve()));
  });
}

function binDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** The reason instead, when PostgreSQL's server binaries are not installed. */
export async function startPrivatePostgres(): Promise<PrivatePostgres | string> {
  const bin = binDir();
  if (!bin) return 'no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)';
  const isRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'deskmail-pg-'));
  const data = join(dir, 'data');
  if (isRoot) {
    const entry = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))?.split(':');
    if (!entry) return 'running as root, and there is no postgres user for initdb to run as';
    chownSync(dir, Number(entry[2]), Number(entry[3]));
  }
  const asOwner = async (tool: string, args: string[]): Promise<void> => {
    if (isRoot) await exec('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]);
    else await exec(join(bin, tool), args);
  };
  const port = await freePort();
  await asOwner('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = (): Promise<void> => asOwner('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start']);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart() {
      await asOwner('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      await start();
    },
    async stop() {
      await asOwner('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
