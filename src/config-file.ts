import { readFileSync } from 'node:fs';
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';

/**
 * What the admin-edited YAML files (rules, SLA, trackers) share: reading the file, parsing the
 * YAML, and turning schema problems into ONE line, "file:line:col: where: what", pointing at the
 * node at fault. Each file keeps its own schema and its own words for an unknown key.
 */

export type YamlPath = (string | number)[];

/** "…: cannot read the rules file: no such file": one line naming the file. */
export function readErrorLine(file: string, what: string, err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
  return `${file}: cannot read the ${what}: ${why}`;
}

/** Reads an admin's file; never throws. `what` names it in the error line ("rules file"). */
export function readConfigSource(file: string, what: string): { ok: true; source: string } | { ok: false; error: string } {
  try {
    return { ok: true, source: readFileSync(file, 'utf8') };
  } catch (err) {
    return { ok: false, error: readErrorLine(file, what, err) };
  }
}

export interface YamlText {
  doc: Document;
  /** The plain value (null for an empty file). */
  data: unknown;
  /** "file:line:col" of an offset in the text. */
  at(offset: number): string;
}

/** Parses YAML text; a syntax error is one line naming file, line and column. */
export function parseYaml(source: string, file: string): { ok: true; yaml: YamlText } | { ok: false; error: string } {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): string => {
    const pos = lines.linePos(offset);
    return `${file}:${pos.line}:${pos.col}`;
  };
  const firstError = doc.errors[0];
  if (firstError) {
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more YAML error${doc.errors.length > 2 ? 's' : ''})` : '';
    return { ok: false, error: `${at(firstError.pos[0])}: invalid YAML: ${firstError.message.split('\n')[0]!}${more}` };
  }
  try {
    // The alias cap stops a "billion laughs" file from eating the gateway's memory.
    return { ok: true, yaml: { doc, data: doc.toJS({ maxAliasCount: 100 }), at } };
  } catch (err) {
    return { ok: false, error: `${at(0)}: invalid YAML: ${(err as Error).message.split('\n')[0]!}` };
  }
}

/** Where a path points in the YAML text: the key of a map entry, the item of a list. */
export function locate(doc: Document, path: readonly (string | number)[]): { offset: number; found: boolean } {
  let node: unknown = doc.contents;
  let offset = isNode(node) ? (node.range?.[0] ?? 0) : 0;
  for (const seg of path) {
    if (isAlias(node)) return { offset, found: true };
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return { offset, found: false };
      if (isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg];
      if (isNode(node) && node.range) offset = node.range[0];
    } else {
      return { offset, found: false };
    }
  }
  return { offset, found: true };
}

/** rules[0].then.category; "top level" for the empty path. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || 'top level';
}

/** One thing wrong with a file: where (a path into the YAML) and what. */
export interface Problem {
  path: YamlPath;
  message: string;
  /** Set when the problem is an unknown key under `path`: the line points at that key. */
  unknownKey?: string;
}

/** Says what is wrong with unknown keys found under `path` (a file may suggest the nearest known key). */
export type UnknownKeysMessage = (path: YamlPath, keys: readonly string[]) => string;

/** zod's issues as Problems; zod's "Invalid input: " preamble is dropped, the rest is the schema's own words. */
export function zodProblems(issues: readonly z.core.$ZodIssue[], unknownKeys: UnknownKeysMessage): Problem[] {
  return issues.map((i) => {
    const path = i.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (i.code === 'unrecognized_keys') return { path, message: unknownKeys(path, i.keys), unknownKey: i.keys[0]! };
    return { path, message: i.message.replace(/^Invalid (input|option): /, '') };
  });
}

/**
 * The one line for a file with problems: the first one in the file, and how many more. A missing
 * key has no line of its own (it points at its parent), so the others are told first.
 */
export function problemLine(yaml: YamlText, problems: readonly Problem[]): string {
  const located = problems
    .map((p) => {
      if (p.unknownKey !== undefined) {
        return { offset: locate(yaml.doc, [...p.path, p.unknownKey]).offset, message: `${formatPath(p.path)}: ${p.message}`, missing: false };
      }
      const where = locate(yaml.doc, p.path);
      if (!where.found) return { offset: where.offset, message: `${formatPath(p.path.slice(0, -1))}: missing "${String(p.path.at(-1))}:"`, missing: true };
      return { offset: where.offset, message: `${formatPath(p.path)}: ${p.message}`, missing: false };
    })
    .sort((a, b) => Number(a.missing) - Number(b.missing) || a.offset - b.offset);
  const first = located[0]!;
  const more = located.length > 1 ? ` (and ${located.length - 1} more problem${located.length > 2 ? 's' : ''})` : '';
  return `${yaml.at(first.offset)}: ${first.message}${more}`;
}
