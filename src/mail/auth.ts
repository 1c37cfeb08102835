import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AgentAuthPolicy } from '../config.js';
import type { InboundMail } from './parse.js';

/**
 * Is this mail really from the agent its From names? From is forgeable, so commands are taken
 * only when the receiving MTA vouches for it (RFC 8601 Authentication-Results from the operator's
 * own authserv-id: DMARC pass, or DKIM pass aligned with the From domain), or when the mail goes
 * to a reply address signed for that agent and ticket (token).
 */
export type AuthVerdict = { ok: true; method: string } | { ok: false; reason: string };

export interface AuthPolicy {
  mode: AgentAuthPolicy;
  trustedAuthservId: string | undefined;
  secret: string;
  ticketRef: string;
  helpdeskAddress: string;
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * Aligned in DMARC's relaxed sense: the same domain, or one a subdomain of the other. Without the
 * public-suffix list, a bare top-level label ("com") never counts as the organisational domain.
 */
function aligned(a: string, b: string): boolean {
  if (a === b) return true;
  const [shorter, longer] = a.length < b.length ? [a, b] : [b, a];
  return shorter.includes('.') && longer.endsWith(`.${shorter}`);
}

/** The results of the first (topmost, i.e. our own MTA's) Authentication-Results from the trusted server. */
export function trustedResults(mail: InboundMail, authservId: string): string | undefined {
  for (const value of mail.headers.get('authentication-results') ?? []) {
    const [id, ...rest] = value.split(';');
    if ((id ?? '').trim().split(/\s+/)[0]?.toLowerCase() === authservId.toLowerCase()) return rest.join(';');
  }
  return undefined;
}

export function dmarcVerdict(mail: InboundMail, authservId: string | undefined): AuthVerdict {
  if (!authservId) return { ok: false, reason: 'TRUSTED_AUTHSERV_ID is not set, so no Authentication-Results header can be trusted' };
  const results = trustedResults(mail, authservId);
  if (results === undefined) return { ok: false, reason: `no Authentication-Results header from ${authservId}` };
  const fromDomain = domainOf(mail.from?.address ?? '');
  for (const clause of results.split(';').map((c) => c.trim().toLowerCase())) {
    const dmarc = /^dmarc=pass\b.*?header\.from=([^\s;]+)/.exec(clause);
    if (dmarc && aligned(dmarc[1]!, fromDomain)) return { ok: true, method: `dmarc=pass (${authservId})` };
    const dkim = /^dkim=pass\b.*?header\.(?:d|i)=@?([^\s;]+)/.exec(clause);
    if (dkim && aligned(domainOf(`x@${dkim[1]!}`), fromDomain)) return { ok: true, method: `dkim=pass d=${dkim[1]} (${authservId})` };
  }
  return { ok: false, reason: `no DMARC or aligned DKIM pass for ${fromDomain} from ${authservId}` };
}

/** The token in an agent's reply address: HMAC of ticket and agent, so it cannot be guessed or reused elsewhere. */
export function replyToken(secret: string, ticketRef: string, agentEmail: string): string {
  return createHmac('sha256', secret).update(`${ticketRef.toUpperCase()}\n${agentEmail.toLowerCase()}`).digest('hex').slice(0, 20);
}

/** support+HD-1.TOKEN@domain: where an agent's notification asks them to reply. */
export function agentReplyAddress(helpdeskAddress: string, secret: string, ticketRef: string, agentEmail: string): string {
  const at = helpdeskAddress.lastIndexOf('@');
  return `${helpdeskAddress.slice(0, at)}+${ticketRef}.${replyToken(secret, ticketRef, agentEmail)}${helpdeskAddress.slice(at)}`;
}

function sentTo(mail: InboundMail, address: string): boolean {
  const expected = Buffer.from(address.toLowerCase());
  return mail.recipients.some((r) => {
    const a = Buffer.from(r.toLowerCase());
    return a.length === expected.length && timingSafeEqual(a, expected);
  });
}

export function tokenVerdict(mail: InboundMail, p: AuthPolicy): AuthVerdict {
  const sender = mail.from?.address ?? '';
  if (sentTo(mail, agentReplyAddress(p.helpdeskAddress, p.secret, p.ticketRef, sender))) return { ok: true, method: 'signed reply address' };
  return { ok: false, reason: 'not sent to the reply address signed for this agent and ticket' };
}

/** One policy for every sender who may change a ticket: off, signed address, or the MTA's DMARC word. */
function authenticate(mail: InboundMail, p: AuthPolicy, token: AuthVerdict): AuthVerdict {
  if (p.mode === 'off') return { ok: true, method: 'AGENT_AUTH=off (local mode)' };
  // A signed reply address is proof in either mode; dmarc mode also accepts the MTA's word.
  if (token.ok || p.mode === 'token') return token;
  const dmarc = dmarcVerdict(mail, p.trustedAuthservId);
  return dmarc.ok ? dmarc : { ok: false, reason: `${dmarc.reason}; ${token.reason}` };
}

export function authenticateAgent(mail: InboundMail, p: AuthPolicy): AuthVerdict {
  return authenticate(mail, p, p.mode === 'off' ? { ok: true, method: '' } : tokenVerdict(mail, p));
}

/**
 * The bug report's Reply-To for a tracker: the ticket's plus address with a token bound to ticket
 * and tracker ("tracker:" cannot start an agent's address, so the two never collide).
 */
export function trackerReplyAddress(helpdeskAddress: string, secret: string, ticketRef: string, trackerName: string): string {
  return agentReplyAddress(helpdeskAddress, secret, ticketRef, `tracker:${trackerName}`);
}

/**
 * Is this mail really from the development tracker its From names? The same bar as agent mail:
 * the MTA's DMARC (or aligned DKIM) pass, or a reply to the address signed for this tracker.
 */
export function authenticateTracker(mail: InboundMail, p: AuthPolicy, trackerName: string): AuthVerdict {
  const token: AuthVerdict = sentTo(mail, trackerReplyAddress(p.helpdeskAddress, p.secret, p.ticketRef, trackerName))
    ? { ok: true, method: `reply address signed for tracker ${trackerName}` }
    : { ok: false, reason: `not sent to the reply address signed for tracker ${trackerName} and this ticket` };
  return authenticate(mail, p, token);
}
