import { join } from 'node:path';
import Handlebars from 'handlebars';
import { isLocale, LayeredDirs, PARTS, splitFolder, type Part, type TemplateFile } from './template-files.js';
import { allVariables, LAYOUT_VARIABLES, NOTIFICATIONS, type VarSpec } from './template-vars.js';

/**
 * Checks templates the way Handlebars will run them: each file is parsed, and the syntax tree is
 * walked (through #each/#with blocks and into partials) to find every variable it names, which
 * must be in the notification's documented set (src/outbox/template-vars.ts).
 */
export interface TemplateProblem {
  file: string;
  /** 1-based; 0 when the problem is the file itself (missing). */
  line: number;
  message: string;
  /** A blocking problem stops a template from being used (compile error, unknown variable, missing part). */
  blocking: boolean;
}

export function formatProblem(p: TemplateProblem): string {
  return p.line > 0 ? `${p.file}:${p.line}: ${p.message}` : `${p.file}: ${p.message}`;
}

type AST = hbs.AST.Program;

/** A Handlebars error as file:line and one line of text. */
function syntaxProblem(file: string, err: unknown): TemplateProblem {
  const e = err as Error & { lineNumber?: number };
  const text = e.message ?? String(err);
  const line = e.lineNumber ?? Number(/line (\d+)/.exec(text)?.[1] ?? 1);
  const lines = text.split('\n');
  // Parser errors read "Parse error on line N:", the source, a caret, then "Expecting …": keep the first and last.
  const message = lines.length > 1 ? `${lines[0]!.replace(/ on line \d+:?$/, '')}: ${lines[lines.length - 1]!.trim()}` : text.replace(/ - \d+:\d+$/, '');
  return { file, line, message, blocking: true };
}

const parsed = new Map<string, { source: string; ast: AST | undefined; problem: TemplateProblem | undefined }>();

/** Parses (and compiles once, for errors the parser leaves to the compiler); remembered per file content. */
export function parseTemplate(file: TemplateFile): { ast: AST | undefined; problem: TemplateProblem | undefined } {
  const cached = parsed.get(file.path);
  if (cached && cached.source === file.source) return cached;
  let result: { source: string; ast: AST | undefined; problem: TemplateProblem | undefined };
  try {
    const ast = Handlebars.parse(file.source);
    Handlebars.precompile(ast, { strict: true });
    result = { source: file.source, ast, problem: undefined };
  } catch (err) {
    result = { source: file.source, ast: undefined, problem: syntaxProblem(file.path, err) };
  }
  parsed.set(file.path, result);
  return result;
}

/** A context in the walk: the registry path `this` stands for (null: unknown, do not check inside), and block params. */
interface Scope {
  path: string | null;
  params: Map<string, string | null>;
}

const DATA_VARS = new Set(['index', 'first', 'last', 'key']);

class Walker {
  readonly problems: TemplateProblem[] = [];
  /** The partial files reached (relative paths, e.g. partials/greeting.de.hbs). */
  readonly partialsUsed = new Set<string>();
  private readonly known: Map<string, VarSpec>;
  private readonly partialStack: string[] = [];

  constructor(
    private readonly files: LayeredDirs,
    private readonly locale: string | undefined,
    vars: VarSpec[],
  ) {
    this.known = new Map(vars.map((s) => [s.path, s]));
  }

  private problem(file: string, node: hbs.AST.Node | undefined, message: string, blocking = true): void {
    this.problems.push({ file, line: node?.loc?.start.line ?? 0, message, blocking });
  }

  private isKnown(path: string): boolean {
    if (path === '' || this.known.has(path)) return true;
    for (const k of this.known.keys()) if (k.startsWith(`${path}.`) || k.startsWith(`${path}[]`)) return true;
    if (path.endsWith('.length')) return this.isList(path.slice(0, -'.length'.length));
    return false;
  }

