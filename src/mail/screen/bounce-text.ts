import type { ScreenCheck } from './types.js';

/**
 * Subjects that mail systems give their bounces, in the languages seen in the wild (sisimai's
 * corpus among them). Matched at the start, after any Fwd:/Fw:/WG: a forwarding person adds.
 */
const BOUNCE_SUBJECTS: RegExp[] = [
  /^undelivered mail returned to sender/i,
  /^undeliver(?:able|ed)\b/i,
  /^(?:mail )?delivery status notification/i,
  /^delivery (?:status )?notification\s*:/i,
  /^delivery (?:status|report|failure)\b/i,
  /^returned mail\b/i,
  /^mail delivery (?:failed|failure|status|system)/i,
  /^(?:permanent )?delivery failure/i,
  /^failure notice\b/i,
  /^fail(?:ed|ure) delivery\b/i,
  /^mail system error\b/i,
  /^(?:message delivery has failed|mail could not be delivered|sorry, your message could not be delivered|there was an error sending your mail)/i,
  /^warning: (?:could not send message|message .* delayed)/i,
  /^postmaster notify\b/i,
  /^notice: mail delivery status/i,
  /^(?:non remis|non recapitabile|unzustellbar|nicht zustellbar|onbestelbaar|no se puede entregar|não entregue|niedostarczalne)\b/i,
  /^(?:недоставленное сообщение|ваше сообщение не доставлено)/i,
  /^(?:メッセージを配信できません|メールエラー通知|配信不能|退信)/,
];

/** Sentences that mail systems write in bounce bodies and people practically never do. */
const BOUNCE_BODY_MARKERS: RegExp[] = [
  /this is the mail system at host/i,
  /the following addresses had permanent fatal errors/i,
  /-{3,} ?transcript of session follows ?-{3,}/i,
  /your message could not\s+be delivered to one or more recipients/i,
  /this message was created automatically by mail delivery software/i,
  /a message that you sent could not be delivered to one or more of its/i,
  /this is the qmail-send program/i,
  /i'm afraid i wasn't able to deliver your message/i,
  /delivery to the following recipients? (?:failed|was aborted|has been delayed)/i,
  /delivery has failed to these recipients or groups/i,
  /this is an automatically generated delivery status notification/i,
  /your (?:message|mail) (?:could not|couldn't|cannot|can't|was not) be(?:en)? delivered/i,
  /could not be delivered to:/i,
  /unable to deliver (?:your )?message to the following/i,
  /the following recipients? (?:could not|did not|cannot) receive/i,
  /the original message was received at/i,
  /-{3,} ?(?:this is a copy of the message|original message follows|below this line is a copy of the message)/i,
  /^message headers follow\.?$/im,
];

/** How far into the body the markers are looked for: a bounce says what it is at the top. */
const BODY_WINDOW = 20_000;

/**
 * Bounces that carry none of the DSN headers: recognised when two of three hints agree — a
 * bounce subject, a sentence only mail systems write, and a returned copy of the original
 * (message/rfc822 or text/rfc822-headers part). One hint alone is what a person might write.
 * A person forwarding a bounce ("Fwd: Returned mail: …" with the bounce quoted) is called a
 * bounce too: the decision record says so, and that is what sisimai's corpus expects.
 */
export const bounceText: ScreenCheck = (mail) => {
  const subject = mail.subject.replace(/^\s*(?:(?:fwd?|fw|wg|tr|rv|i)\s*:\s*)+/i, '');
  const subjectHint = BOUNCE_SUBJECTS.find((re) => re.test(subject));
  const body = mail.text.slice(0, BODY_WINDOW);
  const bodyHint = BOUNCE_BODY_MARKERS.map((re) => re.exec(body)).find((m) => m !== null);
  const returned = mail.attachments.find((a) => a.contentType === 'message/rfc822' || a.contentType === 'text/rfc822-headers' || a.contentType === 'message/global');
  const hints = [
    subjectHint ? `subject "${mail.subject.slice(0, 80)}"` : undefined,
    bodyHint ? `body says "${bodyHint[0].replace(/\s+/g, ' ').trim()}"` : undefined,
    returned ? `returns the original as ${returned.contentType}` : undefined,
  ].filter((h): h is string => h !== undefined);
  if (hints.length < 2) return undefined;
  return { kind: 'bounce', reason: `bounce without DSN headers: ${hints.join('; ')}` };
};
