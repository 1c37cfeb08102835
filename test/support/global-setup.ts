import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { ensurePostgres } from './postgres.js';
import { ensureMailPackages, startMailStack, type MailStack } from './mailstack.js';

/**
 * Brings up the real services once per run: PostgreSQL must answer (it is started if installed
 * but down), and one Dovecot + OpenSMTPD stack on free loopback ports is shared by all test files
 * (each test uses its own mailbox addresses). A missing service fails the run with one line.
 */
let stack: MailStack | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensurePostgres();
  await ensureMailPackages();
  stack = await startMailStack();
  project.provide('mailStack', { imapPort: stack.imapPort, smtpPort: stack.smtpPort, password: stack.password, domains: stack.domains });
  return async () => {
    await stack?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    mailStack: { imapPort: number; smtpPort: number; password: string; domains: string[] };
  }
}
