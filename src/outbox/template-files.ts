import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * The effective template files: several directories (the admin's override first, the shipped
 * templates last) seen as one, file by file. Locale variants are folders `NAME.LOCALE/`
 * (`resolved.de/`) and partials `partials/NAME.LOCALE.hbs` (`greeting.de.hbs`).
 */
export interface TemplateFile {
  /** Path inside the template directory, e.g. `received/subject.hbs`. */
  relative: string;
  /** The file that wins (absolute). */
  path: string;
  source: string;
}

export const PARTS = ['subject', 'text', 'html'] as const;
export type Part = (typeof PARTS)[number];

/** A locale is a language subtag: `de`, `pt-br`. */
const LOCALE = /^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$/;

export function isLocale(s: string): boolean {
  return LOCALE.test(s);
}

export class LayeredDirs {
  constructor(readonly dirs: string[]) {}

  read(relative: string): TemplateFile | undefined {
    for (const dir of this.dirs) {
      const path = join(dir, relative);
      if (existsSync(path)) return { relative, path, source: readFileSync(path, 'utf8') };
    }
    return undefined;
  }

  /** Where a file would be written if it is missing: the directory that holds the folder, else the first. */
  pathFor(relative: string, folder?: string): string {
    const home = folder ? this.dirs.find((d) => existsSync(join(d, folder))) : undefined;
    return join(home ?? this.dirs[0] ?? '.', relative);
  }

  /** Notification folders (a folder with at least one part), locale variants included: `received`, `resolved.de`. */
  folders(): string[] {
    const names = new Set<string>();
    for (const dir of this.dirs) {
      if (!existsSync(dir)) continue;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory() || entry.name === 'partials' || entry.name.startsWith('.')) continue;
        if (PARTS.some((p) => existsSync(join(dir, entry.name, `${p}.hbs`)))) names.add(entry.name);
      }
    }
    return [...names].sort();
  }

  /** Partial names, locale variants included: `greeting`, `greeting.de`. */
  partials(): string[] {
    const names = new Set<string>();
    for (const dir of this.dirs) {
      const partialsDir = join(dir, 'partials');
      if (!existsSync(partialsDir)) continue;
      for (const f of readdirSync(partialsDir)) if (f.endsWith('.hbs')) names.add(basename(f, '.hbs'));
    }
    return [...names].sort();
  }

  /** A partial for a locale: `partials/NAME.LOCALE.hbs` wins over `partials/NAME.hbs` in any directory. */
  partial(name: string, locale: string | undefined): TemplateFile | undefined {
    return (locale ? this.read(join('partials', `${name}.${locale}.hbs`)) : undefined) ?? this.read(join('partials', `${name}.hbs`));
  }

  /** The HTML layout for a locale: `layout.LOCALE.html.hbs`, else `layout.html.hbs`. */
  layout(locale: string | undefined): TemplateFile | undefined {
    return (locale ? this.read(`layout.${locale}.html.hbs`) : undefined) ?? this.read('layout.html.hbs');
  }

  /** Size and mtime of every template file: what the watcher compares to notice an edit. */
  signature(): string {
    const parts: string[] = [];
    const walk = (dir: string): void => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const path = join(dir, e.name);
        if (e.isDirectory()) walk(path);
        else if (e.name.endsWith('.hbs')) {
          try {
            const s = statSync(path);
            parts.push(`${path}:${s.size}:${s.mtimeMs}`);
          } catch {
            // removed between readdir and stat: the next look sees it gone
          }
        }
      }
    };
    for (const dir of this.dirs) walk(dir);
    return parts.sort().join('\n');
  }
}

/** `resolved.de` → { name: 'resolved', locale: 'de' }. */
export function splitFolder(folder: string): { name: string; locale: string | undefined } {
  const dot = folder.indexOf('.');
  if (dot < 0) return { name: folder, locale: undefined };
  return { name: folder.slice(0, dot), locale: folder.slice(dot + 1).toLowerCase() };
}
