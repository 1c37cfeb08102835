import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets, type Logger } from '../../src/log.js';

const SECRET = 'S3cretPassw0rd';

describe('redactSecrets', () => {
  const cases: [string, string, string][] = [
    ['the password of an IMAP URL', `imap://desk:${SECRET}@mail.test/INBOX`, 'imap://desk:***@mail.test/INBOX'],
    ['a URL inside a sentence', `cannot reach postgres://app:${SECRET}@db:5432/desk (refused)`, 'cannot reach postgres://app:***@db:5432/desk (refused)'],
    ['every URL in one text', `imap://a:${SECRET}@h1 and smtps://b:${SECRET}@h2`, 'imap://a:***@h1 and smtps://b:***@h2'],
    ['a percent-encoded user name', `imaps://support%40helpdesk.test:${SECRET}@mail.test/`, 'imaps://support%40helpdesk.test:***@mail.test/'],
    ['an empty user name', `imap://:${SECRET}@mail.test/`, 'imap://:***@mail.test/'],
    ['nothing when there is no password', 'smtp://relay@mail.test:25 and smtp://mail.test:587', 'smtp://relay@mail.test:25 and smtp://mail.test:587'],
    ['nothing in text without URLs', 'user: bob, host: mail.test', 'user: bob, host: mail.test'],
  ];
  it.each(cases)('hides %s', (_name, input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it.each([
    ['the user name is an unencoded mail address', `imaps://support@helpdesk.test:${SECRET}@mail.test/INBOX`],
    ['the password holds an unencoded @', `imap://desk:pa@${SECRET}@mail.test/INBOX`],
  ])('hides the password even when %s', (_name, input) => {
    const out = redactSecrets(input);
    expect(out).not.toContain(SECRET);
    expect(out).toContain('mail.test/INBOX');
  });
});

/** A logger writing JSON lines into a string, the way the daemon writes to stderr. */
function capture(): { log: Logger; output: () => string } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString('utf8');
      callback();
    },
  });
  return { log: createLogger({ level: 'debug', destination }), output: () => text };
}

describe('createLogger: a password never reaches the log output', () => {
  const url = `imap://desk:${SECRET}@mail.test/INBOX`;
  const cases: [string, (log: Logger) => void][] = [
    ['in the message text', (log) => log.info(`connecting to ${url}`)],
    ['in a printf-style argument', (log) => log.warn('connecting to %s failed', url)],
    ['in an object field', (log) => log.info({ url }, 'connecting')],
    ['in a nested object field', (log) => log.info({ source: { kind: 'imap', url } }, 'source added')],
    ['in an array inside an object', (log) => log.info({ tried: ['smtp://relay@mail.test', url] }, 'tried')],
    ['in an error text field', (log) => log.error({ err: `connect failed for ${url}` }, 'imap pass failed')],
    ['under a password key', (log) => log.info({ password: SECRET, auth: { user: 'desk', pass: SECRET } }, 'login')],
    ['under config URL keys', (log) => log.info({ config: { imapUrl: url, smtpUrl: url, databaseUrl: url } }, 'configured')],
    ['in a debug line', (log) => log.debug({ url }, url)],
    ['in the message of an Error logged directly', (log) => log.error(new Error(`connect failed for ${url}`))],
    ['in a URL whose user name is an unencoded mail address', (log) => log.info({ url: `imaps://support@helpdesk.test:${SECRET}@mail.test/` }, 'connecting')],
  ];
  it.each(cases)('%s', (_name, write) => {
    const { log, output } = capture();
    write(log);
    expect(output()).not.toBe('');
    expect(output()).not.toContain(SECRET);
  });

  it('keeps the rest of the line readable', () => {
    const { log, output } = capture();
    log.info({ url }, `connecting to ${url}`);
    const line = JSON.parse(output()) as { url: string; msg: string };
    expect(line.url).toBe('imap://desk:***@mail.test/INBOX');
    expect(line.msg).toBe('connecting to imap://desk:***@mail.test/INBOX');
  });
});

describe('createLogger: a logged error stays readable', () => {
  const url = `imap://desk:${SECRET}@mail.test/INBOX`;

  it('an Error in an object field keeps its message, with the password hidden', () => {
    const { log, output } = capture();
    log.error({ err: new Error(`connect failed for ${url}`) }, 'imap pass failed');
    expect(output()).toContain('connect failed for imap://desk:***@mail.test/INBOX');
    expect(output()).not.toContain(SECRET);
  });
});