  private isList(path: string): boolean {
    const type = this.known.get(path)?.type ?? '';
    return type === 'list' || type.startsWith('string[]') || type.endsWith('[]');
  }

  /** The registry path an expression names (null: not checkable), reporting unknown ones. */
  resolve(p: hbs.AST.PathExpression, scopes: Scope[], file: string): string | null {
    let base: string | null;
    let parts = p.parts;
    if (p.data) {
      if (parts[0] === 'root') {
        base = '';
        parts = parts.slice(1);
      } else if (DATA_VARS.has(parts[0] ?? '')) {
        return null;
      } else {
        this.problem(file, p, `unknown data variable ${p.original}`);
        return null;
      }
    } else {
      if (p.depth >= scopes.length) {
        this.problem(file, p, `${p.original} goes above the top-level context`);
        return null;
      }
      const scope = scopes[scopes.length - 1 - p.depth]!;
      base = scope.path;
      const head = parts[0];
      if (p.depth === 0 && head !== undefined) {
        for (let i = scopes.length - 1; i >= 0; i--) {
          const param = scopes[i]!.params;
          if (param.has(head)) {
            base = param.get(head)!;
            parts = parts.slice(1);
            break;
          }
        }
      }
    }
    if (base === null) return null;
    const full = [base, ...parts].filter((s) => s !== '').join('.').replace(/\.\[\]/g, '[]');
    if (!this.isKnown(full)) {
      this.problem(file, p, `unknown variable ${p.original}${full !== p.original ? ` (${full})` : ''}`);
      return null;
    }
    return full;
  }

  private expression(e: hbs.AST.Expression, scopes: Scope[], file: string): string | null {
    if (e.type === 'PathExpression') return this.resolve(e as hbs.AST.PathExpression, scopes, file);
    if (e.type === 'SubExpression') this.call(e as hbs.AST.SubExpression, scopes, file);
    return null;
  }

  private hash(h: hbs.AST.Hash | undefined, scopes: Scope[], file: string): Map<string, string | null> {
    const out = new Map<string, string | null>();
    for (const pair of h?.pairs ?? []) out.set(pair.key, this.expression(pair.value, scopes, file));
    return out;
  }

  /** A helper call ({{lookup a b}}, (log x)): only the built-in helpers exist. */
  private call(node: hbs.AST.MustacheStatement | hbs.AST.SubExpression, scopes: Scope[], file: string): void {
    const name = (node.path as hbs.AST.PathExpression).original;
    if (name !== 'lookup' && name !== 'log') this.problem(file, node, `unknown helper ${String(name)}`);
    for (const param of node.params) this.expression(param, scopes, file);
    this.hash(node.hash, scopes, file);
  }

  program(program: hbs.AST.Program | undefined, scopes: Scope[], file: string, html: boolean): void {
    for (const s of program?.body ?? []) this.statement(s, scopes, file, html);
  }

  private statement(s: hbs.AST.Statement, scopes: Scope[], file: string, html: boolean): void {
    switch (s.type) {
      case 'MustacheStatement': {
        const m = s as hbs.AST.MustacheStatement;
        if (m.path.type !== 'PathExpression') return;
        if (m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0) return this.call(m, scopes, file);
        const resolved = this.resolve(m.path as hbs.AST.PathExpression, scopes, file);
        if (!m.escaped && html && resolved !== null) {
          const spec = this.known.get(resolved);
          if (spec && spec.provided !== 'system') {
            this.problem(file, m, `{{{${(m.path as hbs.AST.PathExpression).original}}}} outputs ${spec.provided}-provided text unescaped in HTML: use {{${(m.path as hbs.AST.PathExpression).original}}}`, false);
          }
        }
        return;
      }
      case 'BlockStatement':
        return this.block(s as hbs.AST.BlockStatement, scopes, file, html);
      case 'PartialStatement':
      case 'PartialBlockStatement':
        return this.partial(s as hbs.AST.PartialStatement, scopes, file, html);
      default:
        return;
    }
  }

