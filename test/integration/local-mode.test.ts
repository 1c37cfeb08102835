import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { waitFor } from '../support/mail-client.js';

/**
 * `npm install && npm start` on a fresh clone: embedded database, mail dropped into data/inbox is
 * ingested, the acknowledgment appears as an .eml in data/outbox, Ctrl-C stops it cleanly.
 * The only setting is DESKMAIL_DATA_DIR, so the test never touches a developer's ./data.
 */
describe('npm start with no configuration (local mode)', () => {
  beforeAll(() => {
    // npm start runs the built CLI: build it from the sources under test.
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }, 120_000);

  it('ingests a dropped sample mail, writes the acknowledgment to data/outbox and stops on Ctrl-C', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'deskmail-local-'));
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(DATABASE_URL|IMAP_URL|SMTP_URL|HELPDESK_|DESKMAIL_|npm_)/.test(k)) env[k] = v;
    const child = spawn('npm', ['start'], { cwd: ROOT, env: { ...env, DESKMAIL_DATA_DIR: dataDir }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('the gateway to start', async () => (output.includes('deskmail gateway running') ? true : undefined), 60_000);
      expect(output).toContain(join(dataDir, 'inbox'));
      expect(output).toContain(join(dataDir, 'outbox'));
      mkdirSync(join(dataDir, 'inbox'), { recursive: true });
      copyFileSync(join(ROOT, 'examples', 'first-request.eml'), join(dataDir, 'inbox', 'first-request.eml'));

      const outFile = await waitFor('an acknowledgment in data/outbox', async () => {
        const files = existsSync(join(dataDir, 'outbox')) ? readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml')) : [];
        return files[0];
      });
      const ack = readFileSync(join(dataDir, 'outbox', outFile), 'utf8');
      expect(ack).toMatch(/^Subject: \[HD-1\] Cannot log in to my account$/m);
      expect(ack).toMatch(/^To: alice@example.com$/m);
      expect(ack).toMatch(/^In-Reply-To: <first-request-1@example.com>$/m);
      expect(ack).toMatch(/^Auto-Submitted: auto-replied$/m);
      await waitFor('the mail moved aside', async () => (existsSync(join(dataDir, 'inbox', 'processed', 'first-request.eml')) ? true : undefined));
      expect(existsSync(join(dataDir, 'inbox', 'first-request.eml'))).toBe(false);
      expect(existsSync(join(dataDir, 'db'))).toBe(true);
    } finally {
      // Ctrl-C: SIGINT to the whole foreground process group, as a terminal does.
      process.kill(-child.pid!, 'SIGINT');
    }
    await exited;
    // npm itself dies of the signal; deskmail finishes its work, says so and releases the database.
    await waitFor('deskmail to stop', async () => (/"msg":"stopped"/.test(output) ? true : undefined), 15_000).catch(() => undefined);
    expect(output).toMatch(/"msg":"stopped"/);
    await waitFor('the database lock released', async () => (existsSync(join(dataDir, 'db.lock')) ? undefined : true), 15_000);
  });
});
