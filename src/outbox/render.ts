import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import juice from 'juice';
import { DeskmailError } from '../errors.js';

/**
 * Notification templates: one folder per notification under templates/ with subject.hbs,
 * text.hbs and html.hbs; shared partials in templates/partials/; the HTML part is wrapped in
 * templates/layout.html.hbs. An admin's override directory with the same layout wins file by file.
 *
 * Customer-provided text only ever enters as data: templates are compiled from files, never from
 * mail, and the HTML part escapes everything that is not triple-stashed.
 */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export type TemplateContext = Record<string, unknown>;

interface CompiledNotification {
  subject: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
  html: Handlebars.TemplateDelegate;
}

function readLayered(dirs: string[], relative: string): { path: string; source: string } | undefined {
  for (const dir of dirs) {
    const path = join(dir, relative);
    if (existsSync(path)) return { path, source: readFileSync(path, 'utf8') };
  }
  return undefined;
}

export class TemplateRenderer {
  // Two environments: a partial compiled once for text (no escaping) must never serve an HTML part.
  private readonly textEnv = Handlebars.create();
  private readonly htmlEnv = Handlebars.create();
  private readonly notifications = new Map<string, CompiledNotification>();
  private layout: Handlebars.TemplateDelegate | undefined;

  /** `dirs`: highest precedence first (override directory, then the shipped templates). */
  constructor(private readonly dirs: string[]) {
    this.load();
  }

  private compile(relative: string, asText: boolean): Handlebars.TemplateDelegate {
    const found = readLayered(this.dirs, relative);
    if (!found) throw new DeskmailError('TEMPLATE', `template file missing: ${relative} (looked in ${this.dirs.join(', ')})`);
    return this.compileSource(found, asText);
  }

  private compileSource(found: { path: string; source: string }, asText: boolean): Handlebars.TemplateDelegate {
    try {
      // Parse eagerly: Handlebars compiles lazily, and a syntax error must name its file at load time.
      Handlebars.parse(found.source);
      return (asText ? this.textEnv : this.htmlEnv).compile(found.source, { strict: true, noEscape: asText });
    } catch (err) {
      throw new DeskmailError('TEMPLATE', `${found.path}: ${(err as Error).message.split('\n').slice(0, 2).join(' ')}`);
    }
  }

  private load(): void {
    const partialNames = new Set<string>();
    for (const dir of [...this.dirs].reverse()) {
      const partialsDir = join(dir, 'partials');
      if (existsSync(partialsDir)) for (const f of readdirSync(partialsDir)) if (f.endsWith('.hbs')) partialNames.add(basename(f, '.hbs'));
    }
    for (const name of partialNames) {
      const found = readLayered(this.dirs, join('partials', `${name}.hbs`))!;
      this.textEnv.registerPartial(name, this.compileSource(found, true));
      this.htmlEnv.registerPartial(name, this.compileSource(found, false));
    }
    if (readLayered(this.dirs, 'layout.html.hbs')) this.layout = this.compile('layout.html.hbs', false);
    const names = new Set<string>();
    for (const dir of this.dirs) {
      if (!existsSync(dir)) continue;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory() && entry.name !== 'partials' && existsSync(join(dir, entry.name, 'subject.hbs'))) names.add(entry.name);
      }
    }
    for (const name of names) {
      this.notifications.set(name, {
        subject: this.compile(join(name, 'subject.hbs'), true),
        text: this.compile(join(name, 'text.hbs'), true),
        html: this.compile(join(name, 'html.hbs'), false),
      });
    }
  }

  names(): string[] {
    return [...this.notifications.keys()].sort();
  }

  render(name: string, context: TemplateContext): RenderedMail {
    const n = this.notifications.get(name);
    if (!n) throw new DeskmailError('TEMPLATE', `no template named ${name}`);
    try {
      const subject = n.subject(context).replace(/\s+/g, ' ').trim();
      const text = n.text(context).replace(/\n{3,}/g, '\n\n').trim() + '\n';
      const body = n.html(context);
      const html = this.layout ? this.layout({ ...context, body, subject }) : body;
      return { subject, text, html: juice(html) };
    } catch (err) {
      throw new DeskmailError('TEMPLATE', `rendering ${name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
}
