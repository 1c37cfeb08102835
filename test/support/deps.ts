import type { Config } from '../../src/config.js';
import { senderIdentity, templateDirs } from '../../src/context.js';
import { slaSettingsFromFile } from '../../src/sla-file.js';
import { silentLogger } from '../../src/log.js';
import { TemplateRenderer } from '../../src/outbox/render.js';
import type { ReceiveDeps } from '../../src/receive.js';
import type { Db } from '../../src/store/db.js';
import { loadRules } from '../../src/rules-file.js';

/** What receiveMail needs, wired the way openContext wires it, for tests that drive the pipeline directly. */
export function testDeps(db: Db, config: Config, secret = 'test-secret'): ReceiveDeps {
  const loaded = loadRules(config.rulesFile);
  if (!loaded.ok) throw new Error(loaded.error);
  return { db, config, renderer: new TemplateRenderer(templateDirs(config)), sender: senderIdentity(config), secret, sla: slaSettingsFromFile(config), rules: () => loaded.rules, log: silentLogger() };
}