  private block(b: hbs.AST.BlockStatement, scopes: Scope[], file: string, html: boolean): void {
    const name = (b.path as hbs.AST.PathExpression).original;
    const blockParams = b.program?.blockParams ?? [];
    const inner = (path: string | null, params: (string | null)[]): Scope[] => [...scopes, { path, params: new Map(blockParams.map((p, i) => [p, params[i] ?? null])) }];
    if (name === 'if' || name === 'unless' || name === 'each' || name === 'with') {
      if (b.params.length !== 1) this.problem(file, b, `#${name} needs exactly one argument`);
      const target = b.params[0] ? this.expression(b.params[0], scopes, file) : null;
      this.hash(b.hash, scopes, file);
      if (name === 'each') this.program(b.program, inner(target === null ? null : `${target}[]`, [target === null ? null : `${target}[]`, null]), file, html);
      else if (name === 'with') this.program(b.program, inner(target, [target]), file, html);
      else this.program(b.program, scopes, file, html);
      this.program(b.inverse, scopes, file, html);
      return;
    }
    if (b.params.length > 0) {
      this.problem(file, b, `unknown block helper #${String(name)}`);
      return;
    }
    // A section ({{#ticket.assignee}}…{{/ticket.assignee}}): iterates a list, or enters an object.
    const target = this.resolve(b.path as hbs.AST.PathExpression, scopes, file);
    const path = target !== null && this.isList(target) ? `${target}[]` : target;
    this.program(b.program, inner(path, [path]), file, html);
    this.program(b.inverse, scopes, file, html);
  }

  private partial(p: hbs.AST.PartialStatement, scopes: Scope[], file: string, html: boolean): void {
    let name: string | undefined;
    if (p.name.type === 'PathExpression') name = (p.name as hbs.AST.PathExpression).original;
    else if ((p.name as hbs.AST.Node).type === 'StringLiteral') name = (p.name as unknown as hbs.AST.StringLiteral).value;
    if (name === undefined || name === '@partial-block') return;
    let scope: Scope = { path: scopes[scopes.length - 1]!.path, params: new Map() };
    if (p.params[0]) scope = { path: this.expression(p.params[0], scopes, file), params: new Map() };
    for (const [k, value] of this.hash(p.hash, scopes, file)) scope.params.set(k, value);
    if ((p as hbs.AST.Node).type === 'PartialBlockStatement') this.program((p as unknown as hbs.AST.PartialBlockStatement).program, scopes, file, html);
    const found = this.files.partial(name, this.locale);
    if (!found) {
      this.problem(file, p, `partial ${name} not found (looked for partials/${name}${this.locale ? `.${this.locale}` : ''}.hbs in ${this.files.dirs.join(', ')})`);
      return;
    }
    this.partialsUsed.add(found.relative);
    if (this.partialStack.includes(found.path)) return;
    const { ast, problem } = parseTemplate(found);
    if (problem) return void this.problems.push(problem);
    this.partialStack.push(found.path);
    this.program(ast, [...scopes, scope], found.path, html);
    this.partialStack.pop();
  }
}

function dedupe(problems: TemplateProblem[]): TemplateProblem[] {
  const seen = new Map<string, TemplateProblem>();
  for (const p of problems) if (!seen.has(formatProblem(p))) seen.set(formatProblem(p), p);
  return [...seen.values()];
}

export interface FolderCheck {
  name: string;
  locale: string | undefined;
  parts: Partial<Record<Part, TemplateFile>>;
  layout: TemplateFile | undefined;
  problems: TemplateProblem[];
  partialsUsed: Set<string>;
}

