import { describe, expect, it } from 'vitest';
import type { AgentAuthPolicy } from '../../src/config.js';
import { agentReplyAddress, authenticateAgent, authenticateTracker, replyToken, trackerReplyAddress, type AuthPolicy, type AuthVerdict } from '../../src/mail/auth.js';
import { parsedMessage } from '../support/raw-mail.js';

const HELPDESK = 'support@help.test';
const SECRET = 'unit-test-secret';
const TRUSTED = 'mx.help.test';
const BOB = 'bob@example.com';
const REF = 'HD-7';

function policy(mode: AgentAuthPolicy, over: Partial<AuthPolicy> = {}): AuthPolicy {
  return { mode, trustedAuthservId: TRUSTED, secret: SECRET, ticketRef: REF, helpdeskAddress: HELPDESK, ...over };
}

/** The reply address the helpdesk hands an agent in a notification about a ticket. */
const signed = (agent: string, ref = REF, secret = SECRET): string => agentReplyAddress(HELPDESK, secret, ref, agent);

/** A mail as the pipeline sees it: header lines in the order written (topmost first). */
async function verdict(headers: string[], p: AuthPolicy): Promise<AuthVerdict> {
  const mail = await parsedMessage([...headers, `Subject: Re: [${REF}] VPN drops`, 'Message-ID: <m1@example.com>'], '#resolve fixed\n');
  return authenticateAgent(mail, p);
}

describe('signed reply addresses', () => {
  it('look like support+REF.TOKEN@domain, with a 20-hex-digit token bound to ticket and agent', () => {
    const address = signed(BOB);
    expect(address).toMatch(/^support\+HD-7\.[0-9a-f]{20}@help\.test$/);
    expect(replyToken(SECRET, 'hd-7', 'Bob@Example.COM')).toBe(replyToken(SECRET, 'HD-7', BOB));
    expect(replyToken(SECRET, 'HD-8', BOB)).not.toBe(replyToken(SECRET, REF, BOB));
    expect(replyToken(SECRET, REF, 'ann@example.com')).not.toBe(replyToken(SECRET, REF, BOB));
    expect(replyToken('another-secret', REF, BOB)).not.toBe(replyToken(SECRET, REF, BOB));
  });
});

describe('AGENT_AUTH=off (local mode)', () => {
  it('accepts any mail and says it is off', async () => {
    const v = await verdict([`From: ${BOB}`, `To: ${HELPDESK}`], policy('off', { trustedAuthservId: undefined }));
    expect(v).toEqual({ ok: true, method: 'AGENT_AUTH=off (local mode)' });
  });
});

