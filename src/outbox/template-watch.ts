import { watchForChanges, type WatchTiming } from '../config-watcher.js';
import type { Logger } from '../log.js';
import { LayeredDirs } from './template-files.js';
import type { TemplateRenderer } from './render.js';
import { refusalLines } from './template-set.js';

export interface TemplatesWatcherOptions extends WatchTiming {
  log: Logger;
  /** Told after every reload (tests). */
  onReload?: (lines: string[]) => void;
}

/**
 * Keeps the renderer's templates current while the gateway runs: the template directories are
 * watched (fs.watch, recursive, plus a poll of sizes and mtimes), and on a change the renderer
 * reloads. A notification whose new files do not compile or name unknown variables keeps the
 * version in use; each problem is logged once, as one line with file and line, until it changes.
 */
export class TemplatesWatcher {
  #signature: string;
  #reported = new Set<string>();
  #stopWatching: (() => void) | undefined;
  readonly #files: LayeredDirs;

  private constructor(
    private readonly renderer: TemplateRenderer,
    dirs: string[],
    private readonly opts: TemplatesWatcherOptions,
  ) {
    this.#files = new LayeredDirs(dirs);
    this.#signature = this.#files.signature();
  }

  static start(renderer: TemplateRenderer, dirs: string[], opts: TemplatesWatcherOptions): TemplatesWatcher {
    const watcher = new TemplatesWatcher(renderer, dirs, opts);
    // What the start-up load refused (an override broken while the gateway was down) is said once too.
    watcher.#report(refusalLines(renderer.refused));
    // The same watch-and-poll as the admin's YAML files, over whole template trees.
    watcher.#stopWatching = watchForChanges(dirs, { pollMs: opts.pollMs, settleMs: opts.settleMs ?? 150, recursive: true }, () => watcher.#noticed());
    return watcher;
  }

  /** Reloads now if any template file changed; returns the refusal lines (empty when all loaded). */
  check(): string[] | undefined {
    const signature = this.#files.signature();
    if (signature === this.#signature) return undefined;
    this.#signature = signature;
    const lines = refusalLines(this.renderer.reload());
    this.#report(lines);
    this.opts.onReload?.(lines);
    return lines;
  }

  #report(lines: string[]): void {
    for (const line of lines) if (!this.#reported.has(line)) this.opts.log.error(line);
    if (lines.length === 0 && this.#reported.size > 0) this.opts.log.info('templates reloaded: every notification is in use again');
    else if (lines.length === 0) this.opts.log.info(`templates loaded: ${this.renderer.names().length} notifications`);
    this.#reported = new Set(lines);
  }

  #noticed(): void {
    try {
      this.check();
    } catch (err) {
      // Reading failed halfway (a folder renamed under us): the templates in use stay; the poll looks again.
      this.opts.log.warn({ err: (err as Error).message }, 'templates: reload failed; keeping the templates in use');
    }
  }

  close(): void {
    this.#stopWatching?.();
    this.#stopWatching = undefined;
  }
}
