import { event, notAllowed } from './guard.js';
import { fail, ok, type CommandHandler } from './types.js';

export const wait: CommandHandler = (effects, args) => {
  const on = args.trim().toLowerCase().split(/\s+/)[0] ?? '';
  const target = ['customer', 'requester', 'user', 'client'].includes(on) ? 'customer' : ['vendor', 'third-party', 'thirdparty', 'third_party', 'partner', 'supplier'].includes(on) ? 'vendor' : undefined;
  if (!target) return fail('#wait needs "customer" or "vendor"');
  const blocked = notAllowed(effects, target === 'customer' ? 'wait_customer' : 'wait_vendor', 'wait');
  if (blocked) return blocked;
  const status = target === 'customer' ? 'waiting_customer' : 'waiting_third_party';
  effects.draft.status = status;
  event(effects, 'status_changed', { to: status });
  if (target === 'customer') effects.notices.push({ kind: 'waiting_for_you', audience: 'requester' });
  return ok(target === 'customer' ? 'waiting for the customer' : 'waiting for a third party');
};
