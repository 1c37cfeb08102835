import juice from 'juice';
import { DeskmailError } from '../errors.js';
import { formatProblem, type TemplateProblem } from './template-check.js';
import { loadTemplateSet, type CompiledNotification, type LoadResult, type Refusal } from './template-set.js';
import { baseName, NOTIFICATIONS } from './template-vars.js';

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

export class TemplateRenderer {
  private notifications = new Map<string, CompiledNotification>();
  /** Problems of the last load, blocking or not; refusals name what was kept instead. */
  problems: TemplateProblem[] = [];
  refused: Refusal[] = [];

  /**
   * `dirs`: highest precedence first (override directory, then the shipped templates). A broken
   * override of a notification is refused and the shipped version used (see `refused`); only a
   * notification deskmail sends with no usable version at all is an error here.
   */
  constructor(private readonly dirs: string[]) {
    const loaded = loadTemplateSet(dirs, undefined);
    const unusable = loaded.refused.find((r) => r.keeping === 'none' && NOTIFICATIONS[baseName(r.folder)]);
    if (unusable) {
      const first = unusable.problems[0];
      throw new DeskmailError('TEMPLATE', first ? formatProblem(first) : `template ${unusable.folder} is not usable`);
    }
    this.adopt(loaded);
  }

  private adopt(loaded: LoadResult): void {
    this.notifications = loaded.notifications;
    this.problems = loaded.problems;
    this.refused = loaded.refused;
  }

  /**
   * Reads the templates again. Each notification whose files compile and name only documented
   * variables is replaced; one that does not keeps the version in use (per notification).
   */
  reload(): Refusal[] {
    const loaded = loadTemplateSet(this.dirs, this.notifications);
    this.adopt(loaded);
    return loaded.refused;
  }

  /** Notification names (without locale variants). */
  names(): string[] {
    return [...new Set([...this.notifications.keys()].map(baseName))].sort();
  }

  /** The locales a notification has a variant for (`resolved.de` → de). */
  locales(name: string): string[] {
    return [...this.notifications.keys()].filter((k) => baseName(k) === name && k !== name).map((k) => k.slice(name.length + 1)).sort();
  }

  /** The folder used for a locale: `resolved.de-at`, else `resolved.de`, else `resolved`. */
  variant(name: string, locale: string | null | undefined): string {
    const wanted = locale?.toLowerCase().trim();
    if (wanted) {
      if (this.notifications.has(`${name}.${wanted}`)) return `${name}.${wanted}`;
      const language = wanted.split('-')[0];
      if (language && this.notifications.has(`${name}.${language}`)) return `${name}.${language}`;
    }
    return name;
  }

  /** Renders a notification, in the locale's variant when there is one (falling back to the default). */
  render(name: string, context: TemplateContext, locale?: string | null): RenderedMail {
    const n = this.notifications.get(this.variant(name, locale));
    if (!n) throw new DeskmailError('TEMPLATE', `no template named ${name}`);
    try {
      const subject = n.subject(context).replace(/\s+/g, ' ').trim();
      const text = n.text(context).replace(/\n{3,}/g, '\n\n').trim() + '\n';
      const body = n.html(context);
      const html = n.layout ? n.layout({ ...context, body, subject }) : body;
      return { subject, text, html: juice(html) };
    } catch (err) {
      throw new DeskmailError('TEMPLATE', `rendering ${name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
}
