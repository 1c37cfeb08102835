import { existsSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { readConfigSource } from './config-file.js';
import { DeskmailError } from './errors.js';
import type { Logger } from './log.js';

/**
 * Keeps one admin-edited file's settings current without a restart (rules, SLA, trackers): a
 * change seen by fs.watch on the directory (editors save by rename) or by the poll is read,
 * validated and swapped in; a broken file keeps the last good settings and logs one line with file
 * and line, once per edit; a half-saved file gets settleMs to settle first.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export interface WatchTiming {
  /** The poll that catches what fs.watch misses (network filesystems, replaced symlinks). */
  pollMs?: number;
  /** Editors write in several steps; wait this long after a change event before reading. */
  settleMs?: number;
}

export interface ConfigWatcherOptions<T> extends WatchTiming {
  log: Logger;
  /** What the file holds, for the log lines: "SLA settings". */
  noun: string;
  /** What the file is, for a read error: "rules file" → "cannot read the rules file: …". */
  fileNoun?: string;
  parse: (source: string, path: string) => Parsed<T>;
  summarise: (value: T) => string;
  onReload?: (result: Parsed<T>) => void;
}

/**
 * Calls `changed` a moment (settleMs) after the last change event under `dirs`, and on every
 * poll; the caller finds out what, if anything, changed. Returns the function that stops it.
 */
export function watchForChanges(dirs: readonly string[], opts: WatchTiming & { recursive?: boolean; settleMs: number }, changed: () => void): () => void {
  let settle: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  const onEvent = (): void => {
    if (settle) clearTimeout(settle);
    settle = setTimeout(() => {
      settle = undefined;
      changed();
    }, opts.settleMs);
    settle.unref();
  };
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    try {
      const w = watch(dir, { persistent: false, recursive: opts.recursive ?? false }, onEvent);
      // Watching can fail later (directory removed, inotify limits): the poll carries on alone.
      w.on('error', () => w.close());
      watchers.push(w);
    } catch {
      // fs.watch unsupported here (some network filesystems, recursive on old kernels): the poll alone.
    }
  }
  const poll = setInterval(changed, opts.pollMs ?? 5_000);
  poll.unref();
  return () => {
    for (const w of watchers) w.close();
    watchers.length = 0;
    clearInterval(poll);
    if (settle) clearTimeout(settle);
    settle = undefined;
  };
}

export class ConfigWatcher<T> {
  readonly path: string;
  #value: T;
  /** The text last looked at, or a marker for a read error: what "changed" is measured against. */
  #seen: string;
  readonly #opts: ConfigWatcherOptions<T>;
  readonly #stopWatching: () => void;
  #confirm: NodeJS.Timeout | undefined;
  /** Broken content, and since when: reported once it has stayed for settleMs. */
  #unconfirmed: { source: string; since: number } | undefined;

  /** Starts from settings already loaded from `source` (startup refuses a broken file before this). */
  constructor(path: string, value: T, source: string, opts: ConfigWatcherOptions<T>) {
    this.path = path;
    this.#value = value;
    this.#seen = source;
    this.#opts = opts;
    this.#stopWatching = watchForChanges([dirname(path)], { pollMs: opts.pollMs, settleMs: opts.settleMs ?? 100 }, () => this.#noticed());
  }

  /**
   * Loads the file, logs "<noun> loaded: …" and starts watching it. A file that cannot be read or
   * is broken at start is a configuration error: there are no last good settings yet.
   */
  static start<T>(path: string, opts: ConfigWatcherOptions<T> & { hint: string }): ConfigWatcher<T> {
    const { hint, ...rest } = opts;
    const read = readConfigSource(path, opts.fileNoun ?? 'file');
    if (!read.ok) throw new DeskmailError('CONFIG', read.error, hint);
    const first = opts.parse(read.source, path);
    if (!first.ok) throw new DeskmailError('CONFIG', first.error, hint);
    opts.log.info({ file: path }, `${opts.noun} loaded: ${opts.summarise(first.value)}`);
    return new ConfigWatcher(path, first.value, read.source, rest);
  }

  /** The settings in force: the last version of the file that loaded cleanly. */
  get value(): T {
    return this.#value;
  }

  /**
   * Reads the file now and swaps in the settings if it changed and is valid; undefined when
   * unchanged. For an explicit reload (SIGHUP, tests); the watch and the poll go through
   * #noticed, which lets a half-saved file settle before calling it broken.
   */
  check(): Parsed<T> | undefined {
    const seen = this.#read();
    if (seen.source === this.#seen) return undefined;
    return this.#adopt(seen.source, seen.result ?? this.#opts.parse(seen.source, this.path));
  }

  /** Changed content that is valid is taken at once; broken content only if it is still there a moment later. */
  #noticed(): void {
    const seen = this.#read();
    if (seen.source === this.#seen) return;
    const result = seen.result ?? this.#opts.parse(seen.source, this.path);
    if (!result.ok) {
      const now = Date.now();
      if (this.#unconfirmed?.source !== seen.source) this.#unconfirmed = { source: seen.source, since: now };
      const wait = this.#unconfirmed.since + (this.#opts.settleMs ?? 100) - now;
      if (wait > 0) {
        this.#confirm ??= setTimeout(() => {
          this.#confirm = undefined;
          this.#noticed();
        }, wait).unref();
        return;
      }
    }
    this.#adopt(seen.source, result);
  }

  #read(): { source: string; result?: Parsed<T> } {
    const read = readConfigSource(this.path, this.#opts.fileNoun ?? 'file');
    // A marker that cannot be file content, so the same read error is reported once.
    return read.ok ? { source: read.source } : { source: `\u0000${read.error}`, result: read };
  }

  #adopt(source: string, result: Parsed<T>): Parsed<T> {
    this.#seen = source;
    this.#unconfirmed = undefined;
    if (result.ok) {
      this.#value = result.value;
      this.#opts.log.info({ file: this.path }, `${this.#opts.noun} reloaded: ${this.#opts.summarise(result.value)}`);
    } else {
      this.#opts.log.error({ file: this.path }, `${result.error} (keeping the previous ${this.#opts.noun})`);
    }
    this.#opts.onReload?.(result);
    return result;
  }

  close(): void {
    this.#stopWatching();
    if (this.#confirm) clearTimeout(this.#confirm);
    this.#confirm = undefined;
  }
}
