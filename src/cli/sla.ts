import type { Config } from '../config.js';
import { DeskmailError } from '../errors.js';
import { loadRules } from '../rules-file.js';
import { loadSla, slaTable, summariseSla, withVerifyWindow } from '../sla-file.js';

/**
 * `deskmail sla check [FILE]`: validates the SLA file (one line naming file and line, exit 2) and
 * prints the effective targets, with VERIFY_WINDOW_HOURS applied, as a table.
 */
export function slaCheck(config: Config, file: string): string {
  const loaded = loadSla(file);
  if (!loaded.ok) throw new DeskmailError('CONFIG', loaded.error);
  const settings = withVerifyWindow(config, loaded.settings);
  const lines = [`${file}: ok — ${summariseSla(settings)}`, ...slaTable(settings, { autoCloseSource: config.verifyWindowFromEnv ? 'VERIFY_WINDOW_HOURS overrides the file' : 'from the file' })];
  // A rule naming a policy this file lacks would silently fall back to "default": say so.
  const rules = loadRules(config.rulesFile);
  if (rules.ok) {
    const named = [rules.rules.defaults.sla, ...rules.rules.rules.map((r) => r.then.sla)].filter((n): n is string => n !== undefined);
    for (const name of new Set(named)) {
      if (!settings.policies[name]) lines.push(`warning: ${config.rulesFile} names SLA policy "${name}", which ${file} does not define: those tickets get "default"`);
    }
  }
  return lines.join('\n');
}
