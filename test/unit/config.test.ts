import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type ImapSettings, type SmtpSettings } from '../../src/config.js';
import { DeskmailError } from '../../src/errors.js';

/** The error loadConfig throws for an env, or a test failure when it does not throw. */
function configError(env: Record<string, string>): DeskmailError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(DeskmailError);
    return err as DeskmailError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig: an empty environment runs in local mode on the documented defaults', () => {
  const config = loadConfig({});

  it('has no IMAP, SMTP or database URL (local mode, embedded database)', () => {
    expect(config.imap).toBeUndefined();
    expect(config.smtp).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
  });

  it('answers as support@localhost with HD- references, polling every 30 s', () => {
    expect(config.helpdeskAddress).toBe('support@localhost');
    expect(config.ticketPrefix).toBe('HD');
    expect(config.pollIntervalSeconds).toBe(30);
  });

  it('keeps its state in ./data and authenticates agents by DMARC', () => {
    expect(config.dataDir).toBe(resolve('./data'));
    expect(config.agentAuth).toBe('dmarc');
  });

  it('treats variables set to an empty string as unset', () => {
    const blank = loadConfig({ IMAP_URL: '', SMTP_URL: '  ', DATABASE_URL: '', HELPDESK_ADDRESS: '', POLL_INTERVAL: '' });
    expect(blank.imap).toBeUndefined();
    expect(blank.smtp).toBeUndefined();
    expect(blank.databaseUrl).toBeUndefined();
    expect(blank.helpdeskAddress).toBe('support@localhost');
    expect(blank.pollIntervalSeconds).toBe(30);
  });
});

describe('loadConfig: simple settings', () => {
  it.each([
    ['HELPDESK_ADDRESS is stored lower-cased', { HELPDESK_ADDRESS: 'Help@Example.COM' }, (c: ReturnType<typeof loadConfig>) => c.helpdeskAddress, 'help@example.com'],
    ['TICKET_PREFIX is stored upper-cased', { TICKET_PREFIX: 'it' }, (c: ReturnType<typeof loadConfig>) => c.ticketPrefix, 'IT'],
    ['POLL_INTERVAL may be fractional', { POLL_INTERVAL: '2.5' }, (c: ReturnType<typeof loadConfig>) => c.pollIntervalSeconds, 2.5],
    ['AGENT_AUTH is case-insensitive', { AGENT_AUTH: 'TOKEN' }, (c: ReturnType<typeof loadConfig>) => c.agentAuth, 'token'],
    ['DATABASE_URL is kept as given', { DATABASE_URL: 'postgres://desk:pw@db:5432/deskmail' }, (c: ReturnType<typeof loadConfig>) => c.databaseUrl, 'postgres://desk:pw@db:5432/deskmail'],
  ] as const)('%s', (_name, env, pick, expected) => {
    expect(pick(loadConfig(env))).toBe(expected);
  });
});

describe('loadConfig: IMAP_URL', () => {
  const cases: [string, string, Partial<ImapSettings>][] = [
    [
      'a user name with %40 is the full mail address, plain IMAP defaults to port 143',
      'imap://support%40helpdesk.test:s3cret@mail.test/INBOX',
      { secure: false, host: 'mail.test', port: 143, user: 'support@helpdesk.test', pass: 's3cret', mailbox: 'INBOX' },
    ],
    ['imaps:// is TLS on port 993', 'imaps://desk:pw@mail.test/INBOX', { secure: true, port: 993 }],
    ['no mailbox path means INBOX', 'imap://desk:pw@mail.test', { mailbox: 'INBOX' }],
    ['a bare "/" means INBOX', 'imaps://desk:pw@mail.test/', { mailbox: 'INBOX' }],
    ['an explicit port wins', 'imap://desk:pw@mail.test:1143/INBOX', { port: 1143 }],
    ['a mailbox path is decoded and may be nested', 'imap://desk:pw@mail.test/Help%20Desk/Incoming', { mailbox: 'Help Desk/Incoming' }],
    ['a percent-encoded password is decoded', 'imap://desk:p%40ss%3Aword@mail.test/', { pass: 'p@ss:word' }],
  ];
  it.each(cases)('%s', (_name, url, expected) => {
    expect(loadConfig({ IMAP_URL: url }).imap).toMatchObject(expected);
  });

  it('marks mail \\Seen after storing it unless IMAP_AFTER_STORE says move:FOLDER', () => {
    expect(loadConfig({ IMAP_URL: 'imap://d:p@mail.test' }).imap?.afterStore).toEqual({ kind: 'seen' });
    expect(loadConfig({ IMAP_URL: 'imap://d:p@mail.test', IMAP_AFTER_STORE: 'move:Done' }).imap?.afterStore).toEqual({ kind: 'move', folder: 'Done' });
  });
});

