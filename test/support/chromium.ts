import { execFileSync } from 'node:child_process';

/** Debian's chromium, for rendering the HTML report; installed with apt-get when missing and we are root. */
export function ensureChromium(): string {
  const find = (): string | undefined => {
    for (const name of ['chromium', 'chromium-browser']) {
      try {
        return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
      } catch {
        // not this one
      }
    }
    return undefined;
  };
  const found = find();
  if (found) return found;
  if (process.getuid?.() === 0) {
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { stdio: 'ignore', timeout: 600_000 });
    const installed = find();
    if (installed) return installed;
  }
  throw new Error('chromium is not installed: apt-get install chromium (the HTML report test renders the page in it)');
}

/** The DOM of a local page after headless Chromium has rendered it. */
export function dumpDom(chromium: string, file: string, profileDir: string): string {
  return execFileSync(
    chromium,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profileDir}`, '--dump-dom', `file://${file}`],
    { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'ignore'] },
  );
}