describe('AGENT_AUTH=token: the signed reply address', () => {
  const passes: [string, string[]][] = [
    ['sent to the address signed for this ticket and sender', [`From: Bob Smith <${BOB}>`, `To: ${signed(BOB)}`]],
    ['the same, written in another case by the client', [`From: Bob Smith <Bob@EXAMPLE.com>`, `To: "Support" <${signed(BOB).toUpperCase()}>`]],
    ['the same address in Cc, next to the customer in To', [`From: ${BOB}`, 'To: carol@customer.test', `Cc: ${signed(BOB)}`]],
    ['the same address only in Delivered-To (Bcc)', [`From: ${BOB}`, `To: ${HELPDESK}`, `Delivered-To: ${signed(BOB)}`]],
  ];
  it.each(passes)('a mail %s passes', async (_name, headers) => {
    expect(await verdict(headers, policy('token'))).toEqual({ ok: true, method: 'signed reply address' });
  });

  const fails: [string, string[]][] = [
    ['to the plain helpdesk address', [`From: ${BOB}`, `To: ${HELPDESK}`]],
    ["to the address signed for the same agent on another ticket", [`From: ${BOB}`, `To: ${signed(BOB, 'HD-8')}`]],
    ["to another agent's signed address for this ticket", ['From: ann@example.com', `To: ${signed(BOB)}`]],
    ['from a customer who puts the agent address in Cc', ['From: carol@customer.test', `To: ${HELPDESK}`, `Cc: ${signed(BOB)}`]],
    ['from a customer who writes to the agent address directly', ['From: carol@customer.test', `To: ${signed(BOB)}`]],
    ['to an address signed with another secret', [`From: ${BOB}`, `To: ${signed(BOB, REF, 'guessed-secret')}`]],
    ['to a truncated token', [`From: ${BOB}`, `To: ${signed(BOB).replace(/[0-9a-f]@/, '@')}`]],
    ['to a token with one digit changed', [`From: ${BOB}`, `To: ${signed(BOB).replace(/([0-9a-f])@/, (_m, d: string) => `${d === '0' ? '1' : '0'}@`)}`]],
    ['with a trusted DMARC pass but no token (token mode trusts only the token)', [`Authentication-Results: ${TRUSTED}; dmarc=pass header.from=example.com`, `From: ${BOB}`, `To: ${HELPDESK}`]],
  ];
  it.each(fails)('a mail %s fails', async (_name, headers) => {
    const v = await verdict(headers, policy('token'));
    expect(v).toEqual({ ok: false, reason: 'not sent to the reply address signed for this agent and ticket' });
  });

  const oddRecipients: [string, (length: number) => string][] = [
    ['an internationalised address written in UTF-8', (n) => `${'ü'.repeat(n - '@x.test'.length)}@x.test`],
    ['a punycode (ASCII-only) address the parser decodes', (n) => `${'a'.repeat(n - '@bücher.test'.length)}@xn--bcher-kva.test`],
  ];
  it.each(oddRecipients)('a forged mail with a recipient that is %s, as long as the signed address, is refused, not a crash', async (_name, make) => {
    const recipient = make(signed(BOB).length);
    let v: AuthVerdict | undefined;
    let thrown: unknown;
    try {
      v = await verdict([`From: ${BOB}`, `To: ${HELPDESK}`, `Cc: ${recipient}`], policy('token'));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeUndefined();
    expect(v).toEqual({ ok: false, reason: 'not sent to the reply address signed for this agent and ticket' });
  });
});

describe('AGENT_AUTH=dmarc: the trusted Authentication-Results', () => {
  const ar = (results: string, id = TRUSTED): string => `Authentication-Results: ${id}; ${results}`;

  const passes: [string, string, string[]][] = [
    // name, From, Authentication-Results lines (topmost first)
    ['dmarc=pass for the From domain', BOB, [ar('dmarc=pass header.from=example.com')]],
    ['a full real-world result line', BOB, [ar('spf=pass smtp.mailfrom=example.com; dkim=pass (2048-bit key) header.d=example.com header.i=@example.com header.b=AbCdEf12; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com')]],
    ['dmarc=pass with the domain in another case', 'Bob@Example.COM', [ar('dmarc=pass header.from=EXAMPLE.com')]],
    ['dmarc=pass for a subdomain From', 'bob@eu.example.com', [ar('dmarc=pass header.from=eu.example.com')]],
    ['the trusted authserv-id in another case', BOB, [ar('dmarc=pass header.from=example.com', 'MX.Help.Test')]],
    ['the trusted authserv-id with a version', BOB, [ar('dmarc=pass header.from=example.com', `${TRUSTED} 1`)]],
    ['a folded header', BOB, [`Authentication-Results: ${TRUSTED};\n\tspf=pass smtp.mailfrom=example.com;\n\tdmarc=pass header.from=example.com`]],
    ['dkim=pass with header.d equal to the From domain', BOB, [ar('dkim=pass header.d=example.com; dmarc=none')]],
    ['dkim=pass with header.d a subdomain of the From domain', BOB, [ar('dkim=pass header.d=mail.example.com')]],
    ['dkim=pass with header.d the parent of a subdomain From', 'bob@eu.example.com', [ar('dkim=pass header.d=example.com')]],
    ['dkim=pass with only header.i', BOB, [ar('dkim=pass header.i=@example.com')]],
    ['an unaligned dkim=pass next to an aligned one', BOB, [ar('dkim=pass header.d=esp.test; dkim=pass header.d=example.com')]],
    ['our own header on top, a forged failing one below it', BOB, [ar('dmarc=pass header.from=example.com'), ar('dmarc=fail header.from=example.com')]],
    ['another server id failing above our own passing header', BOB, [ar('dmarc=fail header.from=example.com', 'relay.other.test'), ar('dmarc=pass header.from=example.com')]],
  ];
  it.each(passes)('%s passes', async (_name, from, lines) => {
    const v = await verdict([...lines, `From: ${from}`, `To: ${HELPDESK}`], policy('dmarc'));
    expect(v.ok).toBe(true);
    expect(v.ok && v.method).toContain(TRUSTED);
  });

  const fails: [string, string, string[], RegExp][] = [
    ['no Authentication-Results at all', BOB, [], /no Authentication-Results header from mx\.help\.test/],
    ['an untrusted authserv-id', BOB, [ar('dmarc=pass header.from=example.com', 'mx.evil.test')], /no Authentication-Results header from mx\.help\.test/],
    ['a look-alike authserv-id', BOB, [ar('dmarc=pass header.from=example.com', 'mx.help.test.evil.test')], /no Authentication-Results header from/],
    ['an ARC-Authentication-Results (not ours to trust here)', BOB, [`ARC-Authentication-Results: i=1; ${TRUSTED}; dmarc=pass header.from=example.com`], /no Authentication-Results header from/],
    ['dmarc=fail', BOB, [ar('dmarc=fail (p=reject) header.from=example.com')], /no DMARC or aligned DKIM pass for example\.com/],
    ['dmarc=none', BOB, [ar('dmarc=none header.from=example.com')], /no DMARC or aligned DKIM pass/],
    ['dmarc=temperror', BOB, [ar('dmarc=temperror header.from=example.com')], /no DMARC or aligned DKIM pass/],
    ['dmarc=pass for another domain', BOB, [ar('dmarc=pass header.from=evil.test')], /no DMARC or aligned DKIM pass/],
    ['dmarc=pass for a look-alike domain', BOB, [ar('dmarc=pass header.from=notexample.com')], /no DMARC or aligned DKIM pass/],
    ['a second From address whose domain passed DMARC', `${BOB}, mallory@evil.test`, [ar('dmarc=pass header.from=evil.test')], /no DMARC or aligned DKIM pass for example\.com/],
    ['dkim=pass for another domain', BOB, [ar('dkim=pass header.d=evil.test; dmarc=fail header.from=example.com')], /no DMARC or aligned DKIM pass/],
    ['dkim=pass for a look-alike domain', BOB, [ar('dkim=pass header.d=notexample.com')], /no DMARC or aligned DKIM pass/],
    ['dkim=pass for a domain that merely starts with the From domain', BOB, [ar('dkim=pass header.d=example.com.evil.test')], /no DMARC or aligned DKIM pass/],
    ['dkim=fail for the From domain', BOB, [ar('dkim=fail header.d=example.com')], /no DMARC or aligned DKIM pass/],
    ['spf=pass alone', BOB, [ar('spf=pass smtp.mailfrom=example.com')], /no DMARC or aligned DKIM pass/],
    ['our own failing header on top, a forged passing one below it', BOB, [ar('dmarc=fail header.from=example.com'), ar('dmarc=pass header.from=example.com')], /no DMARC or aligned DKIM pass/],
    ['a forged passing header from another id on top, our failing one below', BOB, [ar('dmarc=pass header.from=example.com', 'mx.evil.test'), ar('dmarc=fail header.from=example.com')], /no DMARC or aligned DKIM pass/],
  ];
  it.each(fails)('%s fails', async (_name, from, lines, reason) => {
    const v = await verdict([...lines, `From: ${from}`, `To: ${HELPDESK}`], policy('dmarc'));
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reason).toMatch(reason);
  });

  it('TRUSTED_AUTHSERV_ID unset: nothing can be trusted, and the reason names the setting', async () => {
    const v = await verdict([ar('dmarc=pass header.from=example.com'), `From: ${BOB}`, `To: ${HELPDESK}`], policy('dmarc', { trustedAuthservId: undefined }));
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reason).toContain('TRUSTED_AUTHSERV_ID');
  });

  it('a failing mail says both why the header did not count and why there was no token', async () => {
    const v = await verdict([ar('dmarc=fail header.from=example.com'), `From: ${BOB}`, `To: ${HELPDESK}`], policy('dmarc'));
    expect(v).toEqual({ ok: false, reason: 'no DMARC or aligned DKIM pass for example.com from mx.help.test; not sent to the reply address signed for this agent and ticket' });
  });

  const tokenInDmarcMode: [string, string | undefined, string[]][] = [
    ['with no Authentication-Results', TRUSTED, []],
    ['with a failing Authentication-Results', TRUSTED, [ar('dmarc=fail header.from=example.com')]],
    ['with TRUSTED_AUTHSERV_ID unset', undefined, []],
  ];
  it.each(tokenInDmarcMode)('a signed reply address is proof in dmarc mode too, %s', async (_name, trusted, lines) => {
    const v = await verdict([...lines, `From: ${BOB}`, `To: ${signed(BOB)}`], policy('dmarc', { trustedAuthservId: trusted }));
    expect(v).toEqual({ ok: true, method: 'signed reply address' });
  });

  it("in dmarc mode, a customer cannot pass with an agent's signed address in Cc", async () => {
    const v = await verdict(['From: carol@customer.test', `To: ${HELPDESK}`, `Cc: ${signed(BOB)}`], policy('dmarc'));
    expect(v.ok).toBe(false);
  });
});