describe('loadConfig: SMTP_URL', () => {
  const cases: [string, string, SmtpSettings][] = [
    ['plain SMTP defaults to the submission port 587, no login', 'smtp://mail.test', { secure: false, host: 'mail.test', port: 587, user: undefined, pass: undefined }],
    ['smtps:// is TLS on port 465, with a %40 user name', 'smtps://support%40helpdesk.test:pw@mail.test', { secure: true, host: 'mail.test', port: 465, user: 'support@helpdesk.test', pass: 'pw' }],
    ['an explicit port wins', 'smtp://relay:pw@mail.test:25', { secure: false, host: 'mail.test', port: 25, user: 'relay', pass: 'pw' }],
  ];
  it.each(cases)('%s', (_name, url, expected) => {
    expect(loadConfig({ SMTP_URL: url }).smtp).toEqual(expected);
  });
});

describe('loadConfig: each bad value is one CONFIG line naming the variable', () => {
  const cases: [string, Record<string, string>][] = [
    ['IMAP_URL', { IMAP_URL: 'not a url' }],
    ['IMAP_URL', { IMAP_URL: 'http://desk:pw@mail.test/' }],
    ['IMAP_URL', { IMAP_URL: 'imap://mail.test/INBOX' }],
    ['IMAP_URL', { IMAP_URL: 'imap://desk:pw@mail.test:99999/' }],
    ['IMAP_URL', { IMAP_URL: 'imap://desk:pw@mail.test:abc/' }],
    ['IMAP_AFTER_STORE', { IMAP_URL: 'imap://d:p@mail.test', IMAP_AFTER_STORE: 'delete' }],
    ['IMAP_AFTER_STORE', { IMAP_URL: 'imap://d:p@mail.test', IMAP_AFTER_STORE: 'move:' }],
    ['SMTP_URL', { SMTP_URL: 'mail.test:587' }],
    ['SMTP_URL', { SMTP_URL: 'imap://mail.test' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://desk:pw@db/deskmail' }],
    ['DATABASE_URL', { DATABASE_URL: 'deskmail' }],
    ['HELPDESK_ADDRESS', { HELPDESK_ADDRESS: 'support' }],
    ['HELPDESK_ADDRESS', { HELPDESK_ADDRESS: 'Support <support@example.com>' }],
    ['TICKET_PREFIX', { TICKET_PREFIX: 'H-D' }],
    ['TICKET_PREFIX', { TICKET_PREFIX: '1HD' }],
    ['POLL_INTERVAL', { POLL_INTERVAL: 'often' }],
    ['POLL_INTERVAL', { POLL_INTERVAL: '0' }],
    ['POLL_INTERVAL', { POLL_INTERVAL: '-5' }],
    ['AGENT_AUTH', { AGENT_AUTH: 'maybe' }],
  ];
  it.each(cases)('%s=%j', (variable, env) => {
    const err = configError(env);
    expect(err.code).toBe('CONFIG');
    expect(err.message.startsWith(`${variable} `)).toBe(true);
    expect(err.toLine()).not.toContain('\n');
  });

  it('a bad IMAP_URL says which schemes are accepted', () => {
    expect(configError({ IMAP_URL: 'ftp://mail.test' }).message).toMatch(/^IMAP_URL is not a valid imap:\/\/ or imaps:\/\/ URL: ftp:\/\/mail\.test/);
  });
});

describe('loadConfig: a password never appears in a configuration error', () => {
  const secret = 'Hunter2Secret';
  const cases: [string, string, string][] = [
    ['IMAP_URL with an out-of-range port', 'IMAP_URL', `imap://desk:${secret}@mail.test:99999/INBOX`],
    ['IMAP_URL with the wrong scheme', 'IMAP_URL', `pop3://desk:${secret}@mail.test/`],
    ['IMAP_URL without a user name', 'IMAP_URL', `imap://:${secret}@mail.test/`],
    ['IMAP_URL with no host', 'IMAP_URL', `imaps://desk:${secret}@:993/`],
    ['IMAP_URL whose user name is an unencoded mail address', 'IMAP_URL', `imaps://support@helpdesk.test:${secret}@mail.test:99999/`],
    ['IMAP_URL whose password holds an unencoded @', 'IMAP_URL', `imap://desk:p@${secret}@mail.test:99999/`],
    ['SMTP_URL with the wrong scheme', 'SMTP_URL', `http://relay:${secret}@mail.test/`],
    ['SMTP_URL whose user name is an unencoded mail address', 'SMTP_URL', `smtp://support@helpdesk.test:${secret}@mail.test:99999/`],
    ['DATABASE_URL with the wrong scheme', 'DATABASE_URL', `mysql://desk:${secret}@db/deskmail`],
  ];
  it.each(cases)('%s', (_name, variable, url) => {
    const err = configError({ [variable]: url });
    expect(err.code).toBe('CONFIG');
    expect(err.message.startsWith(`${variable} `)).toBe(true);
    expect(err.toLine()).not.toContain(secret);
  });
});
