import nodemailer from 'nodemailer';
import type { SmtpSettings } from '../config.js';
import type { CheckResult } from '../ingress/imap-check.js';
import { smtpConnection } from './send.js';

/** One line for an SMTP failure (nodemailer's error codes), naming what to fix. */
export function describeSmtpFailure(smtp: SmtpSettings, err: unknown): string {
  const e = err as { code?: string; response?: string; message?: string };
  const where = `${smtp.host}:${smtp.port}`;
  const server = e.response ? ` (server: ${e.response.split('\n')[0]})` : '';
  switch (e.code) {
    case 'EAUTH':
      return `login refused for ${smtp.user ?? '(no user)'} at ${where}: wrong user name or password${server}`;
    case 'ENOAUTH':
      return `${where} wants a login: put USER:PASS in SMTP_URL`;
    case 'EDNS':
      return `cannot resolve ${smtp.host}: no such host`;
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'ETIMEDOUT':
      return `cannot reach ${where} (${e.code}): host unreachable or nothing listening on that port${/ECONNREFUSED/.test(e.message ?? '') ? ' (connection refused)' : ''}`;
    case 'ETLS':
      return `TLS failed with ${where}: ${e.message ?? ''}${smtp.secure ? ' (is this an smtps:// port?)' : ''}`;
    default:
      return `${where}: ${(e.message ?? String(err)).split('\n')[0]}${e.code ? ` (${e.code})` : ''}`;
  }
}

/** Connects, says EHLO and logs in (nodemailer's verify), sending nothing. */
export async function checkSmtp(smtp: SmtpSettings): Promise<CheckResult> {
  const transport = nodemailer.createTransport(smtpConnection(smtp, 15_000));
  try {
    await transport.verify();
    return { ok: true, detail: `${smtp.host}:${smtp.port} answers EHLO${smtp.user ? `, login as ${smtp.user} accepted` : ' (no login configured)'}` };
  } catch (err) {
    return { ok: false, detail: describeSmtpFailure(smtp, err) };
  } finally {
    transport.close();
  }
}
