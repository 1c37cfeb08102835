import { readFileSync } from 'node:fs';
import { DeskmailError } from '../errors.js';
import { parseMail } from '../mail/parse.js';
import { replyBody } from '../mail/quotes.js';
import { loadRules, summariseRules } from '../rules-file.js';
import { evaluateRules, triageDecisions, type RuleSet } from '../ticket/rules.js';

function load(file: string): RuleSet {
  const result = loadRules(file);
  if (!result.ok) throw new DeskmailError('CONFIG', result.error);
  return result.rules;
}

/** `deskmail rules check [FILE]`: validates the file, one line per problem, exit 2 when broken. */
export function rulesCheck(file: string): string {
  return `${file}: ok — ${summariseRules(load(file))}`;
}

/** `deskmail rules test FILE.eml`: which rules match a mail, and the resulting triage. */
export async function rulesTest(mailFile: string, rulesFile: string): Promise<string> {
  const rules = load(rulesFile);
  let raw: Buffer;
  try {
    raw = readFileSync(mailFile);
  } catch (err) {
    throw new DeskmailError('USAGE', `cannot read ${mailFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const mail = await parseMail(raw);
  const triage = evaluateRules(rules, { ...mail, text: replyBody(mail) });
  const lines = [`${mailFile}: "${mail.subject}" from ${mail.from?.address ?? '(no sender)'}`];
  for (const d of triageDecisions(triage)) lines.push(`  ${d.stage} ${d.verdict}: ${d.reason}`);
  return lines.join('\n');
}
