import { event } from './guard.js';
import { ok, type CommandHandler } from './types.js';

/**
 * Marks the ticket as a knowledge-base candidate (seed 003 step 10: "update the knowledge base if
 * needed"; seed 000: documentation so the customer need not raise it next time). The tag `kb` is
 * what `deskmail report` lists until someone writes the article and runs `#untag kb`.
 */
export const kb: CommandHandler = (effects, args) => {
  const note = args.trim();
  const already = effects.draft.tags.includes('kb');
  if (!already) effects.draft.tags.push('kb');
  event(effects, 'kb_candidate', note ? { note } : {});
  return ok(already ? `already a knowledge-base candidate${note ? '; note added' : ''}` : 'marked as a knowledge-base candidate; deskmail report lists it until #untag kb');
};
