import { sep } from 'node:path';
import Handlebars from 'handlebars';
import { checkFolder, formatProblem, type TemplateProblem } from './template-check.js';
import { LayeredDirs, splitFolder } from './template-files.js';

/**
 * Compiles the effective templates one notification folder at a time, so a broken override of
 * `resolved` never stops `received` from loading or updating. Each load builds fresh Handlebars
 * environments: a notification kept from an earlier load keeps the partials it was checked with.
 */
export interface CompiledNotification {
  subject: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
  html: Handlebars.TemplateDelegate;
  layout: Handlebars.TemplateDelegate | undefined;
}

interface Envs {
  // Two environments: a partial compiled once for text (no escaping) must never serve an HTML part.
  text: typeof Handlebars;
  html: typeof Handlebars;
}

export interface Refusal {
  folder: string;
  problems: TemplateProblem[];
  /** What is used instead: the previous version, the shipped one, or nothing. */
  keeping: 'previous' | 'shipped' | 'none';
}

/** Partials registered per locale: `greeting.de.hbs` serves `{{> greeting}}` in German variants. */
class EnvCache {
  private readonly envs = new Map<string, Envs>();
  constructor(private readonly files: LayeredDirs) {}

  for(locale: string | undefined): Envs {
    const key = locale ?? '';
    let envs = this.envs.get(key);
    if (envs) return envs;
    envs = { text: Handlebars.create(), html: Handlebars.create() };
    const bases = new Set(this.files.partials().map((p) => splitFolder(p).name));
    for (const name of bases) {
      const file = this.files.partial(name, locale);
      if (!file) continue;
      // A partial that does not parse stays unregistered: the notifications using it are refused by the check.
      try {
        Handlebars.parse(file.source);
      } catch {
        continue;
      }
      envs.text.registerPartial(name, envs.text.compile(file.source, { strict: true, noEscape: true }));
      envs.html.registerPartial(name, envs.html.compile(file.source, { strict: true }));
    }
    this.envs.set(key, envs);
    return envs;
  }
}

export interface FolderResult {
  compiled: CompiledNotification | undefined;
  problems: TemplateProblem[];
}

/**
 * Unknown variables block only in the admin's files: a shipped template is the developers' (the
 * registry test holds them to it) and strict mode still stops it at render time.
 */
function compileFolder(files: LayeredDirs, envs: EnvCache, folder: string): FolderResult {
  const checked = checkFolder(files, folder);
  const shipped = files.dirs[files.dirs.length - 1] ?? '';
  const blocking = checked.problems.filter((p) => p.blocking && !(p.message.startsWith('unknown variable') && p.file.startsWith(shipped + sep)));
  if (blocking.length > 0 || !checked.parts.subject || !checked.parts.text || !checked.parts.html) return { compiled: undefined, problems: checked.problems };
  const env = envs.for(checked.locale);
  return {
    compiled: {
      subject: env.text.compile(checked.parts.subject.source, { strict: true, noEscape: true }),
      text: env.text.compile(checked.parts.text.source, { strict: true, noEscape: true }),
      html: env.html.compile(checked.parts.html.source, { strict: true }),
      layout: checked.layout ? env.html.compile(checked.layout.source, { strict: true }) : undefined,
    },
    problems: checked.problems,
  };
}

export interface LoadResult {
  notifications: Map<string, CompiledNotification>;
  refused: Refusal[];
  /** Every problem found, blocking or not (for the start-up log). */
  problems: TemplateProblem[];
}

/**
 * Loads every notification folder. A folder with a blocking problem keeps `previous[folder]`;
 * failing that (the first load) the shipped version (the last directory) when it is clean.
 */
export function loadTemplateSet(dirs: string[], previous: Map<string, CompiledNotification> | undefined): LoadResult {
  const files = new LayeredDirs(dirs);
  const envs = new EnvCache(files);
  const shippedFiles = dirs.length > 1 ? new LayeredDirs(dirs.slice(-1)) : undefined;
  const shippedEnvs = shippedFiles ? new EnvCache(shippedFiles) : undefined;
  const notifications = new Map<string, CompiledNotification>();
  const refused: Refusal[] = [];
  const problems: TemplateProblem[] = [];
  for (const folder of files.folders()) {
    const result = compileFolder(files, envs, folder);
    problems.push(...result.problems);
    if (result.compiled) {
      notifications.set(folder, result.compiled);
      continue;
    }
    const blocking = result.problems.filter((p) => p.blocking);
    const kept = previous?.get(folder);
    if (kept) {
      notifications.set(folder, kept);
      refused.push({ folder, problems: blocking, keeping: 'previous' });
      continue;
    }
    const shipped = shippedFiles && shippedEnvs && shippedFiles.folders().includes(folder) ? compileFolder(shippedFiles, shippedEnvs, folder) : undefined;
    if (shipped?.compiled) notifications.set(folder, shipped.compiled);
    refused.push({ folder, problems: blocking, keeping: shipped?.compiled ? 'shipped' : 'none' });
  }
  return { notifications, refused, problems };
}

/** One log line per distinct problem, naming the notifications that keep their earlier version. */
export function refusalLines(refused: Refusal[]): string[] {
  const byProblem = new Map<string, { folders: string[]; keeping: Set<string> }>();
  for (const r of refused) {
    for (const p of r.problems.length ? r.problems : [{ file: r.folder, line: 0, message: 'not usable', blocking: true }]) {
      const key = formatProblem(p);
      const entry = byProblem.get(key) ?? { folders: [], keeping: new Set<string>() };
      entry.folders.push(r.folder);
      entry.keeping.add(r.keeping);
      byProblem.set(key, entry);
    }
  }
  return [...byProblem].map(([problem, { folders, keeping }]) => {
    const what = keeping.has('none') && keeping.size === 1 ? `${folders.join(', ')} cannot be sent` : `keeping the ${keeping.has('previous') ? 'previous' : 'shipped'} version of ${folders.join(', ')}`;
    return `template refused: ${problem} (${what})`;
  });
}
