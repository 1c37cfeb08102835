import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from './log.js';

/**
 * Keeps one admin-edited file's settings current without a restart (the same behaviour as the
 * rules' RulesWatcher): a change seen by fs.watch on the directory (editors save by rename) or by
 * the poll is read, validated and swapped in; a broken file keeps the last good settings and logs
 * one line with file and line, once per edit; a half-saved file gets settleMs to settle first.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export interface ConfigWatcherOptions<T> {
  log: Logger;
  /** What the file holds, for the log lines: "SLA settings". */
  noun: string;
  parse: (source: string, path: string) => Parsed<T>;
  summarise: (value: T) => string;
  pollMs?: number;
  settleMs?: number;
  onReload?: (result: Parsed<T>) => void;
}

export class ConfigWatcher<T> {
  readonly path: string;
  #value: T;
  #seen: string;
  readonly #opts: ConfigWatcherOptions<T>;
  #dirWatcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #settle: NodeJS.Timeout | undefined;
  #confirm: NodeJS.Timeout | undefined;
  #unconfirmed: { source: string; since: number } | undefined;

  /** Starts from settings already loaded from `source` (startup refuses a broken file before this). */
  constructor(path: string, value: T, source: string, opts: ConfigWatcherOptions<T>) {
    this.path = path;
    this.#value = value;
    this.#seen = source;
    this.#opts = opts;
    this.#watch();
  }

  /** The settings in force: the last version of the file that loaded cleanly. */
  get value(): T {
    return this.#value;
  }

  /** Reads the file now; undefined when unchanged. */
  check(): Parsed<T> | undefined {
    const seen = this.#read();
    if (seen.source === this.#seen) return undefined;
    return this.#adopt(seen.source, seen.result ?? this.#opts.parse(seen.source, this.path));
  }

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
    try {
      return { source: readFileSync(this.path, 'utf8') };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const error = `${this.path}: cannot read the file: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`;
      // A marker that cannot be file content, so the same read error is reported once.
      return { source: `\u0000${error}`, result: { ok: false, error } };
    }
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
    this.#dirWatcher?.close();
    this.#dirWatcher = undefined;
    if (this.#poll) clearInterval(this.#poll);
    if (this.#settle) clearTimeout(this.#settle);
    if (this.#confirm) clearTimeout(this.#confirm);
    this.#poll = this.#settle = this.#confirm = undefined;
  }

  #watch(): void {
    const settleMs = this.#opts.settleMs ?? 100;
    try {
      this.#dirWatcher = watch(dirname(this.path), { persistent: false }, () => {
        if (this.#settle) clearTimeout(this.#settle);
        this.#settle = setTimeout(() => {
          this.#settle = undefined;
          this.#noticed();
        }, settleMs);
        this.#settle.unref();
      });
      // Watching can fail later (directory removed, inotify limits): the poll carries on alone.
      this.#dirWatcher.on('error', () => {
        this.#dirWatcher?.close();
        this.#dirWatcher = undefined;
      });
    } catch {
      this.#dirWatcher = undefined;
    }
    this.#poll = setInterval(() => this.#noticed(), this.#opts.pollMs ?? 5_000);
    this.#poll.unref();
  }
}