/** One notification folder (`received`, `resolved.de`): its three parts, the layout and every partial they reach. */
export function checkFolder(files: LayeredDirs, folder: string): FolderCheck {
  const { name, locale } = splitFolder(folder);
  const problems: TemplateProblem[] = [];
  const folderPath = files.pathFor(folder, folder);
  if (locale !== undefined && !isLocale(locale)) {
    problems.push({ file: folderPath, line: 0, message: `"${locale}" is not a locale (a variant folder is NAME.LOCALE, e.g. resolved.de)`, blocking: true });
  }
  if (!NOTIFICATIONS[name]) {
    problems.push({ file: folderPath, line: 0, message: `deskmail sends no notification named "${name}", so this folder is never used (deskmail templates vars lists them; a developer adding one registers it in src/outbox/template-vars.ts)`, blocking: false });
  }
  const vars = allVariables();
  const walker = new Walker(files, locale, vars);
  const parts: FolderCheck['parts'] = {};
  const scopes = (): Scope[] => [{ path: '', params: new Map() }];
  for (const part of PARTS) {
    const file = files.read(join(folder, `${part}.hbs`));
    if (!file) {
      problems.push({ file: files.pathFor(join(folder, `${part}.hbs`), folder), line: 0, message: 'missing (a notification needs subject.hbs, text.hbs and html.hbs)', blocking: true });
      continue;
    }
    parts[part] = file;
    const { ast, problem } = parseTemplate(file);
    if (problem) {
      problems.push(problem);
      continue;
    }
    walker.program(ast, scopes(), file.path, part === 'html');
    if (part === 'subject' && !NOTIFICATIONS[name]?.noTicket && !carriesRef(ast!)) {
      problems.push({ file: file.path, line: 1, message: 'the subject does not carry the ticket reference: add [{{ticket.ref}}] (outside any {{#if}})', blocking: false });
    }
  }
  const layout = files.layout(locale);
  if (layout) {
    const { ast, problem } = parseTemplate(layout);
    if (problem) problems.push(problem);
    else {
      const layoutWalker = new Walker(files, locale, [...vars, ...LAYOUT_VARIABLES]);
      layoutWalker.program(ast, scopes(), layout.path, true);
      problems.push(...layoutWalker.problems);
      for (const p of layoutWalker.partialsUsed) walker.partialsUsed.add(p);
    }
  }
  problems.push(...walker.problems);
  return { name, locale, parts, layout, problems: dedupe(problems), partialsUsed: walker.partialsUsed };
}

/** A top-level {{ticket.ref}}: in every rendering, not only when some condition holds. */
function carriesRef(ast: AST): boolean {
  return ast.body.some((s) => s.type === 'MustacheStatement' && ['ticket.ref', '@root.ticket.ref'].includes(((s as hbs.AST.MustacheStatement).path as hbs.AST.PathExpression).original));
}

/** Everything `deskmail templates check` reports for the effective set (override directory over shipped). */
export function checkTemplates(dirs: string[]): { problems: TemplateProblem[]; folders: string[]; partials: string[] } {
  const files = new LayeredDirs(dirs);
  const folders = files.folders();
  const problems: TemplateProblem[] = [];
  const used = new Set<string>();
  for (const folder of folders) {
    const checked = checkFolder(files, folder);
    problems.push(...checked.problems);
    for (const p of checked.partialsUsed) used.add(p);
    const { name, locale } = splitFolder(folder);
    if (locale !== undefined && !folders.includes(name)) {
      problems.push({ file: files.pathFor(folder, folder), line: 0, message: `a locale variant without the default: ${name}/ is needed as the fallback`, blocking: true });
    }
  }
  // Partials no notification reaches are still parsed and checked against every variable.
  const partials = files.partials();
  const anyVars = new Walker(files, undefined, [...allVariables(), ...LAYOUT_VARIABLES]);
  for (const name of partials) {
    const file = files.read(join('partials', `${name}.hbs`))!;
    const { ast, problem } = parseTemplate(file);
    if (problem) problems.push(problem);
    else if (!used.has(file.relative)) anyVars.program(ast, [{ path: '', params: new Map() }], file.path, true);
  }
  problems.push(...anyVars.problems);
  const sorted = dedupe(problems).sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { problems: sorted, folders, partials };
}