describe('mail claiming to be the development tracker', () => {
  const JIRA = 'jira@tracker.test';
  const trackerSigned = (ref = REF, tracker = 'jira'): string => trackerReplyAddress(HELPDESK, SECRET, ref, tracker);
  async function trackerVerdict(headers: string[], p: AuthPolicy): Promise<AuthVerdict> {
    const mail = await parsedMessage([...headers, `Subject: [JIRA] (APP-1) Export crashes [${REF}]`, 'Message-ID: <t1@tracker.test>'], 'Dev Dan changed the status to Done.\n');
    return authenticateTracker(mail, p, 'jira');
  }

  it('its reply address is the ticket\'s plus address with a token no agent address shares', () => {
    expect(trackerSigned()).toMatch(/^support\+HD-7\.[0-9a-f]{20}@help\.test$/);
    expect(trackerSigned()).not.toBe(signed(JIRA));
    expect(trackerSigned('HD-8')).not.toBe(trackerSigned());
    expect(trackerSigned(REF, 'asana')).not.toBe(trackerSigned());
  });

  const passes: [string, AgentAuthPolicy, string[], string][] = [
    ['an answer to the signed bug-report address (token mode)', 'token', [`From: ${JIRA}`, `To: ${trackerSigned()}`], 'reply address signed for tracker jira'],
    ['an answer to the signed address (dmarc mode, no header)', 'dmarc', [`From: ${JIRA}`, `To: ${trackerSigned()}`], 'reply address signed for tracker jira'],
    ['a DMARC pass for the tracker\'s domain from our MTA', 'dmarc', [`Authentication-Results: ${TRUSTED}; dmarc=pass header.from=tracker.test`, `From: ${JIRA}`, `To: ${HELPDESK}`], `dmarc=pass (${TRUSTED})`],
    ['anything in local mode (AGENT_AUTH=off)', 'off', [`From: ${JIRA}`, `To: ${HELPDESK}`], 'AGENT_AUTH=off (local mode)'],
  ];
  it.each(passes)('%s passes', async (_name, mode, headers, method) => {
    expect(await trackerVerdict(headers, policy(mode))).toEqual({ ok: true, method });
  });

  const fails: [string, AgentAuthPolicy, string[], RegExp][] = [
    ['a forged From to the plain plus address', 'dmarc', [`From: ${JIRA}`, `To: support+HD-7@help.test`], /no Authentication-Results header from mx\.help\.test; not sent to the reply address signed for tracker jira/],
    ['a forged From with a DMARC fail', 'dmarc', [`Authentication-Results: ${TRUSTED}; dmarc=fail header.from=tracker.test`, `From: ${JIRA}`, `To: ${HELPDESK}`], /no DMARC or aligned DKIM pass for tracker\.test/],
    ['the signed address of another ticket', 'dmarc', [`From: ${JIRA}`, `To: ${trackerSigned('HD-8')}`], /not sent to the reply address signed for tracker jira/],
    ['an agent\'s signed address, not the tracker\'s', 'token', [`From: ${JIRA}`, `To: ${signed(BOB)}`], /^not sent to the reply address signed for tracker jira and this ticket$/],
    ['a DMARC pass in token mode (token mode trusts only the token)', 'token', [`Authentication-Results: ${TRUSTED}; dmarc=pass header.from=tracker.test`, `From: ${JIRA}`, `To: ${HELPDESK}`], /not sent to the reply address/],
  ];
  it.each(fails)('%s is refused', async (_name, mode, headers, reason) => {
    const v = await trackerVerdict(headers, policy(mode));
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reason).toMatch(reason);
  });
});
